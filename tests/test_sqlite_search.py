"""The embedded store's bounded-cost reads: full-text search (frequent terms score but do not select) and
limited fact reads (two index scans that stop at the limit, same rows and order as the unlimited read)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tkgmem.model import Basis, Batch, Episode, FactInput, FactQuery
from tkgmem.store.sqlite import SQLiteStore
from tkgmem.store.sqlite_fts import or_query, varints
from tkgmem.temporal import Interval

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _episodes(tenant: str, texts: list[str], prefix: str) -> list[Episode]:
    return [Episode(id=f"{prefix}{i}", tenant=tenant, source="chat", text=t, reference_time=T0 + timedelta(minutes=i),
                    seq=i) for i, t in enumerate(texts)]


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(f"sqlite:///{tmp_path / 'm.db'}")
    s.frequent_docs = 5  # a small threshold, so a few dozen episodes make "moved" frequent
    return s


def _ids(store: SQLiteStore, tenant: str, text: str, k: int = 10) -> list[str]:
    return [h.episode_id for h in store.search_text(tenant, text, k)]


def test_rare_term_selects_and_frequent_terms_rank(store: SQLiteStore) -> None:
    common = [f"I moved house again in year {i}" for i in range(30)] + [f"chat about cats {i}" for i in range(60)]
    mine = ["I moved to Zanzibar last spring", "Zanzibar has great food", "we talked about the weather"]
    store.write(Batch(tenant="a", episodes=_episodes("a", common + mine, "a")))
    store.write(Batch(tenant="b", episodes=_episodes("b", ["I moved to Zanzibar too"], "b")))
    found = _ids(store, "a", "moved Zanzibar")
    # Every episode with the rare word is a candidate, and the frequent one ranks them ("moved" puts a90
    # first); episodes with only the frequent word come from the tenant's 5 latest ones, never older.
    assert found[:2] == ["a90", "a91"]
    assert set(found[2:]) == {f"a{i}" for i in range(25, 30)}
    assert "b0" not in found


def test_all_frequent_terms_return_the_tenants_most_recent_matches(store: SQLiteStore) -> None:
    store.write(Batch(tenant="a", episodes=_episodes("a", [f"moved again, time {i}" for i in range(20)], "a")))
    # Another tenant's later episodes must neither leak nor crowd out this tenant's.
    store.write(Batch(tenant="b", episodes=_episodes("b", [f"moved again, time {i}" for i in range(50)], "b")))
    found = _ids(store, "a", "moved again", 3)
    assert len(found) == 3
    assert set(found) <= {f"a{i}" for i in range(15, 20)}  # among the `frequent_docs` (5) latest of tenant a



def test_a_small_k_scores_fewer_recent_matches_of_frequent_terms(store: SQLiteStore) -> None:
    store.frequent_docs = 400
    # The older turns are short, so BM25 prefers them whenever they are among the candidates.
    texts = [f"moved, time {i}" if i < 400 else f"moved again and again and again, time {i}" for i in range(500)]
    store.write(Batch(tenant="a", episodes=_episodes("a", texts, "a")))
    few = _ids(store, "a", "moved", 3)
    many = _ids(store, "a", "moved", 30)
    assert len(few) == 3 and len(many) == 30
    assert set(few) <= {f"a{i}" for i in range(400, 500)}  # a 3-hit search scores only the 100 latest
    assert set(many) <= {f"a{i}" for i in range(100, 400)}  # 30 hits: the 400 (frequent_docs) latest, short first


def test_without_frequent_terms_ranking_is_plain_bm25(tmp_path: Path) -> None:
    texts = [f"pottery class number {i}" for i in range(8)] + ["pottery pottery with Ana", "Ana likes chess"]
    small = SQLiteStore(f"sqlite:///{tmp_path / 'small.db'}")  # default threshold: nothing is frequent here
    small.write(Batch(tenant="a", episodes=_episodes("a", texts, "a")))
    rows = small.conn.execute(
        "SELECT e.id FROM episodes_fts JOIN episodes e ON e.rowid = episodes_fts.rowid WHERE episodes_fts MATCH ? "
        "ORDER BY bm25(episodes_fts) LIMIT 5", ('"pottery" OR "Ana"',)).fetchall()
    assert _ids(small, "a", "pottery Ana", 5) == [r[0] for r in rows]


@pytest.mark.parametrize("window", [None, Interval(start=T0 + timedelta(days=40), end=T0 + timedelta(days=60))])
def test_limited_fact_reads_are_the_head_of_the_full_read(store: SQLiteStore, window: Interval | None) -> None:
    facts = [FactInput(subject_id=f"p{i}", relation="likes", object_value=f"v{i}",
                       valid=Interval(start=None if i % 4 == 0 else T0 + timedelta(days=i))) for i in range(60)]
    store.write(Batch(tenant="a", facts=facts), recorded_at=T0 + timedelta(days=100))
    basis = Basis(valid_at=T0 + timedelta(days=50))
    full = [f.lineage_id for f in store.facts("a", FactQuery(valid_overlaps=window), basis)]
    assert len(full) > 20 and any(f.valid.start is None for f in store.facts("a", FactQuery(), basis))
    for limit in (0, 3, 15, 20, len(full) + 5):
        head = [f.lineage_id for f in store.facts("a", FactQuery(valid_overlaps=window, limit=limit), basis)]
        assert head == full[:limit]


def _vector(i: int, dim: int = 8) -> list[float]:
    v = [0.0] * dim
    v[i % dim] = 1.0
    return v


def _with_vectors(tenant: str, start: int, n: int) -> Batch:
    eps = _episodes(tenant, [f"turn {start + i}" for i in range(n)], f"{tenant}{start}-")
    return Batch(tenant=tenant, episodes=eps, embeddings={e.id: _vector(start + i) for i, e in enumerate(eps)})


def test_vector_search_sees_later_writes_and_erasures_from_any_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    reader, writer = SQLiteStore(url), SQLiteStore(url)  # two connections stand for two processes
    writer.write(_with_vectors("a", 0, 3))
    writer.write(_with_vectors("b", 0, 8))
    assert [h.episode_id for h in reader.search_vector("a", _vector(1), k=1)] == ["a0-1"]
    writer.write(_with_vectors("a", 3, 5))  # appended: vectors 3..7 are new directions
    assert [h.episode_id for h in reader.search_vector("a", _vector(6), k=1)] == ["a3-3"]
    assert len(reader.search_vector("a", _vector(0), k=100)) == 8  # no duplicates, no other tenant
    writer.erase("a", actor="test", reason="user asked", episode_ids=["a3-3"])
    found = [h.episode_id for h in reader.search_vector("a", _vector(6), k=100)]
    assert "a3-3" not in found and len(found) == 7
    writer.write(_with_vectors("a", 8, 1))  # after an erase, appends are still seen
    found = [h.episode_id for h in reader.search_vector("a", _vector(0), k=100)]
    assert len(found) == 8 and "a8-0" in found and "a3-3" not in found


def test_vector_ids_stay_out_of_the_garbage_collectors_walk(tmp_path: Path) -> None:
    # A list of a million ids made every full collection cost ~38 ms; numpy arrays are not traversed.
    store = SQLiteStore(f"sqlite:///{tmp_path / 'v.db'}")
    store.write(_with_vectors("a", 0, 3))
    store.search_vector("a", _vector(1), k=1)
    store.write(_with_vectors("a", 3, 40))  # appends grow the buffers
    found = [h.episode_id for h in store.search_vector("a", _vector(0), k=100)]
    assert len(set(found)) == 43 and "a3-39" in found
    vectors, ids, matrix = store._vectors.snapshot(store.conn, "a", store._data_rev())
    assert not gc.is_tracked(vectors.id_buffer) and not gc.is_tracked(ids)
    assert len(ids) == matrix.shape[0] == 43 and all(type(i) is str for i in ids)
    store.close()


def _fts5_scores(store: SQLiteStore, words: list[str]) -> dict[str, float]:
    """FTS5's own BM25 of the whole query (reads every term's full index entry)."""
    rows = store.conn.execute(
        "SELECT e.id, bm25(episodes_fts) FROM episodes_fts JOIN episodes e ON e.rowid = episodes_fts.rowid "
        "WHERE episodes_fts MATCH ?", (or_query(words),)).fetchall()
    return {eid: -score for eid, score in rows}


@pytest.mark.parametrize("sample_rows", [5000, 40])
def test_frequent_terms_add_fts5s_own_bm25_summand(store: SQLiteStore, sample_rows: int) -> None:
    # Words occur once per turn and turns differ in length, so the summands computed outside FTS5 (length
    # normalisation and idf) must match FTS5's to the last digit when the sample holds every row; from the
    # latest 40 rows of 83, the document frequencies are estimated and the scores close.
    store.frequent_docs = 20
    store._fts.sample_rows = sample_rows
    texts = [("moved house " if i % 3 == 0 else "moved ") + "word " * (i % 7) + f"t{i}" for i in range(80)]
    texts += ["we moved to Zanzibar", "Zanzibar house", "Zanzibar"]
    store.write(Batch(tenant="a", episodes=_episodes("a", texts, "a")))
    hits = store.search_text("a", "moved house Zanzibar", 20)
    expected = _fts5_scores(store, ["moved", "house", "Zanzibar"])
    assert [h.episode_id for h in hits[:3]] == ["a81", "a82", "a80"]  # the rare word, with "house" first
    assert len(hits) == 20  # 3 with the rare word + the 17 best of the 20 latest with only frequent ones
    for h in hits:
        assert h.score == pytest.approx(expected[h.episode_id], rel=1e-9 if sample_rows > 100 else 0.15)


def test_varints_read_sqlites_encoding() -> None:
    assert varints(bytes([0x05, 0x81, 0x00, 0xBD, 0x84, 0x40])) == [5, 128, 1_000_000]
    assert varints(bytes([0xFF] * 8 + [0x01])) == [(2**56 - 1) << 8 | 1]


def test_an_as_of_after_the_last_change_reads_as_the_latest_belief(store: SQLiteStore) -> None:
    # A GraphQL page pins asOf to when its first page ran; while nothing changes after that, its reads take the
    # latest belief's plans (current-version indexes), and they stop as soon as something is recorded or
    # expired after it (the retraction case is in the conformance suite).
    fact = FactInput(subject_id="p1", relation="likes", object_value="tea", valid=Interval(start=T0))
    store.write(Batch(tenant="a", facts=[fact]), recorded_at=T0 + timedelta(days=1))
    with store._read() as conn:
        assert store._settled(conn, "a", T0 + timedelta(days=2)) is None
        assert store._settled(conn, "a", T0) == T0
    lineage = store.facts("a", FactQuery())[0].lineage_id
    store.retract("a", lineage, recorded_at=T0 + timedelta(days=3))
    with store._read() as conn:
        assert store._settled(conn, "a", T0 + timedelta(days=2)) == T0 + timedelta(days=2)
        assert store._settled(conn, "a", T0 + timedelta(days=3)) is None
    assert [f.object_value for f in store.facts("a", FactQuery(), Basis(as_of=T0 + timedelta(days=2)))] == ["tea"]
