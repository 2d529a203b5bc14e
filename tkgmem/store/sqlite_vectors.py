"""The embedded store's in-memory matrix of episode embeddings, one per tenant, kept up to date incrementally.

Episodes are append-only (only an audited erase deletes them), so after a write the matrix only needs the
rows of episodes added since it was read: those have larger rowids. Reloading the whole table after every
write would cost seconds per search on a large memory that is ingesting. An erase (in any process) is
recorded in the audit table, and a change in a tenant's audit count forces a full reload.

Above a size threshold a tenant's vectors also get an approximate index (`vector_index.IVFIndex`), kept with
the matrix it indexes: rows appended since its build are scored exactly as its tail, it is rebuilt when the tail
grows past a fraction of it, and a full reload (an erase) drops it with the matrix, so an erased episode is never
returned.

A file store also keeps a large tenant's matrix in a file beside the database (`vector_file`): a process's first
load reads it and only the rows added since from SQLite, if it provably matches the database.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field

import numpy as np

from tkgmem.store import vector_file
from tkgmem.store.vector_index import IVFIndex, normalise_rows

# `+e.tenant`: walk episodes from the rowid on (only the new ones), not the tenant's whole index.
_NEW_ROWS = ("SELECT e.rowid, e.id, m.vector FROM episodes e JOIN embeddings m "
             "ON m.tenant = e.tenant AND m.episode_id = e.id WHERE e.rowid > ? AND +e.tenant = ? ORDER BY e.rowid")


def _no_ids(rows: int = 0) -> np.ndarray:
    return np.empty(rows, dtype=object)


@dataclass
class TenantVectors:
    """Normalised vectors in insertion order, with their episode ids; both buffers grow by doubling so that
    appends are amortised.

    The ids are a numpy object array, not a list: Python's cyclic garbage collector visits every item of a
    list, and a list of a million strings (one cache miss per string) made each full collection cost ~38 ms,
    which landed on the search that triggered it. The collector does not traverse numpy arrays."""

    audit_count: int = -1
    last_rowid: int = 0
    count: int = 0
    id_buffer: np.ndarray = field(default_factory=_no_ids)
    buffer: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    index: IVFIndex | None = None
    builder: threading.Thread | None = None
    builder_lock: threading.Lock = field(default_factory=threading.Lock)  # held only to start the builder
    build_lock: threading.Lock = field(default_factory=threading.Lock)  # one build at a time
    from_file: int = 0  # rows read from the vector file rather than SQLite

    @property
    def ids(self) -> np.ndarray:
        return self.id_buffer[: self.count]

    @property
    def matrix(self) -> np.ndarray:
        return self.buffer[: self.count]

    def append(self, rows: list[tuple[int, str, bytes]]) -> None:
        if not rows:
            return
        # One buffer for all rows, not one array per row: a 1M-row load spent seconds in per-row overhead.
        new = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        new = normalise_rows(new)
        n, need = self.count, self.count + len(rows)
        if self.buffer.shape[0] < need or self.buffer.shape[1] != new.shape[1]:
            size = max(need, 2 * self.buffer.shape[0])
            grown = np.zeros((size, new.shape[1]), dtype=np.float32)
            grown_ids = _no_ids(size)
            if n:
                grown[:n] = self.buffer[:n]
                grown_ids[:n] = self.id_buffer[:n]
            self.buffer, self.id_buffer = grown, grown_ids
        self.buffer[n:need] = new
        self.id_buffer[n:need] = [r[1] for r in rows]
        self.count = need  # last: a reader sees only complete rows
        self.last_rowid = rows[-1][0]

    def ann(self, matrix: np.ndarray) -> IVFIndex | None:
        """The index to search `matrix` (this object's rows so far) with, or None: search it exactly.

        A missing or stale index is (re)built on a background thread meanwhile, so a search never waits for
        a build (tens of seconds at 1M vectors; a one-off command would pay that for one question). A stale
        index stays correct: the rows past it are scanned exactly as its tail."""
        index = self.index
        if index is None or index.needs_rebuild(matrix.shape[0]):
            with self.builder_lock:
                if self.builder is None or not self.builder.is_alive():
                    self.builder = threading.Thread(target=self.build, args=(matrix,), name="tkgmem-ann-build",
                                                    daemon=True)
                    self.builder.start()
        return index

    def build(self, matrix: np.ndarray) -> IVFIndex:
        """The index over `matrix`, built now unless a fresh one exists (`Store.warm`, or the builder thread)."""
        with self.build_lock:
            index = self.index
            if index is None or index.needs_rebuild(matrix.shape[0]):
                index = self.index = IVFIndex.build(matrix)
            return index


class VectorCache:
    """Per-tenant matrices, refreshed when the store's data revision moves. A caller indexes `ids` only below
    the row count of the matrix it got: later appends write past those rows, never over them."""

    def __init__(self, db_path: str | None = None, file_min_rows: int = vector_file.FILE_MIN_ROWS) -> None:
        self._tenants: dict[str, tuple[int, TenantVectors]] = {}
        self._lock = threading.Lock()  # readers on several threads share one matrix; appends must not interleave
        self.db_path = db_path  # None: an in-memory store
        self.file_min_rows = file_min_rows  # a first load that read this many rows from SQLite saves a file
        # No vector files for an in-memory store, or when turned off (0): then none is read either.
        self._files = None if db_path is None or file_min_rows <= 0 else vector_file.Writer(db_path)

    def snapshot(self, conn: sqlite3.Connection, tenant: str, revision: int) -> tuple[TenantVectors, np.ndarray,
                                                                                       np.ndarray]:
        """The tenant's `TenantVectors`, ids and matrix as of `revision`. Its `ann(matrix)` gives the
        approximate index over that matrix (None until one is built) and `build(matrix)` builds it: call
        that outside any read transaction, it takes seconds on a large tenant."""
        with self._lock:
            vectors = self._get(conn, tenant, revision)
            return vectors, vectors.ids, vectors.matrix

    def _get(self, conn: sqlite3.Connection, tenant: str, revision: int) -> TenantVectors:
        cached = self._tenants.get(tenant)
        if cached is not None and cached[0] == revision:
            return cached[1]
        audit_count = conn.execute("SELECT count(*) FROM audit WHERE tenant = ?", (tenant,)).fetchone()[0]
        if cached is not None and cached[1].audit_count == audit_count:
            vectors, fresh = cached[1], False
        else:
            vectors, fresh = self._from_file(conn, tenant, audit_count), True
        vectors.audit_count = audit_count
        rows = conn.execute(_NEW_ROWS, (vectors.last_rowid, tenant)).fetchall()
        vectors.append(rows)
        self._tenants[tenant] = (revision, vectors)
        if fresh and self._files is not None and len(rows) >= self.file_min_rows:
            n = vectors.count  # the rows up to last_rowid: later appends never change them
            self._files.save(vector_file.Snapshot(tenant, audit_count, vectors.last_rowid, vectors.ids[:n],
                                                  vectors.buffer[:n]))
        return vectors

    def _from_file(self, conn: sqlite3.Connection, tenant: str, audit_count: int) -> TenantVectors:
        if self.db_path is None or self._files is None:
            return TenantVectors()
        # Room for what was added since the file, without a doubling copy of the whole matrix on the first append.
        saved = vector_file.read(conn, self.db_path, tenant, audit_count, spare_rows=self.file_min_rows)
        if saved is None:
            return TenantVectors()
        last_rowid, ids, buffer = saved
        id_buffer = _no_ids(buffer.shape[0])
        id_buffer[: len(ids)] = ids
        return TenantVectors(last_rowid=last_rowid, count=len(ids), id_buffer=id_buffer, buffer=buffer,
                             from_file=len(ids))

    def wait_for_files(self) -> None:
        """Until the vector files being saved are written (tests; a process waits for them at exit anyway)."""
        if self._files is not None:
            self._files.wait()

    def forget(self, tenant: str) -> None:
        """Drop the tenant's matrix, and its file: after an erase no copy of the erased vectors may stay on disk."""
        with self._lock:
            self._tenants.pop(tenant, None)
            if self._files is not None:
                self._files.discard(tenant)
