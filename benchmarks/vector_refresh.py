"""Dense search on the embedded store after a write: incremental refresh of the vector matrix vs. a full load.

    python -m benchmarks.vector_refresh --episodes 100000

Writes N episodes with random 384-d embeddings through one connection, searches through another (as a
server process would), and prints the first search (full load), a warm search, and searches right after
small writes (the matrix appends only the new rows), in milliseconds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from tkgmem.model import Batch, Episode
from tkgmem.store.sqlite import SQLiteStore

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _batch(rng: np.random.Generator, prefix: str, n: int) -> Batch:
    eps = [Episode(id=f"{prefix}{i}", tenant="t", source="bench", text=f"turn {prefix}{i}",
                   reference_time=T0 + timedelta(seconds=i)) for i in range(n)]
    vectors = rng.standard_normal((n, 384)).astype(np.float32)
    return Batch(tenant="t", episodes=eps, embeddings={e.id: vectors[i].tolist() for i, e in enumerate(eps)})


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=5, help="small writes, each followed by a search")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'v.db'}"
        writer, reader = SQLiteStore(url), SQLiteStore(url)
        for start in range(0, args.episodes, 5000):
            writer.write(_batch(rng, f"e{start}-", min(5000, args.episodes - start)))
        query = rng.standard_normal(384).tolist()
        def search() -> object:
            return reader.search_vector("t", query, k=10)

        full, warm = _ms(search), _ms(search)
        after = []
        for j in range(args.writes):
            writer.write(_batch(rng, f"w{j}-", 10))
            after.append(_ms(search))
    print(f"episodes={args.episodes} first search (full load) {full:.0f} ms; warm {warm:.0f} ms; "
          f"after a 10-episode write: {', '.join(f'{a:.0f}' for a in after)} ms "
          f"(the first may include growing the matrix's buffer)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
