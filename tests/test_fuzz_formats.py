"""Property-based fuzzing of every input reader, and of a whole ingestion job over what they yield.

The contract under test: whatever the bytes, a reader yields only `Record`s and `Reject`s (a reject has
a line number and a reason a person can act on), every non-blank input line comes out exactly once, and
an ingestion job over the file finishes with every record either stored or rejected. Nothing raises.

Each test runs `FUZZ_EXAMPLES` generated inputs (env `TKGMEM_FUZZ_EXAMPLES` scales them all; they are the same
inputs on every run unless `TKGMEM_FUZZ_RANDOM=1`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tkgmem.ingest.formats import READERS, ReaderOptions
from tkgmem.ingest.formats.base import MAX_LINE_BYTES, Record
from tkgmem.ingest.items import EpisodeIn, Reject
from tkgmem.ingest.runner import IngestJob, episode_from
from tkgmem.model import Batch, Episode
from tkgmem.store.sqlite import SQLiteStore

SCALE = float(os.environ.get("TKGMEM_FUZZ_EXAMPLES", "1"))
RANDOM = os.environ.get("TKGMEM_FUZZ_RANDOM") == "1"


def budget(n: int) -> Any:
    # Fixed examples by default, so a CI run is reproducible; TKGMEM_FUZZ_RANDOM=1 explores new ones.
    return settings(max_examples=max(10, int(n * SCALE)), deadline=None, database=None, derandomize=not RANDOM,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# -- shared state: one store and one scratch directory per module -------------------------------
_DIR = Path(tempfile.mkdtemp(prefix="tkgmem-fuzz-"))
_STORE: list[SQLiteStore] = []


def store() -> SQLiteStore:
    if not _STORE:
        _STORE.append(SQLiteStore(f"sqlite:///{_DIR / 'fuzz.db'}"))
    return _STORE[0]


@pytest.fixture(scope="module", autouse=True)
def _close_store() -> Iterator[None]:
    yield
    for s in _STORE:
        s.close()
    _STORE.clear()


def scratch(name: str, content: bytes) -> Path:
    path = _DIR / name
    path.write_bytes(content)
    return path


class Echo:
    """A stand-in extractor: the episodes themselves, no NLP (the readers and the store are under test)."""

    name = "echo"

    def extract(self, episodes: Sequence[Episode], tenant: str) -> Batch:
        return Batch(tenant=tenant, episodes=list(episodes))


# -- strategies ---------------------------------------------------------------------------------
OFFSETS: st.SearchStrategy[timezone | None] = st.one_of(
    st.none(), st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-23 * 60 - 59, 23 * 60 + 59)))
ISO = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                   timezones=OFFSETS).map(lambda d: d.isoformat())  # type: ignore[arg-type]
ODD_DATES = st.sampled_from([
    "", " ", "2019", "2019-05", "2019-13", "2019-02-30", "0000-01-01", "+10000-01-01", "-0001-01-01",
    "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "9999", "0001", "9999-12", "yesterday",
    "1e309", "NaN", "2023-05-08T13:56:00Z", "2023-W05", "20230508", "2023-05-08T25:00", "2023-05-08T13:56+25:00",
    "2023-05-08 13:56:00.123456789", "８ May 2023", "2023-05-08\x00", "1:56 pm on 8 May, 2023",
])
DATES: st.SearchStrategy[Any] = st.one_of(
    ISO, ODD_DATES, st.text(max_size=25), st.integers(), st.floats(), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=2),
)
NASTY = st.sampled_from([
    "Robert'); DROP TABLE episodes;--", "' OR '1'='1", "\" OR 1=1 --", "MATCH (n) DETACH DELETE n",
    "}) RETURN n //", "$tenant", "`backtick`", "\\", "\x00", "\u202e\u0644\u0627", "🙂" * 50, "a\r\nb\rc\n",
    "\ufeffBOM", "NaN", "null", "[]", "{}", "\t", "\u2028\u2029", "ﬁ", "İstanbul", "x" * 5000,
])
TEXTS: st.SearchStrategy[str] = st.one_of(st.text(max_size=120), NASTY)
SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | NASTY
# Shallow on purpose: hypothesis spends its time generating, and depth is covered by the deep-nesting tests.
JSON: st.SearchStrategy[Any] = st.one_of(
    SCALAR, st.lists(SCALAR, max_size=2), st.dictionaries(st.sampled_from(["a", "text", "", "$x"]), SCALAR, max_size=2),
)
MAYBE_TEXT = st.one_of(TEXTS, TEXTS, TEXTS, JSON)


def mutate(line: str, how: int, data: Any) -> bytes:
    """Turn a well-formed JSON line into a damaged one, sometimes."""
    raw = line.encode()
    if how == 1:  # truncated
        return raw[: data.draw(st.integers(0, max(0, len(raw) - 1)))]
    if how == 2:  # a lone surrogate escape inside the text
        return raw.replace(b'"', b'"\\ud800', 1)
    if how == 3:  # bytes that are not UTF-8
        return raw + b"\xff\xfe"
    if how == 4:  # nested too deeply for any parser
        return b"[" * 5000 + raw + b"]" * 5000
    if how == 5:
        return data.draw(st.binary(max_size=60))
    return raw


def jsonl(data: Any, item: st.SearchStrategy[dict[str, Any]]) -> bytes:
    lines = []
    for _ in range(data.draw(st.integers(0, 4))):
        line = json.dumps(data.draw(item), ensure_ascii=data.draw(st.booleans()))
        lines.append(mutate(line, data.draw(st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5])), data))
    sep = data.draw(st.sampled_from([b"\n", b"\r\n", b"\n\n"]))
    return sep.join(lines) + data.draw(st.sampled_from([b"", b"\n", b"   \n"]))


def non_blank_lines(content: bytes) -> set[int]:
    """Line numbers a line-based reader must account for: every line that is not blank text."""
    out = set()
    for number, raw in enumerate(io.BytesIO(content), start=1):
        try:
            if raw.decode("utf-8").strip():
                out.add(number)
        except UnicodeDecodeError:
            out.add(number)
    return out


def check_reads(reads: list[Any]) -> tuple[list[Record], list[Reject]]:
    records = [r for r in reads if isinstance(r, Record)]
    rejects = [r for r in reads if isinstance(r, Reject)]
    assert len(records) + len(rejects) == len(reads), [type(r) for r in reads]
    for r in rejects:
        assert r.reason.strip() and r.line >= 0 and isinstance(r.raw, str)
    return records, rejects


def ingest(path: Path, fmt: str, options: ReaderOptions, reads: list[Any]) -> None:
    """A whole job over the file: finishes, counts every read, stores every record or rejects it."""
    tenant = f"fz_{uuid.uuid4().hex[:10]}"
    (_DIR / "rejects.jsonl").unlink(missing_ok=True)
    job = IngestJob(store(), tenant, Echo, batch_size=3, record_time="reference", progress=False,
                    rejects_path=_DIR / "rejects.jsonl")
    report = job.run_files([path], fmt, options)
    records, rejects = check_reads(reads)
    assert report.read == len(reads)
    assert report.rejected == len(rejects)
    episodes = [episode_from(r, r.item, tenant).id for r in records if isinstance(r.item, EpisodeIn)]
    assert store().known_episodes(tenant, episodes) == set(episodes)
    stored = store().stats(tenant).episodes
    assert (1 if records else 0) <= stored <= len(records)


# -- the readers --------------------------------------------------------------------------------
TURN = st.fixed_dictionaries(
    {"text": MAYBE_TEXT, "time": DATES},
    optional={"speaker": MAYBE_TEXT, "session": JSON, "id": JSON, "metadata": JSON, "addressee": MAYBE_TEXT,
              "source": MAYBE_TEXT, "unexpected": JSON},
)
FACT = st.fixed_dictionaries(
    {"subject": MAYBE_TEXT, "relation": st.sampled_from(["lives_in", "works_at", "likes", "lives in"]) | TEXTS,
     "object": MAYBE_TEXT},
    optional={"valid_from": DATES, "valid_to": DATES, "recorded_at": DATES, "object_is_value": JSON,
              "subject_type": MAYBE_TEXT, "source": MAYBE_TEXT, "id": JSON, "extra": JSON},
)


@budget(800)
@given(st.data())
def test_dialogue_jsonl(data: Any) -> None:
    content = jsonl(data, TURN)
    path = scratch("d.jsonl", content)
    reads = list(READERS["dialogue"](path, ReaderOptions()))
    check_reads(reads)
    assert sorted(r.line for r in reads) == sorted(non_blank_lines(content))
    ingest(path, "dialogue", ReaderOptions(), reads)


@budget(800)
@given(st.data())
def test_facts_jsonl(data: Any) -> None:
    content = jsonl(data, FACT)
    path = scratch("f.jsonl", content)
    reads = list(READERS["facts"](path, ReaderOptions()))
    check_reads(reads)
    assert sorted(r.line for r in reads) == sorted(non_blank_lines(content))
    ingest(path, "facts", ReaderOptions(), reads)


CELL = st.one_of(TEXTS, ISO, ODD_DATES, st.sampled_from(["", '"', '""', ",", "\n", "a,b", '"quoted"']))


@budget(800)
@given(st.data())
def test_csv(data: Any) -> None:
    fields = ["subject", "relation", "object", "valid_from", "valid_to", "recorded_at", "object_is_value",
              "who", "where", ""]
    header = data.draw(st.lists(st.sampled_from(fields) | st.text(max_size=6), min_size=0, max_size=6))
    rows = data.draw(st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=6))
    buf = io.StringIO()
    writer = csv.writer(buf)
    if header or data.draw(st.booleans()):
        writer.writerow(header)
    writer.writerows(rows)
    content = buf.getvalue().encode()
    how = data.draw(st.sampled_from([0, 0, 1, 2, 3]))
    if how == 1:
        content = content[: data.draw(st.integers(0, len(content)))]
    elif how == 2:
        content += b"\xff\xfe,\x00\n"
    elif how == 3:
        content = data.draw(st.binary(max_size=80))
    columns = data.draw(st.dictionaries(st.sampled_from(["subject", "object", "relation", "valid_from"]),
                                        st.sampled_from(["who", "where", "nope", ""]), max_size=2))
    options = ReaderOptions(columns=columns, relation=data.draw(st.none() | st.sampled_from(["lives_in", "x y"])))
    path = scratch("f.csv", content)
    reads = list(READERS["csv"](path, options))
    check_reads(reads)
    ingest(path, "csv", options, reads)


@budget(600)
@given(st.data())
def test_text_documents(data: Any) -> None:
    parts: list[str] = []
    if data.draw(st.booleans()):
        parts.append("---")
        for key in data.draw(st.lists(st.sampled_from(["date", "time", "reference_time", "author", "title", "x"]),
                                      max_size=3)):
            parts.append(f"{key}: {data.draw(st.one_of(ISO, ODD_DATES, TEXTS))}")
        if data.draw(st.booleans()):
            parts.append("---")
    parts += data.draw(st.lists(st.one_of(TEXTS, st.sampled_from(["", "# Heading", "## x", "   ", "---"])),
                                max_size=12))
    content = "\n".join(parts).encode("utf-8", errors="surrogatepass")
    if data.draw(st.integers(0, 5)) == 0:
        content = data.draw(st.binary(max_size=100))
    ref = data.draw(st.none() | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                                             timezones=st.just(UTC)))
    options = ReaderOptions(reference_time=ref)
    path = scratch("doc.md", content)
    reads = list(READERS["text"](path, options))
    records, _ = check_reads(reads)
    assert all(isinstance(r.item, EpisodeIn) and r.item.text.strip() for r in records)
    ingest(path, "text", options, reads)


LOCOMO_TIME = st.one_of(
    st.builds(lambda h, m, ap, d, mo, y: f"{h}:{m:02d} {ap} on {d} {mo}, {y}", st.integers(0, 13),
              st.integers(0, 61), st.sampled_from(["am", "pm", "xm"]), st.integers(0, 32),
              st.sampled_from(["May", "January", "Smarch"]), st.integers(0, 10000)),
    ODD_DATES, JSON,
)
LOCOMO_TURN = st.one_of(
    st.fixed_dictionaries({"text": MAYBE_TEXT}, optional={"speaker": MAYBE_TEXT, "dia_id": JSON,
                                                          "blip_caption": MAYBE_TEXT}),
    JSON,
)


@budget(600)
@given(st.data())
def test_locomo(data: Any) -> None:
    conv: dict[str, Any] = {"speaker_a": data.draw(MAYBE_TEXT), "speaker_b": data.draw(MAYBE_TEXT)}
    for n in data.draw(st.lists(st.integers(0, 30), max_size=4, unique=True)):
        conv[f"session_{n}"] = data.draw(st.lists(LOCOMO_TURN, max_size=5) | JSON)
        if data.draw(st.integers(0, 4)):
            conv[f"session_{n}_date_time"] = data.draw(LOCOMO_TIME)
    shape = data.draw(st.integers(0, 4))
    doc: Any = conv if shape == 0 else {"conversation": conv, "sample_id": data.draw(JSON)} if shape == 1 \
        else [conv, data.draw(JSON)] if shape == 2 else data.draw(JSON)
    content = json.dumps(doc).encode()
    if shape == 4 and data.draw(st.booleans()):
        content = data.draw(st.binary(max_size=80))
    path = scratch("conv.json", content)
    reads = list(READERS["locomo"](path, ReaderOptions()))
    check_reads(reads)
    ingest(path, "locomo", ReaderOptions(), reads)


@budget(1000)
@given(st.sampled_from(sorted(READERS)), st.binary(max_size=300))
def test_any_bytes_in_any_format(fmt: str, content: bytes) -> None:
    suffix = {"dialogue": "jsonl", "facts": "jsonl", "csv": "csv", "text": "txt", "locomo": "json"}[fmt]
    path = scratch(f"raw.{suffix}", content)
    reads = list(READERS[fmt](path, ReaderOptions(reference_time=datetime(2020, 1, 1, tzinfo=UTC))))
    check_reads(reads)
    ingest(path, fmt, ReaderOptions(reference_time=datetime(2020, 1, 1, tzinfo=UTC)), reads)


# -- the extremes, once each --------------------------------------------------------------------
HUGE = 10 * 1024 * 1024


def test_ten_megabyte_lines(tmp_path: Path) -> None:
    good_turn = json.dumps({"text": "hello", "time": "2023-05-08", "speaker": "A"})
    good_fact = json.dumps({"subject": "A", "relation": "lives_in", "object": "Rome", "valid_from": "2020"})
    cases = {
        "dialogue": json.dumps({"text": "x" * HUGE, "time": "2023-05-08"}) + "\n" + good_turn + "\n",
        "facts": json.dumps({"subject": "y" * HUGE, "relation": "r", "object": "o"}) + "\n" + good_fact + "\n",
        "csv": "subject,relation,object\n" + "z" * HUGE + ",lives_in,Rome\nA,lives_in,Oslo\n",
    }
    for fmt, text in cases.items():
        path = tmp_path / f"huge.{'csv' if fmt == 'csv' else 'jsonl'}"
        path.write_text(text)
        reads = list(READERS[fmt](path, ReaderOptions()))
        records, rejects = check_reads(reads)
        assert len(records) == 1 and len(rejects) == 1, (fmt, rejects)
        assert len(rejects[0].raw) < 10_000  # the reject file does not get the 10 MB back
        assert "longer than" in rejects[0].reason or "field" in rejects[0].reason
        ingest(path, fmt, ReaderOptions(), reads)
    doc = tmp_path / "huge.md"
    doc.write_text("---\ndate: 2023-05-08\n---\n" + ("word " * 200 + "\n") * (HUGE // 1000))
    reads = list(READERS["text"](doc, ReaderOptions()))
    records, rejects = check_reads(reads)
    assert not rejects and all(isinstance(r.item, EpisodeIn) and len(r.item.text) <= 1200 + 1001 for r in records)
    single = tmp_path / "one-line.md"
    single.write_text("w" * HUGE)
    reads = list(READERS["text"](single, ReaderOptions(reference_time=datetime(2023, 1, 1, tzinfo=UTC))))
    assert check_reads(reads)[0], "a 10 MB single-line document is stored (as one chunk), not dropped"
    assert MAX_LINE_BYTES < HUGE


def test_deep_nesting_and_empty_files(tmp_path: Path) -> None:
    deep = "[" * 200_000 + "]" * 200_000
    for fmt, suffix in (("dialogue", "jsonl"), ("facts", "jsonl"), ("locomo", "json")):
        path = tmp_path / f"deep.{suffix}"
        path.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n" + deep[:MAX_LINE_BYTES - 10] + "\n")
        if fmt == "locomo":
            path.write_text(deep)
        reads = list(READERS[fmt](path, ReaderOptions()))
        _, rejects = check_reads(reads)
        assert rejects and all("nested too deeply" in r.reason or "JSON" in r.reason for r in rejects)
    for fmt, suffix in (("dialogue", "jsonl"), ("facts", "jsonl"), ("locomo", "json"), ("csv", "csv"),
                        ("text", "md")):
        path = tmp_path / f"empty.{suffix}"
        path.write_bytes(b"")
        reads = list(READERS[fmt](path, ReaderOptions()))
        check_reads(reads)
        ingest(path, fmt, ReaderOptions(), reads)


def test_csv_with_bad_bytes_past_the_first_read(tmp_path: Path) -> None:
    """Found by the mutation fuzzer: undecodable bytes beyond the decoder's first chunk made the CSV reader
    yield the same reject forever. Now the bad row is one reject and the rows after it are read."""
    path = tmp_path / "late.csv"
    path.write_bytes(b"subject,relation,object\n" + b"A,lives_in,Paris\n" * 2000 + b"B\xffob,lives_in,Rome\n"
                     + b"C,lives_in,Oslo\n\xf4")
    records, rejects = check_reads(list(READERS["csv"](path, ReaderOptions())))
    assert len(records) == 2001 and [r.line for r in rejects] == [2002, 2004]
    assert all("UTF-8" in r.reason for r in rejects)
