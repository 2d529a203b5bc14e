"""Shared reader types and helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from tkgmem.ingest.items import EpisodeIn, FactRecordIn, Reject

MAX_LINE_BYTES = 1_000_000


class Record(BaseModel):
    """One good input record and where it came from."""

    source: str
    line: int
    item: EpisodeIn | FactRecordIn
    kind: str = "dialogue"


Read = Record | Reject


class ReaderOptions(BaseModel):
    reference_time: datetime | None = Field(None, description="for documents without a date")
    columns: dict[str, str] = Field(default_factory=dict, description="CSV: field -> column name")
    relation: str | None = Field(None, description="CSV: one relation for every row")
    source: str | None = Field(None, description="override the source name (default: the file path)")
    start_line: int = Field(0, description="skip records at or before this line (resuming a job)")


Reader = Callable[[Path, ReaderOptions], Iterator[Read]]


def explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def json_lines(path: Path, source: str, start_line: int) -> Iterator[tuple[int, Any] | Reject]:
    """Yield (line number, parsed JSON object) or a Reject for each non-blank line; never raises on bad data."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number <= start_line:
                continue
            if len(raw) > MAX_LINE_BYTES:
                yield Reject(source=source, line=number, reason=f"line longer than {MAX_LINE_BYTES} bytes",
                             raw=raw[:200].decode("utf-8", errors="replace") + "…")
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Reject(source=source, line=number, reason=f"not UTF-8 ({exc.reason} at byte {exc.start})",
                             raw=raw.decode("utf-8", errors="replace"))
                continue
            if number == 1:
                text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors write
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except (json.JSONDecodeError, RecursionError) as exc:
                reason = f"invalid JSON: {exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) \
                    else "invalid JSON: nested too deeply"
                yield Reject(source=source, line=number, reason=reason, raw=text.rstrip("\n"))
                continue
            if not isinstance(value, dict):
                yield Reject(source=source, line=number, reason=f"expected a JSON object, got {type(value).__name__}",
                             raw=text.rstrip("\n"))
                continue
            if "\\u" in text and lone_surrogate(value):
                yield Reject(source=source, line=number, reason=SURROGATE_REASON, raw=text.rstrip("\n"))
                continue
            yield number, value


SURROGATE_REASON = "contains a lone surrogate escape (\\ud800-\\udfff), which is not valid Unicode text"


def lone_surrogate(value: Any) -> bool:
    """True when a parsed JSON value holds a string that cannot be encoded as UTF-8 (e.g. from "\\ud800")."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):
        return False
    return False
