"""Who takes part in a tenant's conversations: the embedded store's answer to `Store.speaking`.

Retrieval asks it of every name in a question (a question about a person is answered mostly by that person's
own turns). Before, each name cost an entity lookup, a full-text probe and an episode read, and still only
looked at the ~10 turns those found: at 1M episodes, 8-10 ms for a question naming a company ("Jones Group":
three probes). Here the names are kept in a set per tenant, read once and then kept up to date the way the
vector matrix is (`sqlite_vectors`): episodes are append-only, so after a write only rows with larger rowids
are read; an erase (recorded in the audit table, by any process) reloads the set.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# `+tenant`: walk episodes from the rowid on (only the new ones), not the tenant's whole index.
_NEW_ROWS = ("SELECT rowid, speaker, addressee FROM episodes WHERE rowid > ? AND +tenant = ? "
             "AND (speaker IS NOT NULL OR addressee IS NOT NULL) ORDER BY rowid")


def name_forms(name: str) -> tuple[str, str]:
    """The forms a participant is known by: the whole name and its first word, lower-cased ("ana silva",
    "ana"). Cypher's `toLower` and `split(name, ' ')` give the same for the Neo4j store."""
    whole = name.strip().lower()
    return whole, whole.split(" ", 1)[0]


@dataclass
class _Tenant:
    audit_count: int = -1
    last_rowid: int = 0
    forms: set[str] = field(default_factory=set)

    def add(self, rows: Iterable[tuple[int, str | None, str | None]]) -> None:
        for rowid, speaker, addressee in rows:
            for person in (speaker, addressee):
                if person and person.strip():
                    self.forms.update(name_forms(person))
            self.last_rowid = rowid


class Participants:
    """Per-tenant sets of participants' name forms, refreshed when the store's data revision moves."""

    def __init__(self) -> None:
        self._tenants: dict[str, tuple[int, _Tenant]] = {}
        self._lock = threading.Lock()

    def speaking(self, conn: sqlite3.Connection, tenant: str, revision: int, names: Sequence[str]) -> set[str]:
        with self._lock:
            forms = self._get(conn, tenant, revision).forms
            return {n for n in names if n.strip() and n.strip().lower() in forms}

    def _get(self, conn: sqlite3.Connection, tenant: str, revision: int) -> _Tenant:
        cached = self._tenants.get(tenant)
        if cached is not None and cached[0] == revision:
            return cached[1]
        audit_count = conn.execute("SELECT count(*) FROM audit WHERE tenant = ?", (tenant,)).fetchone()[0]
        known = cached[1] if cached is not None and cached[1].audit_count == audit_count else _Tenant()
        known.audit_count = audit_count
        known.add(conn.execute(_NEW_ROWS, (known.last_rowid, tenant)))
        self._tenants[tenant] = (revision, known)
        return known

    def forget(self, tenant: str) -> None:
        with self._lock:
            self._tenants.pop(tenant, None)


__all__ = ["Participants", "name_forms"]
