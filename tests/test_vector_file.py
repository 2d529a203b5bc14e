"""The vector file beside an embedded store: a new process's first load reads it and only the newer rows from
SQLite, with the same results; any file that does not provably match the database (erased episodes, another
database, damage) is ignored and replaced, and failing to write it never breaks a search."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tkgmem.model import Batch, Episode
from tkgmem.store import open_store as open_configured
from tkgmem.store import vector_file
from tkgmem.store.sqlite import SQLiteStore
from tkgmem.store.sqlite_vectors import TenantVectors

T0 = datetime(2024, 1, 1, tzinfo=UTC)
DIM = 16
MIN_ROWS = 100


def vectors(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)


def batch(data: np.ndarray, start: int, tenant: str = "t") -> Batch:
    eps = [Episode(id=f"e{start + i}", tenant=tenant, source="chat", text=f"turn {start + i}",
                   reference_time=T0 + timedelta(seconds=start + i), seq=start + i) for i in range(len(data))]
    return Batch(tenant=tenant, episodes=eps, embeddings={e.id: v.tolist() for e, v in zip(eps, data, strict=True)})


def open_store(db: Path) -> SQLiteStore:
    store = SQLiteStore(f"sqlite:///{db}")
    store._vectors.file_min_rows = MIN_ROWS
    return store


def ids(store: SQLiteStore, q: np.ndarray, k: int = 10) -> list[str]:
    return [h.episode_id for h in store.search_vector("t", q.tolist(), k)]


def loaded(store: SQLiteStore) -> TenantVectors:
    return store._vectors._tenants["t"][1]


def exact(data: np.ndarray, q: np.ndarray, k: int = 10) -> list[str]:
    unit = data / np.linalg.norm(data, axis=1, keepdims=True)
    return [f"e{i}" for i in np.argsort(-(unit @ q), kind="stable")[:k]]


def saved(db: Path, rows: int = 500, seed: int = 1) -> np.ndarray:
    """A store of `rows` vectors whose file has been written by a first search."""
    data = vectors(rows, seed)
    store = open_store(db)
    store.write(batch(data, 0))
    store.search_vector("t", data[0].tolist(), 1)
    store._vectors.wait_for_files()
    store.close()
    assert vector_file.file_path(str(db), "t").exists()
    return data


def test_a_new_store_reads_the_file_and_finds_the_same(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    data = saved(db)
    queries = vectors(20, seed=2)
    store = open_store(db)
    assert [ids(store, q) for q in queries] == [exact(data, q) for q in queries]
    assert loaded(store).from_file == 500 and len(loaded(store).ids) == 500  # nothing read from SQLite


def test_rows_written_after_the_file_are_found(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    data = saved(db)
    more = vectors(50, seed=3)
    writer = open_store(db)
    writer.write(batch(more, 500))
    store = open_store(db)
    assert ids(store, more[7], 1) == ["e507"]
    assert loaded(store).from_file == 500 and len(loaded(store).ids) == 550
    every = np.vstack([data, more])
    assert ids(store, data[3], 550) == exact(every, data[3] / np.linalg.norm(data[3]), 550)  # no duplicates


def test_an_erased_episode_is_never_returned(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    data = saved(db)
    path = vector_file.file_path(str(db), "t")
    stale = path.read_bytes()
    eraser = open_store(db)
    eraser.erase("t", actor="test", reason="privacy request", episode_ids=["e5"])
    assert not path.exists()  # the erased vector does not stay on disk
    path.write_bytes(stale)  # as if a process had saved it from a load before the erase
    store = open_store(db)
    found = ids(store, data[5], 500)
    assert "e5" not in found and len(found) == 499
    assert loaded(store).from_file == 0
    store._vectors.wait_for_files()  # the full load replaced the stale file
    fresh = open_store(db)
    assert "e5" not in ids(fresh, data[5], 500) and loaded(fresh).from_file == 499


def test_another_database_at_the_same_path_ignores_the_file(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    saved(db)
    other = tmp_path / "other.db"
    other_data = vectors(500, seed=9)  # same tenant, ids and row count; other vectors
    writer = open_store(other)
    writer.write(batch(other_data, 0))
    writer.close()  # checkpoints its write-ahead log into the file copied
    shutil.copy(other, db)
    store = open_store(db)
    assert ids(store, other_data[4]) == exact(other_data, other_data[4] / np.linalg.norm(other_data[4]))
    assert loaded(store).from_file == 0


def test_files_of_a_replaced_database_are_deleted_at_the_next_save(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    saved(db)  # tenant "t"
    old_file = vector_file.file_path(str(db), "t")
    for leftover in tmp_path.glob("m.db*"):
        if leftover.is_file():
            leftover.unlink()  # the database is replaced; its vector folder stays behind
    assert old_file.exists()
    store = open_store(db)
    data = vectors(500, seed=3)
    store.write(batch(data, 0, tenant="u"))
    assert [h.episode_id for h in store.search_vector("u", data[1].tolist(), 1)] == ["e1"]
    store._vectors.wait_for_files()
    assert vector_file.file_path(str(db), "u").exists() and not old_file.exists()


def test_a_changed_store_id_ignores_the_file(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    saved(db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = 'another' WHERE key = 'store_id'")
    store = open_store(db)
    ids(store, vectors(1, seed=4)[0])
    assert loaded(store).from_file == 0


def test_a_row_deleted_without_an_audit_entry_ignores_the_file(tmp_path: Path) -> None:
    """Not through the API (no audit entry): the count of the episodes up to the file's last row catches it."""
    db = tmp_path / "m.db"
    data = saved(db)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM episodes WHERE id = 'e7'")
        conn.execute("DELETE FROM embeddings WHERE episode_id = 'e7'")
    store = open_store(db)
    assert "e7" not in ids(store, data[7], 500)
    assert loaded(store).from_file == 0


