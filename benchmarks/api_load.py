"""GraphQL API latency: p50/p95 of the example operations against a store of >= 100k facts.

Builds (once, cached) a SQLite store with synthetic people, places and employers whose facts change over
valid time and arrive over transaction time, plus the Alice story of DESIGN.md §2; starts `tkgmem`'s
ASGI app under uvicorn in a subprocess on 127.0.0.1; then runs a bounded loop of sequential requests per
operation (every read example in api/examples, with its variables) and reports p50/p95/max.

    python benchmarks/api_load.py                       # build if needed, measure, print a table
    python benchmarks/api_load.py --requests 100 --write  # also record the table in BENCHMARKS.md

Not a test: nothing here asserts timings.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from tkgmem.model import Entity

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "api" / "examples"
TENANT = "bench"
SECTION = "## GraphQL API latency (benchmarks/api_load.py)"


def _entity(name: str, type_: str) -> Entity:
    from tkgmem.model import Entity, stable_id

    eid = Entity.make_id(TENANT, name, type_)
    return Entity(version_id=stable_id("v", eid, "1"), lineage_id=eid, tenant=TENANT, name=name, type=type_,
                  recorded_at=datetime(2015, 1, 1, tzinfo=UTC))


def build_people(db: Path, lo: int, hi: int, seed: int = 7) -> None:
    """People lo..hi-1: each moves 3 times, changes employer twice, has 5 likes (10 facts each)."""
    from tkgmem.model import Batch, FactInput
    from tkgmem.store.sqlite import SQLiteStore
    from tkgmem.temporal import Granularity, Interval

    rng = random.Random(seed + lo)
    store = SQLiteStore(f"sqlite:///{db}")
    cities = [_entity(f"City {i}", "place") for i in range(400)]
    orgs = [_entity(f"Company {i}", "organization") for i in range(300)]
    if lo == 0:
        store.write(Batch(tenant=TENANT, entities=cities + orgs), recorded_at=datetime(2015, 1, 1, tzinfo=UTC))
    hobbies = [f"hobby {i}" for i in range(200)]
    started = time.perf_counter()
    chunk = 500
    for start in range(lo, hi, chunk):
        persons = [_entity(f"Person {i}", "person") for i in range(start, min(hi, start + chunk))]
        facts: list[FactInput] = []
        for p in persons:
            t = datetime(2010 + rng.randrange(8), 1 + rng.randrange(12), 1, tzinfo=UTC)
            for _ in range(3):
                end = t + timedelta(days=200 + rng.randrange(900))
                facts.append(FactInput(subject_id=p.lineage_id, relation="lives_in",
                                       object_id=rng.choice(cities).lineage_id,
                                       valid=Interval.between(t, end, Granularity.MONTH)))
                t = end
            t = datetime(2012 + rng.randrange(6), 1 + rng.randrange(12), 1, tzinfo=UTC)
            for _ in range(2):
                end = t + timedelta(days=300 + rng.randrange(1200))
                facts.append(FactInput(subject_id=p.lineage_id, relation="works_at",
                                       object_id=rng.choice(orgs).lineage_id, valid=Interval.between(t, end)))
                t = end
            for h in rng.sample(hobbies, 5):
                facts.append(FactInput(subject_id=p.lineage_id, relation="likes", object_value=h,
                                       valid=Interval.since(datetime(2015 + rng.randrange(8), 1, 1, tzinfo=UTC))))
        at = datetime(2016, 1, 1, tzinfo=UTC) + timedelta(days=start // chunk * 30)
        store.write(Batch(tenant=TENANT, entities=persons, facts=facts), recorded_at=at)
        print(f"\r  built {min(hi, start + chunk)}/{hi} people ({time.perf_counter() - started:.0f} s)",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    store.close()


def build_story(db: Path) -> None:
    """DESIGN.md §2's Alice, so the examples' questions have their answers in the big store too."""
    from tkgmem.ingest.items import FactRecordIn
    from tkgmem.memory import Memory
    from tkgmem.settings import Settings

    story = [("Paris", "2019-01", None, "2019-03-01"), ("Berlin", "2022-02", None, "2023-02-01"),
             ("Munich", "2021-05", "2022-02", "2024-03-01"), ("London", "2024-04", None, "2024-04-10")]
    records = [FactRecordIn(subject="Alice", subject_type="person", relation="lives_in", object=c,
                            object_type="place", valid_from=f, valid_to=e, recorded_at=r) for c, f, e, r in story]
    records += [FactRecordIn(subject="Alice", subject_type="person", relation="likes", object=f"hobby {i}",
                             object_is_value=True, valid_from="2020", recorded_at="2024-05-01") for i in range(25)]
    memory = Memory.open(f"sqlite:///{db}", tenant=TENANT, settings=Settings(embeddings=False))
    memory.ingest_facts(records, record_time="reference")
    memory.close()


def serve(db: Path, keys: Path, port: int) -> None:
    import uvicorn

    from tkgmem.graphql.app import create_app
    from tkgmem.graphql.keys import KeyStore
    from tkgmem.memory import Memory

    memory = Memory.open(f"sqlite:///{db}", tenant=TENANT)
    uvicorn.run(create_app(memory, KeyStore(keys), freeze_gc=True), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def operations() -> dict[str, tuple[str, dict[str, object]]]:
    ops = {}
    for path in sorted(EXAMPLES.glob("*.graphql")):
        text = path.read_text()
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")).lstrip()
        if body.startswith("mutation"):
            continue
        variables_file = path.with_suffix(".json")
        variables = json.loads(variables_file.read_text()) if variables_file.exists() else {}
        ops[path.stem] = (text, variables)
    ops["entity_facts_person"] = ('query($n: String!) { entity(name: $n) { facts(first: 20) { totalCount '
                                  'nodes { relation objectName valid { text } } } } }', {"n": "Person 4242"})
    return ops


def measure(url: str, token: str, n: int, budget: float, warmup: int = 3,
            only: list[str] | None = None) -> list[dict[str, object]]:
    """Sequential requests per operation: `n` measured after `warmup`, or fewer when `budget` seconds run out.
    `only` names the operations to run (all by default)."""
    rows = []
    ops = operations()
    with httpx.Client(base_url=url, timeout=300, headers={"Authorization": f"Bearer {token}"}) as client:
        for name, (query, variables) in ops.items():
            if only and name not in only:
                continue
            times: list[float] = []
            started = time.perf_counter()
            for i in range(warmup + n):
                if times and time.perf_counter() - started > budget:
                    break
                t = time.perf_counter()
                r = client.post("/graphql", json={"query": query, "variables": variables})
                elapsed = (time.perf_counter() - t) * 1000
                body = r.json()
                if r.status_code != 200 or body.get("errors"):
                    raise SystemExit(f"{name} failed: {r.status_code} {body.get('errors')}")
                if i >= warmup:
                    times.append(elapsed)
            times.sort()
            rows.append({"operation": name, "n": len(times), "p50_ms": statistics.median(times),
                         "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], "max_ms": times[-1],
                         "bytes": len(r.content)})
    return rows


def planner_statistics(db: Path) -> str:
    """Which indexes of `versions` have SQLite planner statistics (`sqlite_stat1`). An index without them
    (one added by a migration after the store's last ANALYZE) makes SQLite mis-plan reads at a pinned asOf,
    which every API page has: a scan of every version instead of an index range (~70 ms a request at 100k
    facts). The store's migrations refresh them (`tkgmem/store/sqlite_schema.py`); this says what was measured."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        indexes = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'versions' ORDER BY name")]
        has_stat1 = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
        analysed = {r[0] for r in conn.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'versions'")} \
            if has_stat1 else set()
    missing = [i for i in indexes if i not in analysed]
    if not missing:
        return f"all {len(indexes)} indexes of `versions` analysed"
    if len(missing) == len(indexes):
        return "none (no ANALYZE yet)"
    return f"missing for {', '.join(missing)} (SQLite may mis-plan: see `planner_statistics`)"


def _load() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError):
        return float("nan")


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| operation | requests | p50 ms | p95 ms | max ms | response bytes |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['operation']} | {r['n']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['max_ms']:.1f} "
                     f"| {r['bytes']} |")
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if SECTION in current:  # replace only our own section, up to the next level-2 heading
        head, _, rest = current.partition(SECTION)
        nxt = rest.find("\n## ")
        current = head.rstrip() + "\n" + (rest[nxt:] if nxt >= 0 else "")
    path.write_text(current.rstrip() + "\n\n" + text.strip() + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path("/tmp/tkgmem-bench/api_load.db"))
    ap.add_argument("--people", type=int, default=10_000, help="10 facts each (default: 100k facts)")
    ap.add_argument("--min-facts", type=int, default=100_000, help="top the store up to this many current facts")
    ap.add_argument("--requests", type=int, default=50, help="measured requests per operation")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per operation at most (then fewer requests)")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--analyze", action="store_true",
                    help="run SQLite ANALYZE first (the store analyses itself only when `versions` has doubled)")
    ap.add_argument("--ops", help="comma-separated operations to run (default: all); e.g. events,timeline")
    ap.add_argument("--write", action="store_true", help="record the table in BENCHMARKS.md")
    ap.add_argument("--serve", nargs=3, metavar=("DB", "KEYS", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), Path(args.serve[1]), int(args.serve[2]))
        return

    only = [o.strip() for o in args.ops.split(",") if o.strip()] if args.ops else None
    unknown = sorted(set(only or ()) - set(operations()))
    if unknown:
        raise SystemExit(f"unknown operation(s) {', '.join(unknown)}; known: {', '.join(operations())}")

    from tkgmem.graphql.keys import KeyStore
    from tkgmem.store.sqlite import SQLiteStore

    if args.rebuild and args.db.exists():
        for p in args.db.parent.glob(args.db.name + "*"):
            p.unlink()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if not args.db.exists():
        print(f"building {args.db} ({args.people} people) ...", file=sys.stderr)
        build_people(args.db, 0, args.people)
        build_story(args.db)
    store = SQLiteStore(f"sqlite:///{args.db}")
    stats = store.stats(TENANT)
    store.close()
    if stats.facts < args.min_facts:  # top up with more people (contradictions close some facts)
        have = stats.entities - 700 - 5
        build_people(args.db, have, have + (args.min_facts - stats.facts) // 10 + 50)
        store = SQLiteStore(f"sqlite:///{args.db}")
        stats = store.stats(TENANT)
        store.close()
    if args.analyze:
        with closing(sqlite3.connect(args.db)) as conn:
            conn.execute("ANALYZE")
            conn.commit()
    keys_path = args.db.with_suffix(".keys.db")
    token = KeyStore(keys_path).create(TENANT, "read", label="api_load")[1]
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(args.db), str(keys_path), str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        planner = planner_statistics(args.db)  # as the server plans with (it migrates the store when it opens it)
        if planner.startswith("missing"):
            print(f"warning: planner statistics {planner}", file=sys.stderr)
        rows = measure(url, token, args.requests, args.budget, only=only)
    finally:
        server.terminate()
        server.wait(timeout=20)
    text = (f"{SECTION}\n\nStore: SQLite, tenant `{TENANT}` with {stats.facts:,} current facts "
            f"({stats.versions:,} versions, {stats.entities:,} entities). One uvicorn worker on 127.0.0.1, "
            f"sequential requests (up to {args.requests} measured per operation after 3 warm-up, at most "
            f"{args.budget:.0f} s each), load average {_load():.1f} at the end, "
            f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
            f"{datetime.now(UTC):%Y-%m-%d}.\n"
            f"Planner statistics: {planner}{' (ANALYZE run before measuring)' if args.analyze else ''}.\n"
            f"Command: `python benchmarks/api_load.py --requests {args.requests} --budget {args.budget:.0f}"
            f"{' --analyze' if args.analyze else ''}{f' --ops {args.ops}' if args.ops else ''}"
            f"{' --write' if args.write else ''}`\n\n{table(rows)}\n")
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
