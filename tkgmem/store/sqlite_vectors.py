"""The embedded store's in-memory matrix of episode embeddings, one per tenant, kept up to date incrementally.

Episodes are append-only (only an audited erase deletes them), so after a write the matrix only needs the
rows of episodes added since it was read: those have larger rowids. Reloading the whole table after every
write would cost seconds per search on a large memory that is ingesting. An erase (in any process) is
recorded in the audit table, and a change in a tenant's audit count forces a full reload.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field

import numpy as np

# `+e.tenant`: walk episodes from the rowid on (only the new ones), not the tenant's whole index.
_NEW_ROWS = ("SELECT e.rowid, e.id, m.vector FROM episodes e JOIN embeddings m "
             "ON m.tenant = e.tenant AND m.episode_id = e.id WHERE e.rowid > ? AND +e.tenant = ? ORDER BY e.rowid")


@dataclass
class TenantVectors:
    """Normalised vectors in insertion order; `buffer` grows by doubling so that appends are amortised."""

    audit_count: int = -1
    last_rowid: int = 0
    ids: list[str] = field(default_factory=list)
    buffer: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    @property
    def matrix(self) -> np.ndarray:
        return self.buffer[: len(self.ids)]

    def append(self, rows: list[tuple[int, str, bytes]]) -> None:
        if not rows:
            return
        new = np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows])
        new /= np.maximum(np.linalg.norm(new, axis=1, keepdims=True), 1e-12)
        n, need = len(self.ids), len(self.ids) + len(rows)
        if self.buffer.shape[0] < need or self.buffer.shape[1] != new.shape[1]:
            grown = np.zeros((max(need, 2 * self.buffer.shape[0]), new.shape[1]), dtype=np.float32)
            if n:
                grown[:n] = self.buffer[:n]
            self.buffer = grown
        self.buffer[n:need] = new
        self.ids.extend(r[1] for r in rows)
        self.last_rowid = rows[-1][0]


class VectorCache:
    """Per-tenant matrices, refreshed when the store's data revision moves. A caller indexes `ids` only below
    the row count of the matrix it got: later appends extend the list in place but never those rows."""

    def __init__(self) -> None:
        self._tenants: dict[str, tuple[int, TenantVectors]] = {}
        self._lock = threading.Lock()  # readers on several threads share one matrix; appends must not interleave

    def get(self, conn: sqlite3.Connection, tenant: str, revision: int) -> tuple[list[str], np.ndarray]:
        with self._lock:
            return self._get(conn, tenant, revision)

    def _get(self, conn: sqlite3.Connection, tenant: str, revision: int) -> tuple[list[str], np.ndarray]:
        cached = self._tenants.get(tenant)
        if cached is not None and cached[0] == revision:
            return cached[1].ids, cached[1].matrix
        audit_count = conn.execute("SELECT count(*) FROM audit WHERE tenant = ?", (tenant,)).fetchone()[0]
        vectors = cached[1] if cached is not None and cached[1].audit_count == audit_count else TenantVectors()
        vectors.audit_count = audit_count
        vectors.append(conn.execute(_NEW_ROWS, (vectors.last_rowid, tenant)).fetchall())
        self._tenants[tenant] = (revision, vectors)
        return vectors.ids, vectors.matrix

    def forget(self, tenant: str) -> None:
        with self._lock:
            self._tenants.pop(tenant, None)
