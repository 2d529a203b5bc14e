"""How the embedded store behaves as memories grow: ingest rate, size, memory, read latency.

    python -m benchmarks.scale --sizes 10000 100000 [1000000] [--work DIR [--reuse]] [--dense] [--update-md]

`--work DIR --reuse` re-measures the reads on stores built by an earlier run (their ingest figures are
saved next to them), e.g. on an idle machine.

For each size, a synthetic but realistic memory is generated: people who talk about their lives in
dialogue turns ("I moved to Lisbon in March 2019"), each turn yielding a fact with provenance; homes
and employers change over time (single-valued relations, so each new value closes the previous one),
hobbies accumulate (multi-valued). Facts are written in time order through `Store.write`, in batches,
with transaction time after valid time, as an ingestion job would.

Measured: ingest throughput (and its curve over the run), store size on disk, peak RSS, and p50/p95
latency of search (hybrid retrieval, lexical + entity + time; no embeddings are stored and no query is
encoded, so the dense signal is not in it, unless `--dense`: see below), as-of fact reads,
timeline, history and `ask`, each next to the raw SQL lookup underneath it in the same run (the
ratio says what the layers above SQLite cost). Results go to `benchmarks/scale-results.json`, the
plots to `benchmarks/scale-*.png`, and with `--update-md` the figures into BENCHMARKS.md.

`--dense` (stores `scale-dense-N.db`, apart from the plain ones): every episode is written with the real
embedding of its text from the project's encoder. The texts are templated, so each distinct text is encoded
once and cached in the work folder (`dense-texts.json` + `dense-vectors.npy`, shared by sizes and runs); the
encoding time is reported apart from the ingest time. Search then runs `HybridRetriever(store, encoder)`, so
the question is encoded and the dense signal runs (through the store's approximate index at or above its
`ann_min_rows`); also reported: the store's dense search alone against brute force, the question's encoding,
the cost of loading the vectors and of `Store.warm` (building the index) and the index's recall@k
against brute force.
`--ingest-only` builds stores without measuring reads (e.g. start the 1M ingest early, measure with `--reuse`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tkgmem.model import Basis, Batch, Entity, Episode, FactInput, FactQuery, Span, stable_id
from tkgmem.retrieve.hybrid import HybridRetriever
from tkgmem.retrieve.query import content_words
from tkgmem.store import open_store
from tkgmem.store.sqlite import SQLiteStore, to_us
from tkgmem.temporal import Interval

HERE = Path(__file__).resolve().parent
TENANT = "scale"
START = datetime(2015, 1, 1, tzinfo=UTC)
SPAN_DAYS = 10 * 365
FACTS_PER_PERSON = 10
CITIES = ["Lisbon", "Berlin", "Paris", "Madrid", "Rome", "Vienna", "Prague", "Dublin", "Oslo", "Porto", "Lyon",
          "Munich", "Seattle", "Boston", "Austin", "Denver", "Toronto", "Osaka", "Seoul", "Sydney"]
HOBBIES = ["pottery", "climbing", "chess", "jazz", "sailing", "running", "painting", "baking", "cycling",
           "photography", "gardening", "knitting", "surfing", "yoga", "birdwatching", "skiing"]
FIRST = ["Ana", "Ben", "Chloe", "Dan", "Eva", "Finn", "Gia", "Hugo", "Iris", "Jon", "Kira", "Leo", "Maya",
         "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wes", "Xena", "Yuri", "Zoe"]
LAST = ["Silva", "Meyer", "Dubois", "Garcia", "Rossi", "Novak", "Kelly", "Berg", "Costa", "Moreau", "Weber",
        "Tanaka", "Kim", "Smith", "Jones", "Brown", "Lee", "Khan", "Olsen", "Ivanova"]


def place_names(n: int) -> list[str]:
    return [f"{CITIES[i % len(CITIES)]}{'' if i < len(CITIES) else f' {i // len(CITIES)}'}" for i in range(n)]


def person_name(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}-{i}"


class Generator:
    """Deterministic synthetic memory: `FACTS_PER_PERSON` facts per person, in batches of people."""

    def __init__(self, n_facts: int, seed: int = 7) -> None:
        self.n_people = max(1, n_facts // FACTS_PER_PERSON)
        self.rng = random.Random(seed)
        self.places = place_names(max(50, self.n_people // 50))
        self.companies = [f"{LAST[i % len(LAST)]} {('Labs', 'Works', 'Group', 'Systems')[i % 4]} {i}"
                          for i in range(max(50, self.n_people // 20))]

    def shared_entities(self, at: datetime) -> list[Entity]:
        out = []
        for name, type_ in [*((p, "place") for p in self.places), *((c, "organization") for c in self.companies),
                            *((h, "activity") for h in HOBBIES)]:
            eid = Entity.make_id(TENANT, name, type_)
            out.append(Entity(version_id=stable_id("v", eid), lineage_id=eid, tenant=TENANT, recorded_at=at,
                              name=name, type=type_))
        return out

    def batches(self, people_per_batch: int) -> Iterator[tuple[Batch, datetime]]:
        for first in range(0, self.n_people, people_per_batch):
            batch = Batch(tenant=TENANT)
            latest = START
            for i in range(first, min(first + people_per_batch, self.n_people)):
                latest = max(latest, self._person(i, batch))
            yield batch, latest + timedelta(days=1)

    def _person(self, i: int, batch: Batch) -> datetime:
        rng = self.rng
        name = person_name(i)
        pid = Entity.make_id(TENANT, name, "person")
        # As extraction does for a speaker, the person's entity cites the turns they speak.
        batch.entities.append(Entity(version_id=stable_id("v", pid), lineage_id=pid, tenant=TENANT,
                                     recorded_at=START, name=name, type="person",
                                     provenance=tuple(Span(episode_id=f"ep-{i}-{n}") for n in range(FACTS_PER_PERSON))))
        days = sorted(rng.sample(range(SPAN_DAYS), FACTS_PER_PERSON))
        kinds = ["lives_in"] * 4 + ["works_at"] * 3 + ["likes"] * 3
        rng.shuffle(kinds)
        when = START
        for seq, (day, relation) in enumerate(zip(days, kinds, strict=True)):
            when = START + timedelta(days=day)
            if relation == "lives_in":
                obj, type_ = rng.choice(self.places), "place"
                text = f"I moved to {obj} in {when:%B %Y}, loving it so far."
            elif relation == "works_at":
                obj, type_ = rng.choice(self.companies), "organization"
                text = f"Started a new job at {obj} this {when:%B}."
            else:
                obj, type_ = rng.choice(HOBBIES), "activity"
                text = f"I've taken up {obj} lately, it's become my thing."
            ep = Episode(id=f"ep-{i}-{seq}", tenant=TENANT, source=f"chat-{i}", session=f"chat-{i}:{seq}",
                         speaker=name, text=text, reference_time=when, seq=seq)
            batch.episodes.append(ep)
            batch.facts.append(FactInput(subject_id=pid, relation=relation,
                                         object_id=Entity.make_id(TENANT, obj, type_),
                                         valid=Interval(start=when), provenance=(Span(episode_id=ep.id),)))
        return when


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(1000 * statistics.median(ordered), 3),
            "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3)}


def _once(fn: Callable[[int], Any], arg: int) -> float:
    t = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t


def disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024, 1)


class TextVectors:
    """Real embeddings of the generator's templated texts, each distinct text encoded once.

    Kept in `work` as `dense-texts.json` (texts, in row order) + `dense-vectors.npy`, shared by all sizes
    and runs: the text space of a smaller size largely overlaps a larger one's."""

    def __init__(self, work: Path, encoder: Any) -> None:
        self.encoder = encoder
        self.texts_path, self.vectors_path = work / "dense-texts.json", work / "dense-vectors.npy"
        self.texts: list[str] = []
        self.buffer = np.zeros((0, 384), dtype=np.float32)  # grows by doubling: rows past len(texts) unused
        if self.texts_path.exists() and self.vectors_path.exists():
            self.texts = json.loads(self.texts_path.read_text(encoding="utf-8"))
            self.buffer = np.load(self.vectors_path)
            self.texts = self.texts[: self.buffer.shape[0]]
        self.index = {t: i for i, t in enumerate(self.texts)}
        self.encode_s = 0.0
        self.encoded = 0

    def vectors(self, texts: list[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self.index))
        if new:
            started = time.perf_counter()
            rows = np.asarray(self.encoder.encode(new, batch_size=256), dtype=np.float32)
            self.encode_s += time.perf_counter() - started
            self.encoded += len(new)
            n = len(self.texts)
            if n + len(new) > self.buffer.shape[0]:
                grown = np.zeros((max(2 * self.buffer.shape[0], n + len(new), 1024), rows.shape[1]), np.float32)
                grown[:n] = self.buffer[:n]
                self.buffer = grown
            self.buffer[n:n + len(new)] = rows
            for t in new:
                self.index[t] = len(self.texts)
                self.texts.append(t)
        return self.buffer[[self.index[t] for t in texts]]

    def matrix(self) -> np.ndarray:
        return self.buffer[: len(self.texts)]

    def save(self) -> None:
        # write-then-rename, so an interrupted run never leaves texts and vectors out of step
        np.save(self.vectors_path.with_suffix(".tmp.npy"), self.matrix())
        self.vectors_path.with_suffix(".tmp.npy").replace(self.vectors_path)
        tmp = self.texts_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.texts), encoding="utf-8")
        tmp.replace(self.texts_path)


