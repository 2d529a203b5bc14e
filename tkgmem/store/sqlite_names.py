"""The words of every entity name, for `Store.find_entities(..., words=True)`.

The navigator resolves a name that no entity has exactly ("Leo" for "Leo Silva", "Atlantis" for nothing) by
its words. It used to read every entity of the tenant to compare words: 107k entities, 12-19 s per question
at 1M facts. This table turns that into one index range per word of the asked name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from tkgmem.model import name_word_rows

# Schema 6 creates the table and fills it from the names already stored (`backfill`). `words` is how many
# distinct words the name has (`model.name_word_rows`, as the Neo4j store's `:NameWord` nodes): a name matches
# when all of its words were asked, or all the asked ones are its.
# Both name tables are also indexed by entity, for erasure: names are personal data and go with the entity.
TABLE = """
CREATE TABLE IF NOT EXISTS name_words (
    tenant TEXT NOT NULL, word TEXT NOT NULL, name TEXT NOT NULL, entity_id TEXT NOT NULL, words INTEGER NOT NULL,
    PRIMARY KEY (tenant, word, name, entity_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS name_words_entity ON name_words (tenant, entity_id);
CREATE INDEX IF NOT EXISTS names_entity ON names (tenant, entity_id);
"""


def add(conn: sqlite3.Connection, tenant: str, names: Iterable[tuple[str, str]]) -> None:
    """Index (normalised name, entity id) pairs."""
    conn.executemany("INSERT OR IGNORE INTO name_words VALUES (?, ?, ?, ?, ?)",
                     [(tenant, w, name, entity_id, n) for name, entity_id in names
                      for w, _, n in name_word_rows([name])])


def remove(conn: sqlite3.Connection, tenant: str, entity_ids: Iterable[str]) -> None:
    """Forget every name of erased entities (ids of other kinds match nothing)."""
    rows = [(tenant, e) for e in entity_ids]
    conn.executemany("DELETE FROM names WHERE tenant = ? AND entity_id = ?", rows)
    conn.executemany("DELETE FROM name_words WHERE tenant = ? AND entity_id = ?", rows)


def ranked(tenant: str, words: frozenset[str]) -> tuple[str, list[object]]:
    """A subquery of (entity_id, distance): entities with a name whose words hold the asked ones or are held
    by them, and the fewest words any such name differs by (as `model.word_distance`)."""
    marks = ",".join("?" * len(words))
    sql = (f"SELECT entity_id, min(words + ? - 2 * hits) AS distance FROM ("
           f"SELECT entity_id, words, count(*) AS hits FROM name_words WHERE tenant = ? AND word IN ({marks}) "
           f"GROUP BY entity_id, name HAVING hits = words OR hits = ?) GROUP BY entity_id")
    return sql, [len(words), tenant, *sorted(words), len(words)]


def backfill(conn: sqlite3.Connection) -> None:
    """Schema 6: the table and the indexes by entity, filled from every stored name (107k names at 1M facts)."""
    for statement in TABLE.split(";"):
        conn.execute(statement)
    by_tenant: dict[str, list[tuple[str, str]]] = {}
    for tenant, name, entity_id in conn.execute("SELECT tenant, name, entity_id FROM names"):
        by_tenant.setdefault(tenant, []).append((name, entity_id))
    for tenant, names in by_tenant.items():
        add(conn, tenant, names)
    conn.execute("ANALYZE names")  # statistics for the new indexes (see schema 3)
    conn.execute("ANALYZE name_words")


__all__ = ["add", "backfill", "ranked", "remove"]
