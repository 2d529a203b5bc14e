"""Who takes part in a tenant's conversations: the embedded store's `speakers` table, behind `Store.speaking`.

Retrieval asks it of every name in a question (a question about a person is answered mostly by that person's
own turns). Before, each name cost an entity lookup, a full-text probe and an episode read, and still only
looked at the ~10 turns those found: at 1M episodes, 8-10 ms for a question naming a company ("Jones Group":
three probes). A set built from the episodes on first use took 2.7 s to read at 1M, which a one-off command
would pay. So the table holds, per tenant, each form a participant is known by (`speakers.name_forms`) with the number
of episodes that have it; writes add to it, an erase takes away, and a question's names are one index lookup.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tkgmem.store.speakers import People, asked_forms, form_counts, speaking_names

# Schema 5 creates the table and fills it from the episodes already stored (`backfill`).
TABLE = """
CREATE TABLE IF NOT EXISTS speakers (
    tenant TEXT NOT NULL, form TEXT NOT NULL, episodes INTEGER NOT NULL, PRIMARY KEY (tenant, form)
) WITHOUT ROWID
"""

_ADD = ("INSERT INTO speakers (tenant, form, episodes) VALUES (?, ?, ?) "
        "ON CONFLICT (tenant, form) DO UPDATE SET episodes = episodes + excluded.episodes")

def add(conn: sqlite3.Connection, tenant: str, people: People) -> None:
    conn.executemany(_ADD, [(tenant, form, n) for form, n in form_counts(people).items()])


def remove(conn: sqlite3.Connection, tenant: str, people: People) -> None:
    """Take erased episodes' participants away; a form no episode has any more goes."""
    counts = form_counts(people)
    conn.executemany("UPDATE speakers SET episodes = episodes - ? WHERE tenant = ? AND form = ?",
                     [(n, tenant, form) for form, n in counts.items()])
    conn.executemany("DELETE FROM speakers WHERE tenant = ? AND form = ? AND episodes <= 0",
                     [(tenant, form) for form in counts])


def speaking(conn: sqlite3.Connection, tenant: str, names: Sequence[str]) -> set[str]:
    asked = asked_forms(names)
    if not asked:
        return set()
    forms = sorted(set(asked.values()))
    return speaking_names(asked, (r[0] for r in conn.execute(
        f"SELECT form FROM speakers WHERE tenant = ? AND form IN ({','.join('?' * len(forms))})", [tenant, *forms])))


def backfill(conn: sqlite3.Connection) -> None:
    """Schema 5: the table, filled from every tenant's episodes (one pass; 2.7 s at 1M episodes)."""
    conn.execute(TABLE)
    people: dict[str, list[tuple[str | None, str | None]]] = {}
    for tenant, speaker, addressee in conn.execute(
            "SELECT tenant, speaker, addressee FROM episodes WHERE speaker IS NOT NULL OR addressee IS NOT NULL"):
        people.setdefault(tenant, []).append((speaker, addressee))
    for tenant, pairs in people.items():
        add(conn, tenant, pairs)


__all__ = ["add", "backfill", "remove", "speaking"]