def run_size(n_facts: int, work: Path, samples: int, log: Callable[[str], None],
             reuse: bool = False, profile: str | None = None, dense: bool = False,
             ingest_only: bool = False) -> dict[str, Any]:
    name = f"scale-dense-{n_facts}" if dense else f"scale-{n_facts}"
    db = work / f"{name}.db"
    saved = work / f"{name}.ingest.json"
    gen = Generator(n_facts)
    encoder = None
    if dense:
        from tkgmem.nlp import load_encoder

        encoder = load_encoder(process=True)  # as `tkgmem serve` has it (`Settings.encoder_process`)
    if reuse and db.exists() and saved.exists():
        # Re-measure reads on a store built earlier (e.g. on an idle machine): its ingest figures were
        # saved next to it when it was built.
        log(f"  reusing {db} (ingest figures from {saved.name})")
        result: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
        store = open_store(f"sqlite:///{db}")
        assert isinstance(store, SQLiteStore)
    else:
        store, result = ingest(n_facts, db, gen, log, TextVectors(work, encoder) if encoder else None)
        saved.write_text(json.dumps(result) + "\n", encoding="utf-8")
    if ingest_only:
        store.close()
        return result
    result["reads"] = measure_reads(store, gen, samples, encoder)
    if "dense_setup" in result["reads"]:
        result["dense_setup"] = result["reads"].pop("dense_setup")
    if profile:
        log(profile_read(store, gen, profile, samples, encoder=encoder))
    result["reads_load_avg"] = [round(x, 2) for x in os.getloadavg()]
    result["peak_rss_mb"] = max(result.get("ingest_peak_rss_mb", 0.0), peak_rss_mb())
    store.close()
    return result


