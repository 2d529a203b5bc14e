"""Dialogue JSONL: one turn per line, `{"session", "speaker", "text", "time", "id"?}`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from tkgmem.errors import TkgError
from tkgmem.ingest.formats.base import Read, ReaderOptions, Record, explain, json_lines
from tkgmem.ingest.items import EpisodeIn, Reject


def read_dialogue(path: Path, options: ReaderOptions) -> Iterator[Read]:
    source = options.source or str(path)
    last_speaker: dict[str | None, str] = {}  # per session, so "you" can be resolved to the addressee
    for got in json_lines(path, source, options.start_line):
        if isinstance(got, Reject):
            yield got
            continue
        number, value = got
        try:
            value.setdefault("source", source)
            value = {k: (str(v) if k in {"session", "id"} and v is not None else v) for k, v in value.items()}
            turn = EpisodeIn.model_validate(value)
        except ValidationError as exc:
            yield Reject(source=source, line=number, reason=explain(exc), raw=_raw(value))
            continue
        except TkgError as exc:
            yield Reject(source=source, line=number, reason=str(exc), raw=_raw(value))
            continue
        if turn.addressee is None and turn.speaker is not None:
            previous = last_speaker.get(turn.session)
            if previous is not None and previous != turn.speaker:
                turn = turn.model_copy(update={"addressee": previous})
        if turn.speaker is not None:
            last_speaker[turn.session] = turn.speaker
        yield Record(source=source, line=number, item=turn, kind="dialogue")


def _raw(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
