"""The committed fuzz corpus (`tests/fuzz/<format>/*`) as regression cases, plus a seeded mutation fuzzer
that derives thousands of damaged inputs from it (byte flips, truncation, splicing, injected extremes).

For every corpus file the counts of records and rejects are pinned in `tests/fuzz/expected.json`, so a
change in how a nasty input is treated shows up in review. After a deliberate change, rewrite it with
`TKGMEM_FUZZ_UPDATE=1 pytest tests/test_fuzz_corpus.py`.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from test_fuzz_formats import check_reads, ingest, non_blank_lines, scratch

from tkgmem.ingest.formats import READERS, ReaderOptions
from tkgmem.ingest.formats.base import Record

CORPUS = Path(__file__).parent / "fuzz"
EXPECTED = CORPUS / "expected.json"
FORMATS = ("dialogue", "facts", "csv", "text", "locomo")
LINE_BASED = {"dialogue", "facts"}
MUTANTS = int(2000 * float(os.environ.get("TKGMEM_FUZZ_EXAMPLES", "1")))  # per format
SEED = int(os.environ.get("TKGMEM_FUZZ_SEED", "20261121"))
OPTIONS = ReaderOptions(reference_time=None)


def corpus_files(fmt: str) -> list[Path]:
    return sorted(p for p in (CORPUS / fmt).iterdir() if p.is_file())


def test_corpus_regressions() -> None:
    expected = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
    seen: dict[str, list[int]] = {}
    for fmt in FORMATS:
        for path in corpus_files(fmt):
            reads = list(READERS[fmt](path, OPTIONS))
            records, rejects = check_reads(reads)
            if fmt in LINE_BASED:
                assert sorted(r.line for r in reads) == sorted(non_blank_lines(path.read_bytes())), path
            ingest(path, fmt, OPTIONS, reads)
            seen[f"{fmt}/{path.name}"] = [len(records), len(rejects)]
    if os.environ.get("TKGMEM_FUZZ_UPDATE"):
        EXPECTED.write_text(json.dumps(seen, indent=1, sort_keys=True) + "\n")
        return
    assert seen == expected, "corpus outcomes changed; if deliberate, rerun with TKGMEM_FUZZ_UPDATE=1"


# -- mutation fuzzing ---------------------------------------------------------------------------
SPLICES = [
    b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b'"', b"\\", b"\\ud800", b"\n", b"\r", b",", b"{", b"}", b"[", b"]",
    b"null", b"NaN", b"-Infinity", b"1e999", b"9999-12-31T23:59:59-12:00", b"0001-01-01T00:00:00+14:00",
    b"+10000", b"2019-02-30", b"'); DROP TABLE episodes;--", b"MATCH (n) DETACH DELETE n", b"---", b"# ",
    b"date: ", b"session_1", b"_date_time", b"\xef\xbb\xbf", "🙂".encode(), b"\t", b" " * 50,
]


def _seeds(fmt: str) -> list[bytes]:
    return [p.read_bytes() for p in corpus_files(fmt)] + [good for f, good in GOOD if f == fmt]


GOOD = [
    ("dialogue", b'{"session": "s", "speaker": "A", "text": "I moved to Berlin in May 2019.", "time": "2023-05-08"}\n'
                 b'{"session": "s", "speaker": "B", "text": "Since when?", "time": "2023-05-08T10:00:00+02:00"}\n'),
    ("facts", b'{"subject": "Alice", "relation": "lives_in", "object": "Paris", "valid_from": "2019-05"}\n'
              b'{"subject": "Alice", "relation": "likes", "object": "tea", "object_is_value": true}\n'),
    ("csv", b"subject,relation,object,valid_from\nAlice,lives_in,Paris,2019\nBob,works_at,Acme,2020-01\n"),
    ("text", b"---\ndate: 2023-05-08\nauthor: Alice\n---\n# Trip\n\nWe went to Rome last week.\n\nIt rained.\n"),
    ("locomo", json.dumps({"speaker_a": "A", "speaker_b": "B", "session_1_date_time": "1:56 pm on 8 May, 2023",
                           "session_1": [{"speaker": "A", "dia_id": "D1:1", "text": "Hi B!"},
                                         {"speaker": "B", "dia_id": "D1:2", "text": "Hi!"}]}).encode()),
]


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        at = rng.randint(0, len(out))
        if op == 0 and out:  # flip a byte
            i = rng.randrange(len(out))
            out[i] = rng.randrange(256)
        elif op == 1:  # insert a nasty token
            out[at:at] = rng.choice(SPLICES)
        elif op == 2:  # delete a span
            out[at:at + rng.randint(1, 20)] = b""
        elif op == 3:  # truncate
            del out[at:]
        elif op == 4:  # duplicate a span
            span = out[at:at + rng.randint(1, 80)]
            out[at:at] = span
        elif op == 5:  # splice in part of another seed
            other = rng.choice(pool)
            i = rng.randint(0, len(other))
            out[at:at] = other[i:i + rng.randint(1, 200)]
        elif op == 6:  # replace a digit run with an extreme number
            digits = [i for i, b in enumerate(out) if 48 <= b <= 57]
            if digits:
                i = rng.choice(digits)
                out[i:i + 1] = rng.choice([b"99999", b"0", b"-1", b"9" * 30, b"13", b"32", b"60"])
        else:  # nest it
            depth = rng.choice([1, 10, 2000])
            out[:] = b"[" * depth + out + b"]" * depth
    return bytes(out)


def test_mutations_of_the_corpus() -> None:
    rng = random.Random(SEED)
    totals = {"inputs": 0, "records": 0, "rejects": 0}
    for fmt in FORMATS:
        pool = _seeds(fmt)
        suffix = {"dialogue": "jsonl", "facts": "jsonl", "csv": "csv", "text": "md", "locomo": "json"}[fmt]
        for i in range(MUTANTS):
            content = mutate(rng, rng.choice(pool), pool)
            path = scratch(f"mutant.{suffix}", content)
            reads = list(READERS[fmt](path, OPTIONS))
            records, rejects = check_reads(reads)
            if fmt in LINE_BASED:
                assert sorted(r.line for r in reads) == sorted(non_blank_lines(content)), content[:300]
            assert all(isinstance(r, Record) and r.item is not None for r in records)
            if i % 20 == 0:  # a whole job over every 20th mutant (the store is the slow part)
                ingest(path, fmt, OPTIONS, reads)
            totals["inputs"] += 1
            totals["records"] += len(records)
            totals["rejects"] += len(rejects)
    print(f"\nmutation fuzzing: {totals}")
    assert totals["inputs"] == MUTANTS * len(FORMATS) and totals["records"] and totals["rejects"]
