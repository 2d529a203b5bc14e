"""LoCoMo conversation JSON: sessions of dated turns; the session date is each turn's reference time.

Accepts a single conversation object (keys `speaker_a`, `session_N`, `session_N_date_time`), the same
nested under `conversation`, or a list of such samples (as in locomo10.json).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tkgmem.errors import TkgError
from tkgmem.ingest.formats.base import SURROGATE_REASON, Read, ReaderOptions, Record, explain, lone_surrogate
from tkgmem.ingest.items import EpisodeIn, Reject

_SESSION = re.compile(r"^session_(\d+)$")


def parse_locomo_time(text: str) -> datetime:
    """'1:56 pm on 8 May, 2023' -> 2023-05-08T13:56Z."""
    cleaned = " ".join(text.replace(",", " ").split())
    for fmt in ("%I:%M %p on %d %B %Y", "%I:%M%p on %d %B %Y", "%d %B %Y"):
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"unrecognised LoCoMo date {text!r}")


def read_locomo(path: Path, options: ReaderOptions) -> Iterator[Read]:
    source = options.source or str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        yield Reject(source=source, line=0, reason=f"not a LoCoMo JSON file: {exc}", raw="")
        return
    except RecursionError:
        yield Reject(source=source, line=0, reason="not a LoCoMo JSON file: nested too deeply", raw="")
        return
    samples = data if isinstance(data, list) else [data]
    line = 0
    for index, sample in enumerate(samples):
        if not isinstance(sample, dict):
            yield Reject(source=source, line=0, reason=f"sample {index} is not an object", raw=str(sample)[:200])
            continue
        conv: dict[str, Any] = sample.get("conversation", sample)
        if not isinstance(conv, dict):
            yield Reject(source=source, line=0, reason=f"sample {index}: 'conversation' is not an object",
                         raw=str(conv)[:200])
            continue
        sample_id = str(sample.get("sample_id") or (path.stem if len(samples) == 1 else f"{path.stem}-{index}"))
        speakers = [conv.get("speaker_a"), conv.get("speaker_b")]
        sessions = sorted(
            (int(m.group(1)), key) for key in conv if (m := _SESSION.match(key)) and isinstance(conv[key], list)
        )
        for number, key in sessions:
            stamp = conv.get(f"{key}_date_time")
            try:
                when = parse_locomo_time(str(stamp))
            except ValueError as exc:
                yield Reject(source=source, line=0, reason=f"{sample_id} {key}: {exc}", raw=str(stamp))
                continue
            for seq, turn in enumerate(conv[key]):
                line += 1
                if line <= options.start_line:
                    continue
                yield _turn(turn, source, sample_id, number, seq, when, speakers, line)


def _turn(turn: Any, source: str, sample_id: str, session: int, seq: int, when: datetime,
          speakers: list[Any], line: int) -> Read:
    where = f"{sample_id} session {session} turn {seq}"
    if not isinstance(turn, dict) or not str(turn.get("text", "")).strip():
        return Reject(source=source, line=line, reason=f"{where}: no text", raw=_raw(turn))
    if lone_surrogate([turn, speakers, sample_id]):
        return Reject(source=source, line=line, reason=f"{where}: {SURROGATE_REASON}", raw=_raw(turn))
    try:
        return _record(turn, source, sample_id, session, seq, when, speakers, line)
    except ValidationError as exc:
        return Reject(source=source, line=line, reason=f"{where}: {explain(exc)}", raw=_raw(turn))
    except (TkgError, RecursionError) as exc:
        return Reject(source=source, line=line, reason=f"{where}: {exc}", raw=_raw(turn))


def _raw(turn: Any) -> str:
    try:
        return json.dumps(turn, default=str)[:500]
    except (RecursionError, ValueError):
        return str(type(turn).__name__)


def _record(turn: dict[str, Any], source: str, sample_id: str, session: int, seq: int, when: datetime,
            speakers: list[Any], line: int) -> Record:
    speaker = str(turn.get("speaker", "")) or None
    others = [str(s) for s in speakers if s and str(s) != speaker]
    text = str(turn["text"])
    metadata: dict[str, Any] = {"dia_id": turn.get("dia_id"), "sample_id": sample_id}
    if turn.get("blip_caption"):
        metadata["image_caption"] = turn["blip_caption"]
        text = f"{text} [shares a photo: {turn['blip_caption']}]"
    item = EpisodeIn(
        text=text, time=when, speaker=speaker, addressee=others[0] if others else None,
        session=f"{sample_id}:{session}", id=f"{sample_id}:{turn.get('dia_id') or seq}", source=source,
        metadata=metadata,
    )
    return Record(source=source, line=line, item=item, kind="dialogue")
