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
    # Lines before start_line (a resumed job) are read too, without yielding them, so that the
    # addressees after the resume point are the same as in an uninterrupted run.
    for got in json_lines(path, source, 0):
        if isinstance(got, Reject):
            if got.line > options.start_line:
                yield got
            continue
        number, value = got
        before_start = number <= options.start_line
        try:
            value.setdefault("source", source)
            value = {k: (str(v) if k in {"session", "id"} and v is not None else v) for k, v in value.items()}
            turn = EpisodeIn.model_validate(value)
        except (ValidationError, TkgError) as exc:
            if not before_start:
                reason = explain(exc) if isinstance(exc, ValidationError) else str(exc)
                yield Reject(source=source, line=number, reason=reason, raw=_raw(value))
            continue
        if turn.addressee is None and turn.speaker is not None:
            previous = last_speaker.get(turn.session)
            if previous is not None and previous != turn.speaker:
                turn = turn.model_copy(update={"addressee": previous})
        if turn.speaker is not None:
            last_speaker[turn.session] = turn.speaker
        if before_start:
            continue
        yield Record(source=source, line=number, item=turn, kind="dialogue")


def _raw(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
