"""Plain text / Markdown documents, chunked by paragraph, with a reference time from front matter or a flag.

Front matter: a leading block between `---` lines with `date: 2023-05-08` (also `time:` or `reference_time:`)
and optionally `author:` (the speaker of every chunk) and `title:`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tkgmem.errors import TkgError
from tkgmem.ingest.formats.base import Read, ReaderOptions, Record
from tkgmem.ingest.items import EpisodeIn, Reject
from tkgmem.temporal import as_utc

MAX_CHUNK_CHARS = 1200


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, i + 1
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("'\"")
    return {}, 0


def read_text(path: Path, options: ReaderOptions) -> Iterator[Read]:
    source = options.source or str(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # -sig: a leading BOM is not text
    except UnicodeDecodeError as exc:
        yield Reject(source=source, line=0, reason=f"not UTF-8 text ({exc.reason}); convert it to UTF-8", raw="")
        return
    meta, body_start = _front_matter(lines)
    stamp = meta.get("date") or meta.get("time") or meta.get("reference_time")
    try:
        when = as_utc(stamp) if stamp else options.reference_time
    except TkgError as exc:
        yield Reject(source=source, line=1, reason=f"front matter date: {exc}", raw=stamp or "")
        return
    if when is None:
        yield Reject(source=source, line=1, raw="",
                     reason="document has no reference time; add front matter `date: YYYY-MM-DD` or pass --time")
        return
    chunk: list[str] = []
    chunk_line = body_start + 1
    seq = 0

    def flush() -> Record | None:
        nonlocal seq
        text = "\n".join(chunk).strip()
        if not text:
            return None
        seq += 1
        item = EpisodeIn(text=text, time=when, speaker=meta.get("author"), session=source, source=source,
                         metadata={"title": meta.get("title"), "chunk": seq, "line": chunk_line})
        return Record(source=source, line=chunk_line, item=item, kind="document")

    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        blank = not line.strip()
        size = sum(len(c) for c in chunk)
        if (blank and size >= MAX_CHUNK_CHARS // 2) or size + len(line) > MAX_CHUNK_CHARS or (
            line.lstrip().startswith("#") and chunk
        ):
            record = flush()
            chunk = []
            if record is not None and record.line > options.start_line:
                yield record
            chunk_line = number
        if not (blank and not chunk):
            chunk.append(line)
    record = flush()
    if record is not None and record.line > options.start_line:
        yield record
