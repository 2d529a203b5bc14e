"""Recall and latency of the approximate vector index (`tkgmem.store.vector_index`) on real text.

    python -m benchmarks.vector_index [--data ../shared/data] [--work DIR] [--max-texts N] [--probes 4 8 16 ...]

The corpus is every distinct text of three or more words in the benchmark data sets (LoCoMo turns, summaries,
observations and questions; Time-Dialog, TimeQuestions and MultiTQ questions and their annotations), plus
windows of one to three consecutive sentences of each (the way documents are chunked into episodes): 54,706
texts. They are taken in a seeded random order, so `--max-texts N` (the first N) is a random sample. A random
sample of the *questions* among them is held out as queries (they are not indexed), the rest is indexed. Each
text is encoded once with the project's encoder; the vectors are cached in `--work` in chunks, so an
interrupted run resumes where it stopped (encoding all texts takes ~30 min of a 2-core machine).

Measured for the default `nprobe` and a sweep: recall@10 against exact search (a hit counts when its score is
>= the exact 10th score - 1e-6, so equal-score duplicates are not penalised), query latency p50/p95, build time.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from tkgmem.store.vector_index import IVFIndex

HERE = Path(__file__).resolve().parent
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_QUESTION_KEYS = {"question", "Question"}


def corpus(data: Path) -> tuple[list[str], list[str]]:
    """(texts, questions): every distinct text and sentence window, and the subset that are questions."""
    texts: set[str] = set()
    questions: set[str] = set()

    def walk(x: Any, key: str = "") -> None:
        if isinstance(x, str):
            text = x.strip()
            if len(text.split()) >= 3:
                texts.add(text)
                if key in _QUESTION_KEYS:
                    questions.add(text)
        elif isinstance(x, dict):
            for k, v in x.items():
                walk(v, str(k))
        elif isinstance(x, list):
            for v in x:
                walk(v, key)

    for path in sorted(data.glob("**/*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    out = set(texts)
    for text in texts:
        sentences = [s for s in _SENTENCE.split(text) if s]
        for width in (1, 2, 3):
            for i in range(len(sentences) - width + 1):
                chunk = " ".join(sentences[i:i + width])
                if len(chunk.split()) >= 3:
                    out.add(chunk)
    return sorted(out), sorted(questions)


def encoded(texts: list[str], work: Path, log: Any, chunk: int = 2048, limit: int | None = None) -> np.ndarray:
    """Vectors of `texts` (the first `limit`, rounded up to whole chunks), encoded in chunks cached in `work`
    (an interrupted run resumes where it stopped)."""
    work.mkdir(parents=True, exist_ok=True)
    names = work / "real-texts.json"
    if not names.exists() or json.loads(names.read_text(encoding="utf-8")) != texts:
        for old in work.glob("real-*.npy"):
            old.unlink()
        names.write_text(json.dumps(texts), encoding="utf-8")
    from tkgmem.nlp import load_encoder

    encoder = load_encoder()
    started = time.perf_counter()
    parts = []
    for i in range(0, min(len(texts), limit or len(texts)), chunk):
        path = work / f"real-{i // chunk:04d}.npy"
        if not path.exists():
            np.save(path, np.asarray(encoder.encode(texts[i:i + chunk], batch_size=128), dtype=np.float32))
            log(f"  encoded {min(i + chunk, len(texts)):,}/{len(texts):,} ({time.perf_counter() - started:.0f} s)")
        parts.append(np.load(path))
    return np.vstack(parts)


def recall_at(index: IVFIndex, base: np.ndarray, queries: np.ndarray, k: int, nprobe: int) -> dict[str, float]:
    hits, times, exact_times = [], [], []
    for q in queries:
        t = time.perf_counter()
        scores = base @ q
        kth = np.partition(-scores, k - 1)[k - 1]
        exact_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        _, found = index.search(q, k, nprobe=nprobe)
        times.append(time.perf_counter() - t)
        hits.append(float(np.sum(found >= -kth - 1e-6)) / k)
    return {"nprobe": nprobe, "recall": round(statistics.mean(hits), 4),
            "min_recall": round(min(hits), 2), "p50_ms": _ms(times, 0.5), "p95_ms": _ms(times, 0.95),
            "exact_p50_ms": _ms(exact_times, 0.5)}


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=Path("/tmp/tkgmem-vector-index"))
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--max-texts", type=int, help="use only the first N texts of the (shuffled) corpus")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--probes", type=int, nargs="*", default=[2, 4, 8, 16, 32])
    parser.add_argument("--out", type=Path, default=HERE / "vector-index-results.json")
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    texts, questions = corpus(args.data)
    texts = [texts[i] for i in np.random.default_rng(0).permutation(len(texts))]  # any prefix: a random sample
    matrix = encoded(texts, args.work, log, limit=args.max_texts)
    texts = texts[: matrix.shape[0]]
    rng = np.random.default_rng(0)
    present = sorted(set(questions) & set(texts))
    asked = set(rng.choice(np.array(present, dtype=object), size=min(args.queries, len(present)),
                           replace=False).tolist())
    query_rows = np.array([i for i, t in enumerate(texts) if t in asked])
    base = np.delete(matrix, query_rows, axis=0)
    queries = matrix[query_rows]
    log(f"{len(texts):,} distinct texts: {base.shape[0]:,} indexed, {len(queries):,} held-out questions as queries")
    started = time.perf_counter()
    index = IVFIndex.build(base)
    build_s = time.perf_counter() - started
    default = recall_at(index, base, queries, args.k, index.nprobe)
    sweep = [recall_at(index, base, queries, args.k, p) for p in sorted(set(args.probes)) if p <= index.nlist]
    result = {"texts": len(texts), "indexed": int(base.shape[0]), "queries": len(queries), "k": args.k,
              "nlist": index.nlist, "build_s": round(build_s, 2), "default": default, "sweep": sweep}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