def ingest(n_facts: int, db: Path, gen: Generator, log: Callable[[str], None],
           vectors: TextVectors | None = None) -> tuple[SQLiteStore, dict[str, Any]]:
    """Writes the synthetic memory of `n_facts` facts into a fresh store at `db`; returns it and its figures.

    With `vectors`, each episode is written with the real embedding of its text (`Batch.embeddings`); the
    time spent encoding texts not cached yet is reported apart (`encode_s`) and left out of `ingest_s`."""
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    store = open_store(f"sqlite:///{db}")
    assert isinstance(store, SQLiteStore)  # the raw-SQL comparisons read its tables directly
    started = time.perf_counter()
    store.write(Batch(tenant=TENANT, entities=gen.shared_entities(START)), recorded_at=START)
    curve: list[tuple[int, float]] = [(0, 0.0)]
    written = 0
    for batch, at in gen.batches(people_per_batch=500):
        if vectors is not None:
            matrix = vectors.vectors([ep.text for ep in batch.episodes])
            batch.embeddings = {ep.id: row.tolist() for ep, row in zip(batch.episodes, matrix, strict=True)}
        store.write(batch, recorded_at=at)
        written += len(batch.facts)
        spent = time.perf_counter() - started - (vectors.encode_s if vectors else 0.0)
        curve.append((written, round(spent, 3)))
        if len(curve) % 20 == 0:
            log(f"  {written:,} facts in {curve[-1][1]:.0f} s"
                + (f" (+{vectors.encode_s:.0f} s encoding {vectors.encoded:,} texts)" if vectors else ""))
            if vectors is not None:  # an interrupted run keeps what it encoded
                vectors.save()
    ingest_s = time.perf_counter() - started - (vectors.encode_s if vectors else 0.0)
    if vectors is not None:
        vectors.save()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result = {
        "facts": written, "people": gen.n_people, "ingest_s": round(ingest_s, 2),
        "ingest_facts_per_s": round(written / ingest_s), "disk_mb": round(disk_size(db) / 2**20, 1),
        "curve": curve, "ingest_peak_rss_mb": peak_rss_mb(), "load_avg": [round(x, 2) for x in os.getloadavg()],
    }
    if vectors is not None:
        distinct = len({ep.text for batch, _ in Generator(n_facts).batches(500) for ep in batch.episodes})
        result.update(dense=True, encode_s=round(vectors.encode_s, 1), texts_encoded=vectors.encoded,
                      distinct_texts=distinct)
    return store, result


