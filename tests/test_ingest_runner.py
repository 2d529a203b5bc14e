"""Ingestion jobs end to end into a real SQLite store: counts, rejects file, idempotency, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tkgmem.ingest.items import FactRecordIn
from tkgmem.memory import Memory
from tkgmem.model import FactQuery
from tkgmem.settings import Settings
from tkgmem.temporal import Basis


@pytest.fixture
def mem(tmp_path: Path) -> Memory:
    return Memory.open(f"sqlite:///{tmp_path / 'm.db'}", settings=Settings(embeddings=False, batch_size=3))


def facts_file(tmp_path: Path) -> Path:
    rows = [
        {"subject": "Alice", "relation": "lives_in", "object": "Paris", "valid_from": "2019"},
        {"subject": "Alice", "relation": "works_at", "object": "Acme", "valid_from": "2019-05"},
        "garbage line",
        {"subject": "Alice", "relation": "lives in", "object": "Rome", "valid_from": "2021-03"},
        {"subject": "Bob", "relation": "lives_in", "object": "Paris"},
    ]
    path = tmp_path / "facts.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_facts_ingest_rejects_and_idempotency(mem: Memory, tmp_path: Path) -> None:
    path = facts_file(tmp_path)
    rejects = tmp_path / "rejects.jsonl"
    report = mem.ingest([path], rejects=rejects)
    assert report.read == 5 and report.rejected == 1 and report.facts_added == 4
    bad = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert bad[0]["line"] == 3 and bad[0]["raw"] == "garbage line" and bad[0]["source"] == str(path)
    before = mem.stats()
    assert (before.episodes, before.facts) == (4, 4)
    again = mem.ingest([path], rejects=tmp_path / "r2.jsonl")
    assert again.skipped_duplicates == 4 and again.facts_added == 0
    assert mem.stats() == before
    alice = mem.require_entity("alice")
    # the synonym "lives in" is the canonical lives_in, so Rome closed Paris
    now = [f.object_id for f in mem.facts(FactQuery(subject_id=alice.lineage_id, relation="lives_in"))]
    assert now == [mem.require_entity("Rome").lineage_id]
    bob_paris = mem.facts(FactQuery(subject_id=mem.require_entity("Bob").lineage_id))
    assert bob_paris[0].object_id == mem.require_entity("Paris").lineage_id


def test_job_resumes_after_checkpoint(mem: Memory, tmp_path: Path) -> None:
    path = facts_file(tmp_path)
    job = mem._job(job_id="j1", progress=False)
    key = str(path.resolve())
    mem.store.save_checkpoint(mem.tenant, "j1", {"files": {key: 2}, "status": "running"})
    report = job.run_files([path])
    assert report.read == 3  # lines 3, 4, 5 only
    state = mem.store.load_checkpoint(mem.tenant, "j1")
    assert state is not None and state["status"] == "done" and state["files"] == {key: 5}  # type: ignore[comparison-overlap]


def test_ingest_facts_api_with_replay_time(mem: Memory) -> None:
    records = [
        FactRecordIn(subject="Alice", relation="lives_in", object="Paris", valid_from="2019",
                     recorded_at="2019-02-01T00:00:00Z"),
        FactRecordIn(subject="Alice", relation="lives_in", object="Rome", valid_from="2021",
                     recorded_at="2021-02-01T00:00:00Z"),
    ]
    mem.ingest_facts(records, record_time="reference")
    alice = mem.require_entity("Alice")
    then = mem.facts(FactQuery(subject_id=alice.lineage_id), Basis(valid_at="2022-01-01", as_of="2020-01-01"))
    assert [mem.store.entity(mem.tenant, f.object_id).name for f in then] == ["Paris"]  # type: ignore[union-attr,arg-type]


@pytest.mark.models
def test_dialogue_ingest_with_a_malformed_line(mem: Memory, tmp_path: Path) -> None:
    turns = [
        {"session": "s1", "speaker": "Alice", "text": "I went to the support group yesterday.",
         "time": "2023-05-08T13:56"},
        {"session": "s1", "speaker": "Bob", "text": "How was it?", "time": "2023-05-08T13:57"},
        {"session": "s1", "speaker": "Alice", "text": "broken", "time": "not a time"},
        {"session": "s1", "speaker": "Alice", "text": "It was great, Melanie came too.", "time": "2023-05-08T13:58"},
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in turns))
    report = mem.ingest([path], rejects=tmp_path / "rej.jsonl")
    assert report.episodes_added == 3 and report.rejected == 1 and report.rejects[0].line == 3
    s = mem.stats()
    assert s.episodes == 3 and s.entities >= 2
    mem.ingest([path], rejects=tmp_path / "rej2.jsonl")
    assert mem.stats() == s


@pytest.mark.models
def test_locomo_conversation_ingest(mem: Memory, locomo_dir: Path, tmp_path: Path) -> None:
    report = mem.ingest([locomo_dir / "30.json"], rejects=tmp_path / "r.jsonl")
    assert report.rejected == 0 and report.episodes_added == 369
    s = mem.stats()
    mem.ingest([locomo_dir / "30.json"], rejects=tmp_path / "r.jsonl")
    assert mem.stats() == s
