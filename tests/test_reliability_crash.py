"""Ingestion jobs survive crashes: SIGKILL `tkgmem ingest` at random points, rerun until done, and the
store must equal one built without interruption (same counts, same content per lineage, no duplicates,
integrity check clean), with the same rejects file.

The slow test runs the real CLI in subprocesses. The fast tests inject a crash at the exact places a kill
is most likely to do harm (after a batch is committed but before its checkpoint; in the middle of a
rejects line), in-process.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tkgmem.cli.jobs import jobs as jobs_command
from tkgmem.memory import Memory
from tkgmem.settings import Settings
from tkgmem.store.sqlite import SQLiteStore

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TENANT = "crash"
JOB = "crash-job"
PEOPLE = [f"Person{i:03d}" for i in range(150)]
CITIES = ["Paris", "Rome", "Berlin", "Oslo", "Lima", "Cairo", "Seoul", "Quito", "Accra", "Porto"]
ORGS = [f"Org{i:02d}" for i in range(40)]


# -- inputs --------------------------------------------------------------------------------------
def write_facts(path: Path, n: int, seed: int) -> int:
    """Structured facts with replay times grouped by day (a few out of order) and ~2% bad lines."""
    rng = random.Random(seed)
    day = datetime(2015, 1, 1, tzinfo=UTC)
    lines: list[bytes] = []
    for i in range(n):
        if i % 20 == 0:
            day += timedelta(days=rng.randint(1, 5))
        recorded = day - timedelta(days=400) if rng.random() < 0.02 else day  # late-arriving records
        roll = rng.random()
        if roll < 0.02:
            lines.append(rng.choice([b"not json at all", b'{"subject": "X"', b"[1, 2]", b"\xff\xfe bad bytes",
                                     b'{"subject": "A", "relation": "lives_in", "object": "B", "valid_from": '
                                     b'"2020", "valid_to": "2019"}', b'{"subject": "", "relation": "r"}']))
            continue
        relation = rng.choice(["lives_in", "works_at", "knows", "likes"])
        obj = {"lives_in": CITIES, "works_at": ORGS, "knows": PEOPLE, "likes": ["tea", "jazz", "chess"]}[relation]
        record: dict[str, Any] = {
            "subject": rng.choice(PEOPLE), "relation": relation, "object": rng.choice(obj),
            "valid_from": f"{rng.randint(2000, 2014)}-{rng.randint(1, 12):02d}",
            "recorded_at": recorded.isoformat(),
        }
        if relation == "likes":
            record["object_is_value"] = True
        if rng.random() < 0.1:
            record["valid_to"] = f"{rng.randint(2016, 2020)}"
        lines.append(json.dumps(record).encode())
        if rng.random() < 0.01:
            lines.append(lines[-1])  # an exact duplicate record
    path.write_bytes(b"\n".join(lines) + b"\n")
    return len(lines)


def write_dialogue(path: Path, sessions: int, seed: int) -> int:
    """Dialogue JSONL: sessions of 10 turns at one time each, two speakers, a few bad lines."""
    rng = random.Random(seed)
    lines: list[str] = []
    when = datetime(2023, 1, 2, 10, tzinfo=UTC)
    for s in range(sessions):
        when += timedelta(days=rng.randint(1, 9))
        a, b = rng.sample(PEOPLE[:20], 2)
        for t in range(10):
            speaker = a if t % 2 == 0 else b
            text = (f"I moved to {rng.choice(CITIES)} last month and started at {rng.choice(ORGS)}."
                    if rng.random() < 0.5 else f"Did you see {rng.choice(PEOPLE[:20])} in {rng.choice(CITIES)}?")
            lines.append(json.dumps({"session": f"s{s}", "speaker": speaker, "text": text,
                                     "time": when.isoformat()}))
        if rng.random() < 0.2:
            lines.append(json.dumps({"session": f"s{s}", "speaker": a, "text": "   ", "time": when.isoformat()}))
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def locomo_turns(path: Path) -> int:
    conv = json.loads(path.read_text())
    conv = conv.get("conversation", conv)
    return sum(len(v) for k, v in conv.items() if k.startswith("session_") and isinstance(v, list))


# -- running the CLI -----------------------------------------------------------------------------
def ingest_cmd(db: Path, rejects: Path, inputs: list[Path]) -> list[str]:
    return [sys.executable, "-c", "from tkgmem.cli.main import main; main()", "ingest", *map(str, inputs),
            "--store", f"sqlite:///{db}", "--tenant", TENANT, "--job-id", JOB, "--rejects", str(rejects),
            "--record-time", "reference", "--batch-size", "16", "--no-embeddings"]


def env() -> dict[str, str]:
    return {**os.environ, "TKGMEM_EMBEDDINGS": "false", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def progress(db: Path) -> tuple[int, str | None]:
    """Lines committed by the job so far (all files) and its status, read from its checkpoint."""
    if not db.exists():
        return 0, None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT state FROM checkpoints WHERE tenant = ? AND job_id = ?",
                               (TENANT, JOB)).fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0, None
    if row is None:
        return 0, None
    state = json.loads(row[0])
    return sum(int(v) for v in state.get("files", {}).values()), state.get("status")


# -- comparing stores ----------------------------------------------------------------------------
def snapshot(db: Path) -> dict[str, Any]:
    """Everything the store holds for the tenant, hashed per lineage; wall-clock columns excluded
    (replay mode makes every recording time come from the input, so none are)."""
    conn = sqlite3.connect(db)
    try:
        q = conn.execute
        lineages: dict[str, list[Any]] = defaultdict(list)
        for row in q("SELECT lineage_id, version_id, kind, valid_from, valid_to, recorded_at, expired_at, body "
                     "FROM versions WHERE tenant = ? ORDER BY version_id", (TENANT,)):
            lineages[row[0]].append(row[1:])
        for row in q("SELECT lineage_id, episode_id, span_start, span_end FROM provenance WHERE tenant = ? "
                     "ORDER BY 1, 2, 3, 4", (TENANT,)):
            lineages[row[0]].append(("prov", *row[1:]))
        hashes = {lid: hashlib.sha256(json.dumps(rows).encode()).hexdigest() for lid, rows in lineages.items()}
        episodes = {r[0]: r[1:] for r in q(
            "SELECT id, kind, source, session, speaker, addressee, text, reference_time, seq, metadata, recorded_at "
            "FROM episodes WHERE tenant = ?", (TENANT,))}
        return {
            "lineages": hashes,
            "episodes": hashlib.sha256(json.dumps(sorted(episodes.items())).encode()).hexdigest(),
            "episode_count": len(episodes),
            "names": sorted(q("SELECT name, entity_id FROM names WHERE tenant = ?", (TENANT,)).fetchall()),
            "participants": sorted(q("SELECT * FROM participants WHERE tenant = ?", (TENANT,)).fetchall()),
            "links": sorted(q("SELECT source_id, target_id, type, recorded_at, episode_id FROM links "
                              "WHERE tenant = ?", (TENANT,)).fetchall()),
        }
    finally:
        conn.close()


def check_clean(db: Path) -> None:
    """Integrity check, full-text index in step with its table, no duplicated current versions or facts."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO episodes_fts (episodes_fts) VALUES ('integrity-check')")  # raises if torn
        fts = conn.execute("SELECT count(*) FROM episodes_fts").fetchone()[0]
        assert fts == conn.execute("SELECT count(*) FROM episodes").fetchone()[0]
        assert conn.execute("SELECT lineage_id FROM versions WHERE expired_at IS NULL GROUP BY tenant, lineage_id "
                            "HAVING count(*) > 1").fetchall() == []
        assert conn.execute(
            "SELECT subject_id FROM versions WHERE kind = 'fact' AND expired_at IS NULL GROUP BY tenant, subject_id, "
            "relation, object_id, json_extract(body, '$.object_value'), valid_from, valid_to HAVING count(*) > 1"
        ).fetchall() == []
        assert conn.execute("SELECT version_id FROM versions WHERE expired_at IS NOT NULL AND expired_at < "
                            "recorded_at").fetchall() == []
    finally:
        conn.close()


