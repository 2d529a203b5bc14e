"""Structured facts as JSONL: `{"subject", "relation", "object", "valid_from"?, "valid_to"?, "source"?}`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tkgmem.errors import TkgError
from tkgmem.ingest.formats.base import Read, ReaderOptions, Record, explain, json_lines
from tkgmem.ingest.items import FactRecordIn, Reject
from tkgmem.temporal import parse_granular


def fact_record(value: dict[str, Any], source: str, line: int) -> Read:
    """Validate one structured fact, dates included, so a bad date is a reject, not a failed batch."""
    try:
        clean = {k: (str(v) if v is not None and k not in {"object_is_value"} else v) for k, v in value.items()}
        record = FactRecordIn.model_validate(clean)
        start = parse_granular(record.valid_from)[0] if record.valid_from else None
        end = parse_granular(record.valid_to)[0] if record.valid_to else None
        if record.recorded_at:  # replay mode reads it as the transaction time
            parse_granular(record.recorded_at)
        if start is not None and end is not None and end < start:
            raise TkgError(f"valid_to {record.valid_to} is before valid_from {record.valid_from}")
    except ValidationError as exc:
        return Reject(source=source, line=line, reason=explain(exc), raw=json.dumps(value, default=str))
    except TkgError as exc:
        return Reject(source=source, line=line, reason=str(exc), raw=json.dumps(value, default=str))
    if record.source is None:
        record = record.model_copy(update={"source": source})
    return Record(source=source, line=line, item=record, kind="record")


def read_facts(path: Path, options: ReaderOptions) -> Iterator[Read]:
    source = options.source or str(path)
    for got in json_lines(path, source, options.start_line):
        if isinstance(got, Reject):
            yield got
        else:
            yield fact_record(got[1], source, got[0])
