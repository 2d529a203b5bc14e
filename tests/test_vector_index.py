"""The approximate vector index (IVF) and its use by the embedded store above a size threshold: recall against
exact search, appended rows found before any rebuild, erased episodes never returned, exact below the threshold,
deterministic results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tkgmem.model import Batch, Episode
from tkgmem.store.sqlite import SQLiteStore
from tkgmem.store.vector_index import IVFIndex, default_nprobe

T0 = datetime(2024, 1, 1, tzinfo=UTC)
DIM = 32


def clustered(n: int, seed: int, clusters: int = 40) -> np.ndarray:
    """Normalised vectors around fixed random centres (topics shared by the stored texts and the queries, as
    with real sentence embeddings); `seed` draws the points."""
    centres = np.random.default_rng(0).normal(size=(clusters, DIM))
    rng = np.random.default_rng(seed)
    x = centres[rng.integers(0, clusters, n)] + 0.6 * rng.normal(size=(n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top(matrix: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(matrix @ q), kind="stable")[:k]


def test_recall_against_exact_search() -> None:
    data, queries = clustered(20_000, seed=1), clustered(100, seed=2)
    index = IVFIndex.build(data)
    assert 1 < index.nprobe < index.nlist  # it really is approximate: most lists are skipped
    recall = np.mean([len(set(index.search(q, 10)[0].tolist()) & set(exact_top(data, q, 10).tolist())) / 10
                      for q in queries])
    assert recall >= 0.95
    rows, scores = index.search(queries[0], 10)
    assert np.all(np.diff(scores) <= 0)  # best first
    np.testing.assert_allclose(scores, data[rows] @ queries[0], rtol=1e-5)


def test_lists_are_contiguous_and_cover_every_row() -> None:
    data = clustered(5_000, seed=3)
    index = IVFIndex.build(data)
    assert sorted(index.positions.tolist()) == list(range(5_000))
    assert index.offsets[0] == 0 and index.offsets[-1] == 5_000 and np.all(np.diff(index.offsets) >= 0)
    np.testing.assert_array_equal(index.vectors, data[index.positions])


def test_appended_rows_are_searched_as_a_tail_without_rebuild() -> None:
    data = clustered(5_000, seed=4)
    index = IVFIndex.build(data)
    needle = -data[0]  # a direction far from everything near data[0]
    grown = np.vstack([data, needle[None, :], clustered(100, seed=5)])
    assert not index.needs_rebuild(grown.shape[0])
    rows, _ = index.search(needle, 3, grown)
    assert rows[0] == 5_000
    assert index.needs_rebuild(5_000 + 1_001)  # past 20% of the indexed rows


def test_identical_vectors_do_not_break_training() -> None:
    """Templated memories hold many identical texts: fewer distinct rows than lists must still index."""
    base = clustered(30, seed=6)
    data = np.repeat(base, 100, axis=0)
    index = IVFIndex.build(data, nlist=60)
    assert index.nlist <= 30
    rows, scores = index.search(base[7], 5)
    assert np.allclose(scores, 1.0, atol=1e-5) and np.all(data[rows] @ base[7] > 0.9999)



def test_identical_vectors_are_stored_once_and_all_found() -> None:
    """The same text many times (templated records) is one stored row that stands for all its rows."""
    spread = clustered(2_000, seed=9)
    same = clustered(1, seed=10)
    data = np.vstack([spread[:1_000], np.repeat(same, 3_000, axis=0), spread[1_000:]])
    index = IVFIndex.build(data, nlist=32)
    assert index.vectors.shape[0] == 2_001 and index.n_base == 5_000
    assert sorted(index.members.tolist()) == list(range(5_000))
    rows, scores = index.search(same[0], 50)
    assert rows.tolist() == list(range(1_000, 1_050))  # every copy is a hit, lowest rows first among equals
    assert np.allclose(scores, 1.0, atol=1e-5)
    rows, _ = index.search(same[0], 4_000)
    assert set(range(1_000, 4_000)) <= set(rows.tolist())
    for q in (same[0], spread[5], clustered(1, seed=12)[0]):  # probing every list is exact search
        np.testing.assert_array_equal(index.search(q, 60, nprobe=index.nlist)[0], exact_top(data, q, 60))



def test_a_vector_many_rows_share_is_found_with_few_probes() -> None:
    """Training weighs a vector by its rows, so a heavily repeated text draws a centroid near it; trained on
    distinct rows only, 3 of these 16 queries near such vectors missed them (seeded data)."""
    spread = clustered(4_000, seed=21, clusters=400)
    repeated = [clustered(1, seed=100 + j)[0] for j in range(16)]
    data = np.vstack([spread, *[np.repeat(v[None, :], 1_500, axis=0) for v in repeated]])
    index = IVFIndex.build(data, nlist=64, nprobe=2)
    rng = np.random.default_rng(5)
    for j, v in enumerate(repeated):
        q = v + 0.12 * rng.normal(size=DIM)  # a question near the repeated text, not equal to it
        rows, _ = index.search((q / np.linalg.norm(q)).astype(np.float32), 5)
        assert rows.tolist() == list(range(4_000 + 1_500 * j, 4_000 + 1_500 * j + 5))


def test_a_query_near_a_dense_cluster_reads_at_most_its_row_budget() -> None:
    """Near-duplicate texts can make one list far larger than the average. Hand-built index: one list of 5,000
    rows around v and 99 lists of 10; the first (nearest) list is always read, and with 10 probes the budget
    (2 x 5,990 x 10 / 100 = 1,198 rows) stops the probe there instead of reading 9 more lists."""
    rng = np.random.default_rng(15)
    v = clustered(1, seed=16)[0]
    big = v + 1e-3 * rng.normal(size=(5_000, DIM))
    others = clustered(990, seed=17, clusters=99)
    vectors = np.vstack([big / np.linalg.norm(big, axis=1, keepdims=True), others]).astype(np.float32)
    centroids = np.vstack([v[None, :], [others[10 * j] for j in range(99)]]).astype(np.float32)
    n = vectors.shape[0]
    index = IVFIndex(centroids=centroids, offsets=np.array([0, *range(5_000, n + 1, 10)], dtype=np.int64),
                     vectors=vectors, positions=np.arange(n), members=np.arange(n),
                     member_offsets=np.arange(n + 1), nprobe=10)
    rows, _ = index.search(v, n)  # k = everything: one result per row read
    assert sorted(rows.tolist()) == list(range(5_000))
    rows, _ = index.search(others[0], n)  # an ordinary query reads its 10 lists
    assert len(rows) == 100


def test_results_are_deterministic() -> None:
    data, q = clustered(8_000, seed=7), clustered(1, seed=8)[0]
    a, b = IVFIndex.build(data), IVFIndex.build(data)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    np.testing.assert_array_equal(a.search(q, 20)[0], b.search(q, 20)[0])


def test_default_probe_count_grows_with_lists() -> None:
    assert default_nprobe(10) == 8 and default_nprobe(4) == 4 and default_nprobe(2_000) == 125


# -- through the embedded store --------------------------------------------------------------------------


def _batch(tenant: str, vectors: np.ndarray, start: int) -> Batch:
    eps = [Episode(id=f"e{start + i}", tenant=tenant, source="chat", text=f"turn {start + i}",
                   reference_time=T0 + timedelta(seconds=start + i), seq=start + i) for i in range(len(vectors))]
    return Batch(tenant=tenant, episodes=eps, embeddings={e.id: v.tolist() for e, v in zip(eps, vectors, strict=True)})


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[SQLiteStore, np.ndarray]:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'v.db'}", ann_min_rows=2_000)
    data = clustered(3_000, seed=9)
    store.write(_batch("t", data, 0))
    return store, data


def _ids(store: SQLiteStore, q: np.ndarray, k: int = 10, exact: bool = False) -> list[str]:
    return [h.episode_id for h in store.search_vector("t", q.tolist(), k, exact=exact)]


def test_store_uses_the_index_above_its_threshold(loaded: tuple[SQLiteStore, np.ndarray]) -> None:
    store, _ = loaded
    queries = clustered(30, seed=10)
    store.warm("t")
    assert store._vectors._tenants["t"][1].index is not None
    recall = np.mean([len(set(_ids(store, q)) & set(_ids(store, q, exact=True))) / 10 for q in queries])
    assert recall >= 0.95


def test_first_search_does_not_wait_for_the_build(loaded: tuple[SQLiteStore, np.ndarray]) -> None:
    """Without `warm`, the first search answers exactly and starts the build on a background thread."""
    store, data = loaded
    q = clustered(1, seed=14)[0]
    assert _ids(store, q) == [f"e{i}" for i in exact_top(data, q, 10)]
    vectors = store._vectors._tenants["t"][1]
    assert vectors.builder is not None
    vectors.builder.join(timeout=60)
    assert vectors.index is not None and vectors.index.n_base == 3_000


def test_store_searches_exactly_below_its_threshold(tmp_path: Path) -> None:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'v.db'}", ann_min_rows=5_000)
    data = clustered(1_000, seed=11)
    store.write(_batch("t", data, 0))
    q = clustered(1, seed=12)[0]
    assert _ids(store, q) == [f"e{i}" for i in exact_top(data, q, 10)]
    assert store._vectors._tenants["t"][1].index is None


def test_store_finds_rows_written_after_the_build(loaded: tuple[SQLiteStore, np.ndarray]) -> None:
    store, data = loaded
    store.warm("t")
    index = store._vectors._tenants["t"][1].index
    store.write(_batch("t", -data[:1], 3_000))  # e3000 points away from everything near data[0]
    assert _ids(store, -data[0], 1) == ["e3000"]
    assert store._vectors._tenants["t"][1].index is index  # found in the tail, no rebuild


def test_erased_episodes_are_never_returned(loaded: tuple[SQLiteStore, np.ndarray]) -> None:
    store, data = loaded
    store.warm("t")
    before = _ids(store, data[5], 5)
    assert before[0] == "e5"
    store.erase("t", actor="test", reason="privacy request", episode_ids=before[:3])
    after = _ids(store, data[5], 20)  # the erase dropped the index with the vectors: exact until rebuilt
    assert not set(before[:3]) & set(after) and len(after) == 20
    store.warm("t")
    assert store._vectors._tenants["t"][1].index.n_base == 2_997  # type: ignore[union-attr]
    assert not set(before[:3]) & set(_ids(store, data[5], 20))


def test_warm_builds_the_index_before_any_search(tmp_path: Path) -> None:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'v.db'}", ann_min_rows=2_000)
    data = clustered(3_000, seed=13)
    store.write(_batch("t", data, 0))
    store.warm("t")
    index = store._vectors._tenants["t"][1].index
    assert index is not None and index.n_base == 3_000
    assert _ids(store, data[3], 1) == ["e3"]
    assert store._vectors._tenants["t"][1].index is index  # the search used it, no second build
