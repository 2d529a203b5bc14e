"""Schema migrations of the embedded store: a store written by an older tkgmem opens, is upgraded in place with
its data intact, and a store newer than this tkgmem is refused with a message saying what to do."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tkgmem.errors import StoreError
from tkgmem.model import Batch, Entity, Episode, FactInput, Interval
from tkgmem.store.sqlite import SQLiteStore
from tkgmem.store.sqlite_schema import SCHEMA_VERSION

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def _downgrade_to_1(path: Path) -> None:
    """What a schema-1 store looks like: the (tenant, expired_at) index, no covering index with the kind."""
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            DROP INDEX versions_by_state;
            CREATE INDEX versions_expired ON versions (tenant, expired_at);
            PRAGMA user_version = 1;
        """)


def test_a_schema_1_store_is_upgraded_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    store = SQLiteStore(f"sqlite:///{path}")
    store.write(Batch(tenant="t", episodes=[Episode(id="e1", tenant="t", source="chat", text="Alice moved to Berlin",
                                                   reference_time=T0, seq=0)]))
    store.close()
    _downgrade_to_1(path)

    store = SQLiteStore(f"sqlite:///{path}")
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    indexes = _indexes(path)
    assert "versions_by_state" in indexes and not {"versions_expired", "versions_expired_kind"} & indexes
    assert [h.episode_id for h in store.search_text("t", "Berlin", 5)] == ["e1"]
    assert store.stats("t").episodes == 1
    store.close()


def test_a_store_newer_than_this_tkgmem_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    SQLiteStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="upgrade tkgmem"):
        SQLiteStore(f"sqlite:///{path}")


def test_an_upgrade_gives_the_planner_statistics_for_new_indexes(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    store = SQLiteStore(f"sqlite:///{path}")
    people = [f"en_p{i}" for i in range(300)]
    facts = [FactInput(subject_id=p, relation="likes", object_id=f"en_o{j}", valid=Interval.between("2020-01-01", None))
             for p in people for j in range(5)]
    store.write(Batch(tenant="t", facts=facts))  # 1,500 versions: the store analyses itself past 1,000
    store.close()
    with sqlite3.connect(path) as conn:  # a store upgraded to 2 before 3 existed: no statistics for its index
        conn.executescript("""
            DROP INDEX versions_by_state;
            CREATE INDEX versions_expired_kind ON versions (tenant, expired_at, kind);
            DELETE FROM sqlite_stat1 WHERE idx = 'versions_expired_kind';
            PRAGMA user_version = 2;
        """)

    store = SQLiteStore(f"sqlite:///{path}")
    analysed = {r[0] for r in store.conn.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'versions'")}
    assert "versions_by_state" in analysed and "versions_expired_kind" not in _indexes(path)
    plan = " ".join(r[3] for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT body FROM versions WHERE tenant = 't' AND kind = 'fact' AND subject_id = 'en_p1' "
        "AND expired_at IS NULL"))
    assert "versions_subject" in plan  # one subject's rows, not every current version
    store.close()


def test_an_upgrade_to_5_fills_the_speakers_from_the_stored_episodes(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    store = SQLiteStore(f"sqlite:///{path}")
    turns = [Episode(id=f"e{i}", tenant=t, source="chat", speaker=who, addressee=to, text="hi", reference_time=T0,
                     seq=i) for i, (t, who, to) in enumerate([("a", "Ana Silva", "Bob"), ("a", "Bob", None),
                                                             ("b", "Zed", None)])]
    for tenant in ("a", "b"):
        store.write(Batch(tenant=tenant, episodes=[e for e in turns if e.tenant == tenant]))
    store.close()
    with sqlite3.connect(path) as conn:  # what a schema-4 store looks like
        conn.executescript("DROP TABLE speakers; PRAGMA user_version = 4;")
    store = SQLiteStore(f"sqlite:///{path}")
    assert store.speaking("a", ["ana", "Ana Silva", "bob", "Zed"]) == {"ana", "Ana Silva", "bob"}
    assert store.speaking("b", ["Zed", "Bob"]) == {"Zed"}
    assert dict(store.conn.execute("SELECT form, episodes FROM speakers WHERE tenant = 'a'").fetchall()) == {
        "ana silva": 1, "ana": 1, "bob": 2}  # Bob: spoken to in one turn, speaking in the other
    store.erase("a", actor="dpo", reason="request", episode_ids=["e1"])
    assert store.speaking("a", ["bob", "ana"]) == {"bob", "ana"}  # still addressed in e0
    store.erase("a", actor="dpo", reason="request", episode_ids=["e0"])
    assert store.speaking("a", ["bob", "ana"]) == set()
    assert store.conn.execute("SELECT count(*) FROM speakers WHERE tenant = 'a'").fetchone()[0] == 0
    store.close()


def test_an_upgrade_to_6_indexes_the_words_of_the_stored_names(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    store = SQLiteStore(f"sqlite:///{path}")
    for tenant, name in (("a", "Leo Silva"), ("b", "Leo Berg")):
        leo = Entity(version_id=f"v_{tenant}", lineage_id=f"en_{tenant}", tenant=tenant, name=name, type="person",
                     aliases=("Leonardo",), recorded_at=T0)
        store.write(Batch(tenant=tenant, entities=[leo]))
    store.close()
    with sqlite3.connect(path) as conn:  # what a schema-5 store looks like
        conn.executescript("DROP TABLE name_words; PRAGMA user_version = 5;")
    store = SQLiteStore(f"sqlite:///{path}")
    assert [e.name for e in store.find_entities("a", "leo", words=True)] == ["Leo Silva"]
    assert [e.name for e in store.find_entities("b", "LEONARDO berg", words=True)] == ["Leo Berg"]
    store.erase("a", entity_id="en_a", actor="dpo", reason="request")
    assert store.conn.execute("SELECT count(*) FROM name_words WHERE tenant = 'a'").fetchone()[0] == 0
    store.close()