def reject_lines(path: Path) -> list[tuple[str, int, str]]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r["source"], r["line"], r["reason"]) for r in rows]


def assert_same_store(ref: Path, got: Path) -> None:
    a, b = snapshot(ref), snapshot(got)
    assert a["episode_count"] == b["episode_count"]
    missing = set(a["lineages"]) - set(b["lineages"])
    extra = set(b["lineages"]) - set(a["lineages"])
    changed = [lid for lid in a["lineages"] if lid in b["lineages"] and a["lineages"][lid] != b["lineages"][lid]]
    assert (sorted(missing), sorted(extra), changed) == ([], [], [])
    assert a == b
    sa, sb = SQLiteStore(f"sqlite:///{ref}"), SQLiteStore(f"sqlite:///{got}")
    try:
        assert sa.stats(TENANT) == sb.stats(TENANT)
        for word in ("Paris", "moved", "Person003"):
            assert sa.search_text(TENANT, word, 20) == sb.search_text(TENANT, word, 20)
    finally:
        sa.close()
        sb.close()


# -- the slow harness ----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_sigkill_many_times_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("TKGMEM_CRASH_SEED", "8")))
    facts = tmp_path / "facts.jsonl"
    dialogue = tmp_path / "dialogue.jsonl"
    units = write_facts(facts, 3000, seed=1) + write_dialogue(dialogue, 15, seed=2)
    inputs = [facts, dialogue]
    locomo = DATA / "locomo" / "26.json"
    if locomo.is_file():
        inputs.append(locomo)
        units += locomo_turns(locomo)
    else:  # no benchmark data: a generated dialogue of LoCoMo size instead
        extra = tmp_path / "dialogue2.jsonl"
        units += write_dialogue(extra, 40, seed=3)
        inputs.append(extra)

    ref_db, ref_rejects = tmp_path / "ref.db", tmp_path / "ref-rejects.jsonl"
    done = subprocess.run(ingest_cmd(ref_db, ref_rejects, inputs), env=env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    db, rejects = tmp_path / "crash.db", tmp_path / "crash-rejects.jsonl"
    # Kill points: most at random amounts of committed progress (then a random delay into the next batch,
    # so kills land in extraction, inside the write transaction, or between commit and checkpoint), some
    # during start-up, before anything is committed.
    n_facts = sum(1 for _ in facts.open("rb"))
    # Most kills land in the facts file (no model to load, so a run costs ~1 s); the dialogue kills each
    # cost a spaCy load on the rerun.
    thresholds = sorted(rng.sample(range(1, n_facts, 40), 32) + rng.sample(range(n_facts, units, 20), 7))
    startup_kills = 4
    kills, runs, delays = 0, 0, []
    started = time.monotonic()
    while True:
        runs += 1
        assert runs < 200, "the job never completes"
        start_units, _ = progress(db)
        proc = subprocess.Popen(ingest_cmd(db, rejects, inputs), env=env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        kill_at: float | None = None
        startup = bool(startup_kills and rng.random() < 0.3)
        if startup:
            startup_kills -= 1
            kill_at = t0 + rng.uniform(0.2, 4.0)
        while proc.poll() is None:
            now = time.monotonic()
            if startup and progress(db)[0] > start_units:
                # A start-up kill lands before the run's first commit is followed by more: on a fast machine
                # its delay would otherwise outlast the whole facts file and leave too little to kill in.
                kill_at = now
            if kill_at is None and thresholds:
                done_units, _ = progress(db)
                # One kill per threshold, once this run has committed something of its own: on a fast
                # machine a run can pass several thresholds at once, and each must still cost a kill.
                if done_units >= thresholds[0] and done_units > start_units:
                    thresholds.pop(0)
                    kill_at = now + rng.uniform(0.0, 0.3)
            if kill_at is not None and now >= kill_at:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                delays.append(now - t0)
                break
            time.sleep(0.01)
        stderr = proc.stderr.read() if proc.stderr else ""
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL, f"ingest failed on its own (rc {proc.returncode}):\n{stderr}"
        # The store must be sound after every kill, not just at the end.
        if kills % 8 == 0:
            conn = sqlite3.connect(db)
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            conn.close()
    elapsed = time.monotonic() - started
    print(f"\ncrash harness: {units} input lines, {kills} SIGKILLs over {runs} runs in {elapsed:.0f}s")
    assert kills >= 30
    assert progress(db) == progress(ref_db)

    check_clean(db)
    assert_same_store(ref_db, db)
    got_rejects, ref_rejects_rows = reject_lines(rejects), reject_lines(ref_rejects)
    assert len(got_rejects) == len(set(got_rejects)), "a reject was written twice"
    assert sorted(got_rejects) == sorted(ref_rejects_rows)

    # `tkgmem jobs` reports the job done, with the same read / rejected counts as the uninterrupted run;
    # records committed just before a kill show up as duplicates on the rerun instead of as ingested.
    def job(dbp: Path) -> dict[str, Any]:
        out = CliRunner().invoke(jobs_command, ["--store", f"sqlite:///{dbp}", "--tenant", TENANT, "--json"])
        assert out.exit_code == 0, out.output
        rows: list[dict[str, Any]] = json.loads(out.output)
        return next(r for r in rows if r["job_id"] == JOB)

    a, b = job(ref_db), job(db)
    assert a["status"] == b["status"] == "done"
    assert (a["read"], a["rejected"]) == (b["read"], b["rejected"])
    assert a["ingested"] + a["duplicates"] == b["ingested"] + b["duplicates"]


# -- fast, deterministic crash injection ----------------------------------------------------------
class Crash(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing on the way up handles it."""


def _facts_memory(db: Path) -> Memory:
    return Memory.open(f"sqlite:///{db}", tenant=TENANT, settings=Settings(embeddings=False, batch_size=7))


@pytest.mark.parametrize("crash_on", [1, 5, 17])
def test_crash_between_commit_and_checkpoint(tmp_path: Path, crash_on: int, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    facts = tmp_path / "facts.jsonl"
    write_facts(facts, 300, seed=crash_on)
    ref = _facts_memory(tmp_path / "ref.db")
    ref.ingest([facts], record_time="reference", rejects=tmp_path / "ref.rej", job_id=JOB)
    ref.close()

    mem = _facts_memory(tmp_path / "got.db")
    original = SQLiteStore.save_checkpoint
    calls = 0

    def crashing(self: SQLiteStore, tenant: str, job_id: str, state: dict[str, object]) -> None:
        nonlocal calls
        calls += 1
        if calls == crash_on:
            raise Crash  # the batch is committed, its checkpoint is not
        original(self, tenant, job_id, state)

    monkeypatch.setattr(SQLiteStore, "save_checkpoint", crashing)
    with pytest.raises(Crash):
        mem.ingest([facts], record_time="reference", rejects=tmp_path / "got.rej", job_id=JOB)
    monkeypatch.setattr(SQLiteStore, "save_checkpoint", original)
    report = mem.ingest([facts], record_time="reference", rejects=tmp_path / "got.rej", job_id=JOB)
    mem.close()
    assert report.skipped_duplicates >= 1 or crash_on == 1
    check_clean(tmp_path / "got.db")
    assert_same_store(tmp_path / "ref.db", tmp_path / "got.db")
    assert sorted(reject_lines(tmp_path / "got.rej")) == sorted(reject_lines(tmp_path / "ref.rej"))


def test_torn_rejects_line_is_repaired_on_resume(tmp_path: Path) -> None:
    facts = tmp_path / "facts.jsonl"
    facts.write_text('{"subject": "A", "relation": "lives_in", "object": "Rome", "valid_from": "2020"}\n'
                     "garbage\n"
                     '{"subject": "B", "relation": "lives_in", "object": "Oslo", "valid_from": "2021"}\n'
                     "more garbage\n")
    rejects = tmp_path / "rejects.jsonl"
    mem = _facts_memory(tmp_path / "m.db")
    key = str(facts.resolve())
    # A crashed run: it committed line 1, wrote the reject of line 2 whole and that of line 4 half.
    mem.store.save_checkpoint(TENANT, JOB, {"files": {key: 1}, "status": "running"})
    rejects.write_text(json.dumps({"source": str(facts), "line": 2, "reason": "invalid JSON: Expecting value at "
                                   "column 1", "raw": "garbage"}) + '\n{"source": "x", "li')
    report = mem.ingest([facts], rejects=rejects, job_id=JOB)
    mem.close()
    rows = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [r["line"] for r in rows] == [2, 4]
    assert report.rejected == 2 and report.read == 3  # lines 2-4 read on resume (the checkpoint had none)


def test_resumed_dialogue_keeps_addressees(tmp_path: Path) -> None:
    """The dialogue reader tracks who spoke last; a resumed job must see the lines before the resume point."""
    from tkgmem.ingest.formats import ReaderOptions, read_file
    from tkgmem.ingest.formats.base import Record

    path = tmp_path / "d.jsonl"
    write_dialogue(path, 3, seed=5)
    full = [r for r in read_file(path, "dialogue", ReaderOptions()) if isinstance(r, Record)]
    for start in (1, 7, 12):
        tail = [r for r in read_file(path, "dialogue", ReaderOptions(start_line=start)) if isinstance(r, Record)]
        assert tail == [r for r in full if r.line > start]


def test_jobs_command_lists_running_and_done_jobs(tmp_path: Path) -> None:
    facts = tmp_path / "facts.jsonl"
    write_facts(facts, 60, seed=9)
    db = tmp_path / "m.db"
    mem = _facts_memory(db)
    report = mem.ingest([facts], record_time="reference", rejects=tmp_path / "r.jsonl", job_id="nightly")
    mem.store.save_checkpoint(TENANT, "crashed", {"status": "running", "files": {"x": 3}, "counts": {"read": 3}})
    mem.close()
    url = f"sqlite:///{db}"
    out = CliRunner().invoke(jobs_command, ["--store", url, "--tenant", TENANT, "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["job_id"]: r for r in json.loads(out.output)}
    assert rows["nightly"]["status"] == "done" and rows["crashed"]["status"] == "running"
    assert (rows["nightly"]["read"], rows["nightly"]["rejected"], rows["nightly"]["ingested"]) == (
        report.read, report.rejected, report.episodes_added)
    text = CliRunner().invoke(jobs_command, ["--store", url, "--tenant", TENANT, "--status", "running"]).output
    assert "crashed" in text and "nightly" not in text
    other = CliRunner().invoke(jobs_command, ["--store", url, "--tenant", "someone-else"]).output
    assert "(no jobs)" in other


def test_rerun_of_a_finished_job_writes_no_reject_twice(tmp_path: Path) -> None:
    """A job killed after saving "done" but before exiting is rerun from the start: its rejects are
    already in the file and must stay there once."""
    facts = tmp_path / "facts.jsonl"
    write_facts(facts, 200, seed=4)
    with facts.open("a") as fh:
        fh.write("garbage\n[1]\n")
    rejects = tmp_path / "r.jsonl"
    mem = _facts_memory(tmp_path / "m.db")
    first = mem.ingest([facts], record_time="reference", rejects=rejects, job_id=JOB)
    again = mem.ingest([facts], record_time="reference", rejects=rejects, job_id=JOB)
    mem.close()
    rows = reject_lines(rejects)
    assert first.rejected == again.rejected == len(rows) > 0
    assert len(set(rows)) == len(rows)