def measure_reads(store: SQLiteStore, gen: Generator, samples: int,
                  encoder: Any = None) -> dict[str, dict[str, float]]:
    rng = random.Random(11)
    people = [rng.randrange(gen.n_people) for _ in range(samples)]
    conn = store.conn
    retriever = HybridRetriever(store, encoder)
    ops: dict[str, tuple[Callable[[int], Any], Callable[[int], Any]]] = {}

    def pid(i: int) -> str:
        return Entity.make_id(TENANT, person_name(i), "person")

    def when(i: int) -> datetime:
        return START + timedelta(days=(i * 37) % SPAN_DAYS)

    def question(i: int) -> str:
        return search_question(gen, i, dense=encoder is not None)

    # The raw lookup under search is the store's full-text query on the text the retriever sends it
    # (the question's content words, without the names of the people asked about), worked out before timing;
    # with the dense signal, plus the store's vector search for the question's embedding, encoded before timing.
    stripped = {i: retriever.query_text(TENANT, question(i)) for i in set(people)}
    lexical = {i: " ".join(content_words(stripped[i])) or question(i) for i in set(people)}
    pool = max(retriever.weights.pool, 40)
    out: dict[str, dict[str, float]] = {}
    if encoder is None:
        ops["search"] = (
            lambda i: retriever.search(TENANT, question(i), 10),
            lambda i: store.search_text(TENANT, lexical[i], pool),
        )
    else:
        vectors = {i: encoder.encode([stripped[i]])[0].tolist() for i in set(people)}
        out.update(dense_setup(store, vectors, pool))
        ops["search"] = (
            lambda i: retriever.search(TENANT, question(i), 10),
            lambda i: (store.search_text(TENANT, lexical[i], pool), store.search_vector(TENANT, vectors[i], pool)),
        )
        # the store's dense search alone (index when the tenant is above its threshold) vs brute force
        ops["dense"] = (
            lambda i: store.search_vector(TENANT, vectors[i], pool),
            lambda i: store.search_vector(TENANT, vectors[i], pool, exact=True),
        )
        ops["encode_query"] = (lambda i: encoder.encode([stripped[i]]), lambda i: encoder.encode([stripped[i]]))

    def as_of_raw(i: int) -> Any:
        t = to_us(when(i))
        return conn.execute(
            "SELECT body FROM versions WHERE tenant = ? AND subject_id = ? AND relation = ? AND kind = 'fact' "
            "AND recorded_at <= ? AND (expired_at IS NULL OR expired_at > ?) "
            "AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to > ?)",
            (TENANT, pid(i), "lives_in", t, t, t, t)).fetchall()

    ops["as_of"] = (
        lambda i: store.facts(TENANT, FactQuery(subject_id=pid(i), relation="lives_in"),
                              Basis(valid_at=when(i), as_of=when(i))),
        as_of_raw,
    )
    ops["timeline"] = (
        lambda i: store.timeline(TENANT, pid(i)),
        lambda i: conn.execute(
            "SELECT body FROM versions WHERE tenant = ? AND (subject_id = ? OR object_id = ?) AND expired_at IS NULL",
            (TENANT, pid(i), pid(i))).fetchall(),
    )
    lineages = {i: store.facts(TENANT, FactQuery(subject_id=pid(i), relation="lives_in", valid_overlaps=Interval()))
                for i in set(people)}

    def lineage(i: int) -> str:
        found = lineages[i]
        return found[0].lineage_id if found else ""

    ops["history"] = (
        lambda i: store.history(TENANT, lineage(i)),
        lambda i: conn.execute("SELECT body FROM versions WHERE tenant = ? AND lineage_id = ? ORDER BY recorded_at",
                               (TENANT, lineage(i))).fetchall(),
    )
    try:
        from tkgmem.navigate.ask import ask

        ops["ask"] = (
            lambda i: ask(store, TENANT, ask_question(i), fallback=retriever.as_fallback(TENANT)),
            as_of_raw,
        )
        # a place no entity is named after: resolved by the words of its name, then answered by retrieval
        ops["ask_unknown_name"] = (
            lambda i: ask(store, TENANT, ask_question(i, known=False), fallback=retriever.as_fallback(TENANT)),
            as_of_raw,
        )
    except ImportError:
        pass
    as_served(encoder)  # after the warm-up (`dense_setup`), as `tkgmem serve` freezes after its own
    for name, (op, raw) in ops.items():
        for i in people[:5]:  # warm caches the way a running service would be
            op(i)
            raw(i)
        op_times = [_once(op, i) for i in people]
        raw_times = [_once(raw, i) for i in people]
        a, b = percentiles(op_times), percentiles(raw_times)
        out[name] = {**a, "raw_p50_ms": b["p50_ms"], "raw_p95_ms": b["p95_ms"],
                     "ratio_p50": round(a["p50_ms"] / max(b["p50_ms"], 1e-3), 1)}
    return out


