"""Readers: each turns one input file into a stream of typed records or rejects, in constant memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tkgmem.errors import InputError
from tkgmem.ingest.formats.base import Read, Reader, ReaderOptions
from tkgmem.ingest.formats.csvfacts import read_csv_facts
from tkgmem.ingest.formats.dialogue import read_dialogue
from tkgmem.ingest.formats.facts import read_facts
from tkgmem.ingest.formats.locomo import read_locomo
from tkgmem.ingest.formats.text import read_text

READERS: dict[str, Reader] = {
    "dialogue": read_dialogue,
    "locomo": read_locomo,
    "text": read_text,
    "facts": read_facts,
    "csv": read_csv_facts,
}

__all__ = ["READERS", "Read", "ReaderOptions", "detect_format", "read_file"]


def detect_format(path: Path) -> str:
    """Guess the format from the file name and its first record; ambiguous files need --format."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".md", ".markdown", ".txt", ".rst"}:
        return "text"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace").lstrip()
        if suffix == ".json" and head.startswith(("{", "[")) and ("speaker_a" in head or "conversation" in head):
            return "locomo"
        first = head.splitlines()[0] if head else ""
        if '"subject"' in first and '"relation"' in first:
            return "facts"
        if '"text"' in first and '"speaker"' in first:
            return "dialogue"
    raise InputError(
        f"cannot tell the format of {path}; pass --format with one of: {', '.join(sorted(READERS))}"
    )


def read_file(path: Path, fmt: str | None, options: ReaderOptions) -> Iterator[Read]:
    fmt = fmt or detect_format(path)
    if fmt not in READERS:
        raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(sorted(READERS))}")
    return READERS[fmt](path, options)
