"""The embedded store's name tables (`sqlite_names`): an erased entity's names leave the file with it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tkgmem.model import Batch, Entity, Episode, Span
from tkgmem.store.sqlite import SQLiteStore

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _rows(store: SQLiteStore, entity_id: str) -> tuple[int, int]:
    return tuple(store.conn.execute(f"SELECT count(*) FROM {table} WHERE entity_id = ?", (entity_id,)).fetchone()[0]
                 for table in ("names", "name_words"))  # type: ignore[return-value]


def test_names_of_an_erased_entity_are_deleted(tmp_path: Path) -> None:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'm.db'}")
    ep = Episode(id="e1", tenant="t", source="chat", text="Zed Quill came by", reference_time=T0)
    zed, ann = (Entity(version_id=f"v_{n}", lineage_id=f"en_{n}", tenant="t", name=name, type="person",
                       aliases=aliases, recorded_at=T0, provenance=(Span(episode_id="e1"),) if n == "z" else ())
                for n, name, aliases in (("z", "Zed Quill", ("Zeddy",)), ("a", "Ann Lee", ())))
    store.write(Batch(tenant="t", episodes=[ep], entities=[zed, ann]))
    assert _rows(store, "en_z") == (2, 3)  # "zed quill", "zeddy"; zed, quill, zeddy
    store.erase("t", actor="dpo", reason="request", episode_ids=["e1"])  # its only mention
    assert _rows(store, "en_z") == (0, 0)
    store.erase("t", actor="dpo", reason="request", entity_id="en_a")
    assert _rows(store, "en_a") == (0, 0)
    store.close()