def as_served(encoder: Any) -> None:
    """This process as `tkgmem serve` has it once warm: the question encoder's helper process ready and
    the objects loaded so far frozen out of the garbage collector's sight (`warm_tenants(freeze=True)`)."""
    if encoder is not None:
        encoder.start_helper()
    gc.collect()
    gc.freeze()


def dense_setup(store: SQLiteStore, vectors: dict[int, list[float]], pool: int) -> dict[str, dict[str, float]]:
    """Cost of loading the tenant's vectors from SQLite and of `Store.warm` (building the index when the
    tenant is above the store's threshold), and the index's recall against brute force on the benchmark's query vectors.

    Templated texts give exactly equal vectors, so a returned hit counts as correct when its score is >= the
    exact k-th score - 1e-6 (any of the equal-score rows is as good as the one brute force happened to keep)."""
    started = time.perf_counter()
    _, matrix = store._matrix(TENANT)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    store.warm(TENANT)  # what the API server does at startup: builds the index at or above ann_min_rows
    build_s = time.perf_counter() - started
    recall: dict[int, list[float]] = {10: [], pool: []}
    for vector in list({tuple(v): v for v in vectors.values()}.values())[:50]:  # brute force: ~1 s each at 1M
        exact = store.search_vector(TENANT, vector, pool, exact=True)  # its first k are the exact top k
        for k in recall:
            found = store.search_vector(TENANT, vector, k)
            kth = exact[:k][-1].score if exact else 0.0
            recall[k].append(sum(h.score >= kth - 1e-6 for h in found) / max(1, len(exact[:k])))
    approximate = matrix.shape[0] >= store.ann_min_rows
    return {"dense_setup": {
        "vectors": int(matrix.shape[0]), "approximate": approximate, "load_s": round(load_s, 2),
        "index_build_s": round(build_s, 2), "queries": len(recall[10]),
        "recall_at_10": round(statistics.mean(recall[10]), 4),
        f"recall_at_{pool}": round(statistics.mean(recall[pool]), 4), "min_recall_at_10": round(min(recall[10]), 2)}}


