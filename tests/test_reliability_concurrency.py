"""Readers and writers in separate processes against one embedded store, for a bounded time.

Two writer processes ingest fact records (some on shared subjects, so single-valued relations expire
each other's versions) while reader processes run as-of reads, full-text search, timelines and stats.
Checked: no process sees an error; an as-of read repeated later returns exactly the same versions (no
torn or shifting reads of the past); readers keep completing reads while the writers write (not blocked);
afterwards nothing written is missing and the file passes the integrity check. Reader latencies are
printed, not asserted. `TKGMEM_CONCURRENCY_SECONDS` sets the duration (default 60).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tkgmem.ingest.items import FactRecordIn
from tkgmem.memory import Memory
from tkgmem.model import FactQuery
from tkgmem.settings import Settings
from tkgmem.temporal import Basis

SECONDS = float(os.environ.get("TKGMEM_CONCURRENCY_SECONDS", "60"))
TENANT = "conc"
CITIES = ["Paris", "Rome", "Berlin", "Oslo", "Lima", "Cairo", "Seoul", "Quito"]
SETTLE = timedelta(seconds=5)  # as-of reads of the last few seconds may still see commits in flight


def _memory(url: str) -> Memory:
    return Memory.open(url, tenant=TENANT, settings=Settings(embeddings=False, batch_size=50))


def _records(tag: str, n: int, rng: random.Random) -> list[FactRecordIn]:
    out = []
    for i in range(n):
        subject = f"Shared{rng.randrange(10)}" if rng.random() < 0.3 else f"{tag}-P{rng.randrange(200)}"
        out.append(FactRecordIn(subject=subject, relation=rng.choice(["lives_in", "works_at", "knows"]),
                                object=rng.choice(CITIES),
                                valid_from=f"{rng.randint(1990, 2024)}-{rng.randint(1, 12):02d}",
                                source=f"{tag}-{i}"))
    return out


def writer(url: str, name: str, until: float, out: Any) -> None:
    rng = random.Random(name)
    batches = records = 0
    errors: list[str] = []
    mem = _memory(url)
    try:
        while time.time() < until:
            batch = _records(f"{name}-b{batches}", rng.randint(5, 40), rng)
            try:
                mem.ingest_facts(batch)
                batches += 1
                records += len(batch)
            except Exception:
                errors.append(traceback.format_exc())
                break
    finally:
        mem.close()
    out.put({"role": "writer", "name": name, "batches": batches, "records": records, "errors": errors})


def reader(url: str, name: str, until: float, fixed_as_of: str, out: Any) -> None:
    rng = random.Random(name)
    mem = _memory(url)
    store = mem.store
    fixed = Basis(as_of=fixed_as_of, valid_at="2020-06-01")
    seen: dict[str, list[str]] = {}  # as-of time -> version ids first read there
    latencies: list[float] = []
    worst: dict[str, float] = {}
    counts = {"asof": 0, "repeat": 0, "search": 0, "timeline": 0, "stats": 0}
    errors: list[str] = []
    torn: list[str] = []
    baseline = [f.version_id for f in store.facts(TENANT, FactQuery(limit=None), fixed)]
    try:
        while time.time() < until:
            op = rng.choice(["asof", "asof", "repeat", "search", "timeline", "stats"])
            t0 = time.perf_counter()
            try:
                if op == "asof":
                    got = [f.version_id for f in store.facts(TENANT, FactQuery(limit=None), fixed)]
                    if got != baseline:
                        torn.append(f"as-of {fixed_as_of} changed: {len(baseline)} -> {len(got)} versions")
                    past = (datetime.now(UTC) - SETTLE).replace(microsecond=0).isoformat()
                    if past not in seen and len(seen) < 200:
                        seen[past] = [f.version_id for f in store.facts(
                            TENANT, FactQuery(relation="lives_in", limit=None),
                            Basis(as_of=past, valid_at="2020-06-01"))]
                elif op == "repeat" and seen:
                    past = rng.choice(list(seen))
                    again = [f.version_id for f in store.facts(
                        TENANT, FactQuery(relation="lives_in", limit=None), Basis(as_of=past, valid_at="2020-06-01"))]
                    if again != seen[past]:
                        torn.append(f"as-of {past} changed on repeat: {len(seen[past])} -> {len(again)}")
                elif op == "search":
                    store.search_text(TENANT, rng.choice([*CITIES, "lives_in", "Shared3"]), 20)
                elif op == "timeline":
                    found = store.find_entities(TENANT, f"Shared{rng.randrange(10)}")
                    if found:
                        store.timeline(TENANT, found[0].lineage_id)
                else:
                    store.stats(TENANT)
            except Exception:
                errors.append(traceback.format_exc())
                break
            latencies.append(time.perf_counter() - t0)
            worst[op] = max(worst.get(op, 0.0), 1000 * latencies[-1])
            counts[op] += 1
    finally:
        mem.close()
    latencies.sort()
    out.put({"role": "reader", "name": name, "counts": counts, "errors": errors, "torn": torn,
             "reads": len(latencies), "worst_ms": worst, "max_ms": 1000 * latencies[-1] if latencies else 0.0,
             "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
             "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else 0.0})


@pytest.mark.slow
@pytest.mark.timeout(int(SECONDS) + 300)
def test_readers_and_writers_in_parallel(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    mem = _memory(url)
    initial = _records("seed", 1500, random.Random(1))
    mem.ingest_facts(initial)
    seeded = mem.stats().episodes
    time.sleep(1.1)
    fixed_as_of = datetime.now(UTC).isoformat()
    time.sleep(1.1)
    mem.close()

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start = time.time() + 8  # processes import tkgmem first
    until = start + SECONDS
    procs = [ctx.Process(target=writer, args=(url, f"w{i}", until, out)) for i in range(2)]
    procs += [ctx.Process(target=reader, args=(url, f"r{i}", until, fixed_as_of, out)) for i in range(3)]
    for p in procs:
        p.start()
    results = [out.get(timeout=SECONDS + 240) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    elapsed = time.time() - start

    writers = [r for r in results if r["role"] == "writer"]
    readers = [r for r in results if r["role"] == "reader"]
    for r in results:
        assert r["errors"] == [], r["errors"][0]
    for r in readers:
        assert r["torn"] == [], r["torn"][:3]
    written = sum(w["records"] for w in writers)
    reads = sum(r["reads"] for r in readers)
    by_op = ", ".join(f"{k}={sum(r['counts'][k] for r in readers)}" for k in readers[0]["counts"])
    print(f"\nconcurrency: {elapsed:.0f}s, {len(writers)} writers committed {sum(w['batches'] for w in writers)} "
          f"batches / {written} records; {len(readers)} readers did {reads} reads ({by_op}); "
          f"reader latency p50 {max(r['p50_ms'] for r in readers):.1f} ms, "
          f"p99 {max(r['p99_ms'] for r in readers):.1f} ms, max {max(r['max_ms'] for r in readers):.0f} ms; max by op "
          + ", ".join(f"{k} {max(r['worst_ms'].get(k, 0.0) for r in readers):.0f} ms" for k in readers[0]["counts"]))
    assert all(w["batches"] >= 5 for w in writers), writers
    assert all(r["reads"] >= 50 and r["counts"]["repeat"] >= 5 for r in readers), readers

    check = _memory(url)
    try:
        assert check.stats().episodes == seeded + written  # every record of every committed batch is there
        assert check.store.integrity_check() == "ok"  # type: ignore[attr-defined]
    finally:
        check.close()
