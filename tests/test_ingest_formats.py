"""Readers: every format streams records, and bad lines become rejects with line numbers and reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tkgmem.errors import InputError
from tkgmem.ingest.formats import ReaderOptions, detect_format, read_file
from tkgmem.ingest.formats.base import Record
from tkgmem.ingest.formats.locomo import parse_locomo_time
from tkgmem.ingest.items import EpisodeIn, FactRecordIn, Reject


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def test_dialogue_jsonl_with_bad_lines_in_the_middle(tmp_path: Path) -> None:
    lines = [
        json.dumps({"session": 1, "speaker": "Alice", "text": "I moved to Berlin", "time": "2023-05-08T10:00:00Z"}),
        "{not json",
        json.dumps({"session": 1, "speaker": "Bob", "text": "", "time": "2023-05-08T10:01:00Z"}),
        json.dumps({"session": 1, "speaker": "Bob", "text": "Nice", "time": "yesterday-ish"}),
        "[1, 2]",
        "",
        json.dumps({"session": 1, "speaker": "Bob", "text": "Congrats!", "time": "2023-05-08T10:02:00"}),
    ]
    path = write(tmp_path, "chat.jsonl", "\n".join(lines) + "\n")
    reads = list(read_file(path, None, ReaderOptions()))
    good = [r for r in reads if isinstance(r, Record)]
    bad = [r for r in reads if isinstance(r, Reject)]
    assert [r.line for r in good] == [1, 7]
    assert [r.line for r in bad] == [2, 3, 4, 5]
    assert "invalid JSON" in bad[0].reason
    assert "text" in bad[1].reason
    assert "ISO-8601" in bad[2].reason
    assert "JSON object" in bad[3].reason
    second = good[1].item
    assert isinstance(second, EpisodeIn) and second.addressee == "Alice" and second.session == "1"
    assert second.time.tzinfo is not None


def test_binary_and_huge_lines_are_rejected(tmp_path: Path) -> None:
    ok = json.dumps({"speaker": "A", "text": "hi", "time": "2023-01-01"}).encode()
    path = write(tmp_path, "x.jsonl", ok + b"\n\xff\xfe\x00binary\n" + b'{"text": "' + b"a" * 1_100_000 + b'"}\n' + ok)
    reads = list(read_file(path, "dialogue", ReaderOptions()))
    assert [type(r).__name__ for r in reads] == ["Record", "Reject", "Reject", "Record"]
    assert "UTF-8" in reads[1].reason and "longer than" in reads[2].reason  # type: ignore[union-attr]


def test_locomo_reader(locomo_dir: Path) -> None:
    reads = list(read_file(locomo_dir / "26.json", None, ReaderOptions()))
    assert all(isinstance(r, Record) for r in reads)
    first = reads[0].item  # type: ignore[union-attr]
    assert isinstance(first, EpisodeIn)
    assert first.speaker == "Caroline" and first.addressee == "Melanie"
    assert first.time.isoformat() == "2023-05-08T13:56:00+00:00"
    assert first.metadata["dia_id"] == "D1:1"
    assert len(reads) == 419


def test_locomo_time_parsing() -> None:
    assert parse_locomo_time("1:56 pm on 8 May, 2023").isoformat() == "2023-05-08T13:56:00+00:00"
    assert parse_locomo_time("10:37 am on 27 June, 2023").hour == 10
    with pytest.raises(ValueError):
        parse_locomo_time("sometime")


def test_text_document_front_matter_and_chunks(tmp_path: Path) -> None:
    body = "---\ndate: 2021-03-04\nauthor: Dana\ntitle: Notes\n---\n# Week\n\nI joined Acme.\n\nWe met Bob.\n"
    reads = list(read_file(write(tmp_path, "notes.md", body), None, ReaderOptions()))
    items = [r.item for r in reads if isinstance(r, Record)]
    assert items and all(isinstance(i, EpisodeIn) and i.speaker == "Dana" for i in items)
    assert "I joined Acme." in " ".join(i.text for i in items)  # type: ignore[union-attr]
    assert items[0].time.date().isoformat() == "2021-03-04"  # type: ignore[union-attr]


def test_text_document_needs_a_time(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.txt", "Just words.\n")
    reads = list(read_file(path, None, ReaderOptions()))
    assert isinstance(reads[0], Reject) and "--time" in reads[0].reason
    reads = list(read_file(path, None, ReaderOptions(reference_time="2020-01-01")))  # type: ignore[arg-type]
    assert isinstance(reads[0], Record)


def test_facts_jsonl(tmp_path: Path) -> None:
    lines = [
        {"subject": "Alice", "relation": "works_at", "object": "Acme", "valid_from": "2019"},
        {"subject": "Alice", "relation": "works_at"},
        {"subject": "Alice", "relation": "lives_in", "object": "Rome", "valid_from": "2020-13-01"},
        {"subject": "Alice", "relation": "lives_in", "object": "Rome", "valid_from": "2021", "valid_to": "2020"},
        {"subject": "Alice", "relation": "likes", "object": "tea", "colour": "red"},
    ]
    path = write(tmp_path, "facts.jsonl", "\n".join(json.dumps(x) for x in lines))
    assert detect_format(path) == "facts"
    reads = list(read_file(path, None, ReaderOptions()))
    assert isinstance(reads[0], Record) and isinstance(reads[0].item, FactRecordIn)
    reasons = [r.reason for r in reads[1:] if isinstance(r, Reject)]
    assert len(reasons) == 4
    assert "object" in reasons[0] and "2020-13-01" in reasons[1] and "before" in reasons[2]
    assert "colour" in reasons[3]


def test_csv_with_column_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "hr.csv", "employee,company,start\nAlice,Acme,2019-01\nBob,,2020\nCarol,Initech\n")
    opts = ReaderOptions(columns={"subject": "employee", "object": "company", "valid_from": "start"},
                         relation="works_at")
    reads = list(read_file(path, None, opts))
    assert isinstance(reads[0], Record) and reads[0].item.subject == "Alice"  # type: ignore[union-attr]
    assert isinstance(reads[1], Reject) and reads[1].line == 3 and "object" in reads[1].reason
    assert isinstance(reads[2], Reject) and "cells" in reads[2].reason


def test_csv_header_without_needed_columns(tmp_path: Path) -> None:
    reads = list(read_file(write(tmp_path, "x.csv", "a,b\n1,2\n"), None, ReaderOptions()))
    assert len(reads) == 1 and isinstance(reads[0], Reject) and "--columns" in reads[0].reason


def test_unknown_format_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--format"):
        detect_format(write(tmp_path, "x.bin", "??"))