@pytest.mark.parametrize("damage", ["truncate", "header", "ids", "empty"])
def test_a_damaged_file_is_ignored(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "m.db"
    data = saved(db)
    path = vector_file.file_path(str(db), "t")
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) - 100]
    elif damage == "header":
        raw[20:30] = b"\xff" * 10
    elif damage == "ids":
        raw[raw.index(b"e3\0") + 1] = ord("9")
    else:
        raw = bytearray()
    path.write_bytes(bytes(raw))
    store = open_store(db)
    with caplog.at_level(logging.WARNING):
        assert ids(store, data[8], 3)[0] == "e8"
    assert loaded(store).from_file == 0 and "ignoring the vector file" in caplog.text


def test_a_file_with_a_wrong_vector_is_ignored(tmp_path: Path) -> None:
    """A damaged matrix passes the size check; the sampled rows (the last one always) catch it."""
    db = tmp_path / "m.db"
    data = saved(db)
    path = vector_file.file_path(str(db), "t")
    raw = bytearray(path.read_bytes())
    raw[-4 * DIM:] = np.ones(DIM, dtype=np.float32).tobytes()
    path.write_bytes(bytes(raw))
    store = open_store(db)
    assert ids(store, data[499], 1) == ["e499"]
    assert loaded(store).from_file == 0


def test_an_unwritable_file_directory_does_not_break_search(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "m.db"
    vector_file.directory(str(db)).write_text("in the way")  # also fails as root, unlike a read-only mode
    data = vectors(300, seed=5)
    store = open_store(db)
    store.write(batch(data, 0))
    with caplog.at_level(logging.WARNING):
        assert ids(store, data[2], 1) == ["e2"]
        store._vectors.wait_for_files()
    assert "could not save the vector file" in caplog.text
    assert ids(open_store(db), data[2], 1) == ["e2"]


def test_small_tenants_and_memory_stores_have_no_file(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    data = vectors(MIN_ROWS - 1, seed=6)
    store = open_store(db)
    store.write(batch(data, 0))
    ids(store, data[0])
    store._vectors.wait_for_files()
    assert not vector_file.directory(str(db)).exists()
    memory = SQLiteStore("sqlite:///:memory:")
    memory._vectors.file_min_rows = 1
    memory.write(batch(data, 0))
    assert ids(memory, data[0], 1) == ["e0"] and memory._vectors.db_path is None


def test_the_file_can_be_turned_off_by_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "m.db"
    data = saved(db)  # a valid file exists already: turned off, it is neither read nor rewritten
    monkeypatch.setenv("TKGMEM_VECTOR_FILE_MIN_ROWS", "0")
    store = open_configured(f"sqlite:///{db}")
    assert isinstance(store, SQLiteStore) and ids(store, data[3], 1) == ["e3"]
    assert loaded(store).from_file == 0
    monkeypatch.setenv("TKGMEM_VECTOR_FILE_MIN_ROWS", "100")
    store = open_configured(f"sqlite:///{db}")
    assert isinstance(store, SQLiteStore) and ids(store, data[3], 1) == ["e3"]
    assert loaded(store).from_file == len(data)


def test_vacuum_keeps_the_results(tmp_path: Path) -> None:
    """VACUUM may renumber the rowids of episodes (no INTEGER PRIMARY KEY): whether the file is then used or
    not, every episode is found exactly once."""
    db = tmp_path / "m.db"
    data = saved(db)
    store = open_store(db)
    store.erase("t", actor="test", reason="make a rowid gap", episode_ids=["e10", "e11"])
    store.search_vector("t", data[0].tolist(), 1)
    store._vectors.wait_for_files()
    with sqlite3.connect(db) as conn:
        conn.execute("VACUUM")
    fresh = open_store(db)
    found = ids(fresh, data[3], 500)
    assert sorted(found) == sorted(f"e{i}" for i in range(500) if i not in (10, 11))
