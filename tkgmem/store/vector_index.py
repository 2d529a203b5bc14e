"""Approximate nearest-neighbour search (inner product) over normalised vectors: an inverted-file (IVF) index.

Brute force scores every vector: ~550 ms per query at 1M x 384 float32 on two cores, past the 50 ms budget of a
search. An IVF index clusters the vectors (spherical k-means on a sample) and scores only the clusters whose
centroids are nearest the query: one small centroid matmul, then `nprobe` matmuls over contiguous slices.

Layout: the vectors are copied once, sorted by cluster, with `offsets` delimiting each cluster, so a probe reads
one contiguous block (no fancy-index gather of big blocks at query time). `positions` maps a sorted row back to
its row in the caller's matrix. Rows appended after the build (the caller's matrix grows, see `sqlite_vectors`)
are not in the index: `search` scores them exactly as a "tail", and the owner rebuilds once the tail passes
`REBUILD_FRACTION` of the indexed rows (`needs_rebuild`).

Sizes (defaults; recall and latency measured in BENCHMARKS.md "Approximate dense search"):
- `nlist = sqrt(n)`: pgvector's rule for IVF lists above 1M rows (faiss suggests 4-16 sqrt(n) for its C++
  build). Here the build is numpy and costs ~n * nlist * d (k-means, then assigning every row), so the low
  end keeps the one-off build of 1M vectors to about a minute; the query cost does not depend on it (below).
- `nprobe = max(MIN_PROBE, nlist * PROBE_FRACTION)`: a query reads about n * PROBE_FRACTION rows whatever
  nlist is, and recall depends mainly on that fraction. Brute force is bound by memory bandwidth, so the
  fraction is the latency budget: 1/16 keeps a 1M search to a few tens of ms. Its price, on real MiniLM
  embeddings of varied text (13k dialogue turns and questions): recall@10 against exact search 0.91 (0.95
  at twice the rows read), recall@200 0.74. The floor keeps small indexes from probing too few.
Everything is deterministic: the sample and the initial centroids come from a seeded generator, and ties in
score are broken by row position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

REBUILD_FRACTION = 0.2  # tail scanned exactly; past 20% of the indexed rows its cost nears a probe's, so rebuild
PROBE_FRACTION = 1 / 16
ROW_BUDGET = 2.0  # a query reads at most this times the average rows of its probes (see `search`)
MIN_PROBE = 8
NLIST_FACTOR = 1.0
TRAIN_ITERATIONS = 8
TRAIN_PER_LIST = 40  # k-means needs tens of points per centroid to place it well (faiss warns below 39)
MAX_TRAIN = 100_000
_CHUNK = 16_384  # rows assigned per matmul: bounds the (chunk x nlist) score block to ~64 MB at nlist 1,000


def default_nlist(n: int) -> int:
    return max(1, min(n, round(NLIST_FACTOR * math.sqrt(n))))


def default_nprobe(nlist: int) -> int:
    return min(nlist, max(MIN_PROBE, math.ceil(nlist * PROBE_FRACTION)))


@dataclass(frozen=True)
class IVFIndex:
    """Immutable once built, so readers on several threads can share it without a lock."""

    centroids: np.ndarray  # (nlist, d), normalised
    offsets: np.ndarray  # (nlist + 1,): list l is rows offsets[l]:offsets[l+1] of `vectors`
    vectors: np.ndarray  # (distinct rows, d), sorted by list
    positions: np.ndarray  # per sorted row: the first row of the caller's matrix holding that vector
    members: np.ndarray  # every row of the caller's matrix that was indexed, grouped by sorted row, ascending
    member_offsets: np.ndarray  # (distinct rows + 1,): sorted row j holds members[member_offsets[j]:...[j+1]]
    nprobe: int

    @property
    def n_base(self) -> int:
        """Rows of the caller's matrix that were indexed (duplicates included)."""
        return int(self.members.shape[0])

    @property
    def nlist(self) -> int:
        return int(self.centroids.shape[0])

    @classmethod
    def build(cls, matrix: np.ndarray, *, nlist: int | None = None, nprobe: int | None = None,
              seed: int = 0, iterations: int = TRAIN_ITERATIONS) -> IVFIndex:
        """Index the rows of `matrix` (normalised float32). Cost: one sort to find identical rows, k-means on a
        sample of up to `MAX_TRAIN` distinct rows, one pass assigning every distinct row to its nearest
        centroid, one sorted copy of the distinct rows.

        Identical vectors (the same text said many times, templated records) are stored once: k-means cannot
        split them, so kept apart they made one list of 300,000 rows at 1M templated episodes, and every query
        near it read it all (50 ms, against 10 for the average query)."""
        n = matrix.shape[0]
        if n == 0:
            raise ValueError("cannot build an index over no vectors")
        matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        keys = matrix.view(np.dtype((np.void, matrix.dtype.itemsize * matrix.shape[1]))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        distinct = matrix[first]
        m = distinct.shape[0]
        rng = np.random.default_rng(seed)
        # Trained on all rows, duplicates included: a vector held by many rows must draw centroids near it, or
        # its list's centroid sits among other vectors and queries near it miss it (measured: recall@10 of
        # such queries fell to 0 when training on distinct rows only).
        wanted = nlist or default_nlist(n)
        size = min(n, max(TRAIN_PER_LIST * wanted, 20_000), MAX_TRAIN)
        sample = matrix[np.sort(rng.choice(n, size=size, replace=False))] if size < n else matrix
        centroids = _kmeans(sample, wanted, iterations, rng)
        assign = np.concatenate([_nearest(distinct[i:i + _CHUNK], centroids) for i in range(0, m, _CHUNK)])
        order = np.argsort(assign, kind="stable")  # sorted row j is distinct row order[j]
        offsets = np.concatenate([[0], np.cumsum(np.bincount(assign, minlength=centroids.shape[0]))]).astype(np.int64)
        # The rows of each distinct vector, ascending (a stable sort of their distinct ids), regrouped in
        # sorted-row order.
        by_distinct = np.argsort(inverse.ravel(), kind="stable").astype(np.int64)
        counts = np.bincount(inverse.ravel(), minlength=m)
        starts = np.concatenate([[0], np.cumsum(counts)])[:-1]
        lengths = counts[order]
        member_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        members = by_distinct[_ranges(starts[order], lengths)]
        return cls(centroids=centroids, offsets=offsets, vectors=distinct[order],
                   positions=members[member_offsets[:-1]], members=members, member_offsets=member_offsets,
                   nprobe=nprobe or default_nprobe(centroids.shape[0]))

    def needs_rebuild(self, n: int) -> bool:
        """True when the caller's matrix (append-only) has grown too far past what was indexed. A caller holding
        an older, shorter snapshot keeps using the index: its rows are a prefix of what was indexed."""
        return n - self.n_base > REBUILD_FRACTION * self.n_base

    def search(self, query: np.ndarray, k: int, matrix: np.ndarray | None = None,
               nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Positions (rows of the caller's matrix) and scores of the best `k`, best first. `matrix`, when
        given, is the caller's whole current matrix: its rows past `n_base` (the tail) are scored exactly."""
        q = np.asarray(query, dtype=np.float32)
        probe = min(self.nlist, nprobe or self.nprobe)
        near = self.centroids @ q
        lists = np.argpartition(-near, probe - 1)[:probe] if probe < self.nlist else np.arange(self.nlist)
        lists = lists[np.argsort(-near[lists], kind="stable")]
        # Lists are as large as the clusters of the data: near-duplicate texts make a few huge ones, and a
        # query near them read 5x the average (55 ms, not 10, at 1M). So nearest lists first, and no more
        # once the rows read reach ROW_BUDGET times the average for this many probes (always one list).
        sizes = self.offsets[lists + 1] - self.offsets[lists]
        budget = ROW_BUDGET * self.vectors.shape[0] * probe / self.nlist
        lists = lists[: max(1, int(np.count_nonzero(np.cumsum(sizes) - sizes < budget)))]
        found = [self._expand(*self._scan(np.sort(lists), q, k), k)]
        if matrix is not None and matrix.shape[0] > self.n_base:
            tail = matrix[self.n_base:]
            found.append((np.arange(self.n_base, self.n_base + tail.shape[0], dtype=np.int64), tail @ q))
        all_rows = np.concatenate([r for r, _ in found])
        all_scores = np.concatenate([sc for _, sc in found])
        keep = top_k(all_scores, k)
        all_scores, all_rows = all_scores[keep], all_rows[keep]
        order = np.lexsort((all_rows, -all_scores))
        return all_rows[order], all_scores[order]

    def _scan(self, lists: np.ndarray, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The best `k` sorted rows of `lists` (each stands for one or more rows of the caller's matrix)."""
        rows = [np.arange(a, b, dtype=np.int64) for a, b in _runs(lists, self.offsets)]
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = np.concatenate([self.vectors[r[0]:r[-1] + 1] @ q for r in rows])
        sorted_rows = np.concatenate(rows)
        keep = top_k(scores, k)
        return sorted_rows[keep], scores[keep]

    def _expand(self, sorted_rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The caller's rows behind the best sorted rows, best first, lowest row first among equals, up to `k`."""
        order = np.lexsort((self.positions[sorted_rows], -scores))
        sorted_rows, scores = sorted_rows[order], scores[order]
        lengths = self.member_offsets[sorted_rows + 1] - self.member_offsets[sorted_rows]
        take = int(np.searchsorted(np.cumsum(lengths), k)) + 1  # sorted rows needed to fill k
        sorted_rows, scores, lengths = sorted_rows[:take], scores[:take], lengths[:take]
        at = _ranges(self.member_offsets[sorted_rows], lengths)
        return self.members[at][:k], np.repeat(scores, lengths)[:k]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` largest `scores`, in no particular order (all of them when there are fewer)."""
    if scores.shape[0] <= k:
        return np.arange(scores.shape[0])
    return np.argpartition(-scores, k - 1)[:k] if k > 0 else np.zeros(0, dtype=np.int64)


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero)."""
    return matrix / np.maximum(np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None], 1e-12)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices starts[0] .. starts[0]+lengths[0]-1, then those of the next range, and so on."""
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]) if len(ends) else 0)


def _runs(lists: np.ndarray, offsets: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of the sorted lists, adjacent lists merged into one slice (fewer, larger matmuls)."""
    out: list[tuple[int, int]] = []
    for lst in lists.tolist():
        start, end = int(offsets[lst]), int(offsets[lst + 1])
        if start == end:
            continue
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _nearest(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.argmax(rows @ centroids.T, axis=1).astype(np.int64)


def _kmeans(sample: np.ndarray, nlist: int, iterations: int, rng: np.random.Generator) -> np.ndarray:
    """Spherical k-means (centroids renormalised: the index ranks by inner product).

    Initial centroids are distinct sample rows: stored memories hold many identical texts, and two identical
    centroids would leave one list empty forever. An emptied list keeps its previous centroid."""
    _, first = np.unique(sample, axis=0, return_index=True)
    distinct = np.sort(first)
    nlist = min(nlist, distinct.shape[0])
    centroids = sample[np.sort(rng.choice(distinct, size=nlist, replace=False))].copy()
    for _ in range(iterations):
        assign = np.concatenate([_nearest(sample[i:i + _CHUNK], centroids) for i in range(0, sample.shape[0], _CHUNK)])
        order = np.argsort(assign, kind="stable")
        used, starts = np.unique(assign[order], return_index=True)
        sums = np.zeros_like(centroids)
        sums[used] = np.add.reduceat(sample[order], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        filled = norms[:, 0] > 0
        centroids[filled] = sums[filled] / norms[filled]
    return centroids