UNKNOWN_PLACES = ("Atlantis", "El Dorado", "Shangri-La", "Avalon", "Lemuria")


def ask_question(i: int, known: bool = True) -> str:
    """The `ask` question for sample `i`: a navigator plan over the person's facts, or one naming a place that
    is in no memory."""
    if known:
        return f"Where did {person_name(i)} live in 2019?"
    return f"Did {person_name(i)} visit {UNKNOWN_PLACES[i % len(UNKNOWN_PLACES)]}?"


def search_question(gen: Generator, i: int, dense: bool) -> str:
    """The `search` question for sample `i`. With the dense signal on, the questions vary in wording and topic:
    one question (its embedding without the person's name is the same for every person) would time and check
    one dense query only."""
    if not dense:
        return f"Where did {person_name(i)} move to?"
    when = START + timedelta(days=(i * 37) % SPAN_DAYS)
    return [f"Where did {person_name(i)} move to?", f"Who moved to {gen.places[i % len(gen.places)]} in "
            f"{when:%B %Y}?", f"Who started working at {gen.companies[i % len(gen.companies)]}?",
            f"Who has taken up {HOBBIES[i % len(HOBBIES)]}?"][i % 4]


def profile_read(store: SQLiteStore, gen: Generator, op: str, samples: int, top: int = 25,
                 encoder: Any = None) -> str:
    """cProfile of `samples` calls of one read (`search` or `ask`), cumulative-time order: where the time goes."""
    import cProfile
    import io
    import pstats

    rng = random.Random(11)
    people = [rng.randrange(gen.n_people) for _ in range(samples)]
    retriever = HybridRetriever(store, encoder)
    as_served(encoder)
    if op == "ask":
        from tkgmem.navigate.ask import ask

        def call(i: int) -> Any:
            return ask(store, TENANT, ask_question(i), fallback=retriever.as_fallback(TENANT))
    else:
        def call(i: int) -> Any:  # the questions `measure_reads` times
            return retriever.search(TENANT, search_question(gen, i, dense=encoder is not None), 10)
    for i in people[:5]:
        call(i)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in people:
        call(i)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def plot(results: list[dict[str, Any]], stem: str = "scale") -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, (ax, rate_ax) = plt.subplots(1, 2, figsize=(11, 4))
    for r in results:
        xs, ys = zip(*r["curve"], strict=True)
        ax.plot(xs, ys, label=f"{r['facts']:,} facts")
        # Rate over windows of ~10 batches: flat = constant rate (the shared CPU adds noise).
        step = max(1, (len(xs) - 1) // 20)
        points = [(xs[j], (xs[j + step] - xs[j]) / max(ys[j + step] - ys[j], 1e-9))
                  for j in range(1, len(xs) - step, step)]
        if points:
            rate_ax.plot(*zip(*points, strict=True), marker=".", label=f"{r['facts']:,} facts")
    ax.set_xlabel("facts written")
    ax.set_ylabel("seconds since start")
    ax.set_title("Ingest of structured facts (linear = constant rate)")
    ax.legend()
    rate_ax.set_xlabel("facts already in the store")
    rate_ax.set_ylabel("facts/s")
    rate_ax.set_title("Ingest rate as the store grows")
    rate_ax.set_ylim(bottom=0)
    rate_ax.legend()
    fig.tight_layout()
    paths.append(HERE / f"{stem}-ingest.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    sizes = [r["facts"] for r in results]
    for op in results[0]["reads"]:
        ax.plot(sizes, [r["reads"][op]["p95_ms"] for r in results], marker="o", label=op)
    ax.axhline(50, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("facts in the store")
    ax.set_ylabel("p95 latency (ms)")
    ax.set_title("Read latency vs memory size (dashed: 50 ms)")
    ax.legend()
    fig.tight_layout()
    paths.append(HERE / f"{stem}-latency.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)
    return paths


def markdown(results: list[dict[str, Any]], command: str, stem: str = "scale") -> str:
    title = "Scale with the dense signal" if stem != "scale" else "Scale"
    lines = [
        f"## {title} (embedded store)",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores; "
        "other jobs may have shared the CPUs during the run.",
        "",
        "Load average (1/5/15 min) when the ingest ended and when the reads ended: the machine's 2 cores were "
        "shared, so these figures are upper bounds of what an idle machine gives.",
        "",
        "| facts | people | ingest s | facts/s | disk MB | peak RSS MB | load (ingest) | load (reads) |",
        "|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        loads = ["/".join(str(x) for x in r.get(key, [])) or "?" for key in ("load_avg", "reads_load_avg")]
        lines.append(f"| {r['facts']:,} | {r['people']:,} | {r['ingest_s']} | {r['ingest_facts_per_s']:,} | "
                     f"{r['disk_mb']} | {r['peak_rss_mb']} | {loads[0]} | {loads[1]} |")
    lines += ["", "Read latency (ms): p50 / p95 of the tkgmem call, p50 of the raw SQL lookup underneath it, "
              "and the p50 ratio.", "",
              "| facts | op | p50 | p95 | raw p50 | raw p95 | ratio |", "|---:|---|---:|---:|---:|---:|---:|"]
    for r in results:
        for op, m in r["reads"].items():
            lines.append(f"| {r['facts']:,} | {op} | {m['p50_ms']} | {m['p95_ms']} | {m['raw_p50_ms']} | "
                         f"{m['raw_p95_ms']} | {m['ratio_p50']} |")
    dense = [r for r in results if "dense_setup" in r]
    if dense:
        lines += ["", "Dense signal (`--dense`): every episode carries the real MiniLM embedding of its text (each "
                  "distinct text encoded once; encoding time is not in the ingest figures) and `search` encodes the "
                  "question and runs `HybridRetriever(store, encoder)`; its raw lookup is the store's `search_text` "
                  "+ `search_vector` for the pre-encoded question. `dense` is `search_vector` alone (raw: exact "
                  "brute force); `encode_query` is the question's encoding. Load: the tenant's vectors read from "
                  "SQLite; index build: `Store.warm` (the API server runs it at startup), which builds the "
                  "approximate index when the tenant has >= `ann_min_rows` vectors, and locks the database file "
                  "in RAM (`TKGMEM_PIN_STORE`, ~2 s of it at 1M). Recall@k of the store's "
                  "search against brute force on the "
                  "benchmark's distinct query vectors (a hit counts when its score >= the exact k-th score - 1e-6: "
                  "templated texts give equal vectors).", "",
                  "| facts | distinct texts | encode s | approximate | load s | index build s | queries | "
                  "recall@10 | min recall@10 | recall@pool |", "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
        for r in dense:
            d = r["dense_setup"]
            pool_key = next((key for key in d if key.startswith("recall_at_") and key != "recall_at_10"), "")
            lines.append(f"| {r['facts']:,} | {r.get('distinct_texts', '?'):,} | {r.get('encode_s', '?')} | "
                         f"{'yes' if d['approximate'] else 'no (exact)'} | {d['load_s']} | "
                         f"{d.get('index_build_s', '-')} | "
                         f"{d['queries']} | {d['recall_at_10']} | {d['min_recall_at_10']} | {d.get(pool_key, '?')} |")
    lines += ["", f"![ingest](benchmarks/{stem}-ingest.png) ![latency](benchmarks/{stem}-latency.png)", ""]
    return "\n".join(lines)


def update_markdown(section: str, path: Path, stem: str = "scale") -> None:
    begin, end = f"<!-- {stem}:begin -->", f"<!-- {stem}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{section}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--samples", type=int, default=200, help="reads timed per operation")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    parser.add_argument("--out", type=Path, help="results JSON (default: benchmarks/scale-results.json, with "
                        "--dense benchmarks/scale-dense-results.json)")
    parser.add_argument("--update-md", action="store_true", help="write the figures into BENCHMARKS.md")
    parser.add_argument("--reuse", action="store_true",
                        help="skip ingest for a size whose store and saved ingest figures exist in --work")
    parser.add_argument("--dense", action="store_true",
                        help="episodes carry real embeddings and search encodes the question (dense signal on)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the results of other sizes already in --out (sizes measured in separate runs)")
    parser.add_argument("--ingest-only", action="store_true", help="build the stores, measure no reads")
    parser.add_argument("--profile", choices=["search", "ask"],
                        help="also print a cProfile of this read (--samples calls) for each size, to stderr")
    args = parser.parse_args(argv)
    stem = "scale-dense" if args.dense else "scale"  # results, plots and section apart from the plain run
    args.out = args.out or HERE / f"{stem}-results.json"

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results: list[dict[str, Any]] = []
    earlier = json.loads(args.out.read_text(encoding="utf-8")) if args.merge and args.out.exists() else []
    with tempfile.TemporaryDirectory(prefix="tkgmem-scale-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            log(f"size {n:,}")
            results.append(run_size(n, work, args.samples, log, args.reuse, args.profile, args.dense,
                                    args.ingest_only))
            r = results[-1]
            if args.ingest_only:
                log(f"  {r['facts']:,} facts: {r['ingest_facts_per_s']:,} facts/s, {r['disk_mb']} MB")
                continue
            log(f"  {r['facts']:,} facts: {r['ingest_facts_per_s']:,} facts/s, {r['disk_mb']} MB, "
                + ", ".join(f"{op} p95 {m['p95_ms']} ms" for op, m in r["reads"].items()))
            merged = sorted([r for r in earlier if r["facts"] not in {x["facts"] for x in results}] + results,
                            key=lambda r: r["facts"])
            args.out.write_text(json.dumps(merged, indent=1) + "\n", encoding="utf-8")
    if earlier:
        results = sorted([r for r in earlier if r["facts"] not in {x["facts"] for x in results}] + results,
                         key=lambda r: r["facts"])
    if args.ingest_only:
        return 0
    plot(results, stem)
    command = "python -m benchmarks.scale " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.update_md:
        update_markdown(markdown(results, command, stem), HERE.parent / "BENCHMARKS.md", stem)
    print(json.dumps([{k: v for k, v in r.items() if k != "curve"} for r in results]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
