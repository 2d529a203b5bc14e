"""A tenant's vector matrix saved beside the embedded store's database, so that the next process reads it in
seconds instead of rebuilding it from the embeddings table (1-5 s against 33-57 s at 1M episodes).

The file is a cache and may be stale, copied or damaged: it is used only when it provably holds what a load
from the database would give for the episodes up to its `last_rowid`, and otherwise ignored (then replaced
after the full load). It must belong to this database (a random id kept in `meta`, so another database at the
same path never matches) and tenant, and nothing may have been erased since it was written (same audit count:
every erase is audited). The tenant's episodes up to `last_rowid` must still count the same; counting their
embeddings would read the whole embeddings table (20 s at 1M), but an embedding is only ever written with a
new episode and only deleted with it by an erase. Sampled rows must still hold the same episode, in the same
rowid order, with the same vector, and the last row must sit at `last_rowid`: a VACUUM that renumbered rowids
(episodes has no INTEGER PRIMARY KEY) fails that check unless it kept their order, in which case the file's
rows are still exactly those up to the last one's new rowid. What follows `last_rowid` is read from SQLite.
Files left by another database once at this path never match again: the next save deletes them.

Layout: magic, header length (u32), JSON header, the ids NUL-separated (checksummed), zeros up to a multiple
of 64 bytes, then the normalised float32 matrix row by row. It is written to a temporary file, fsynced and
renamed, so it is never seen half-written. Its matrix is not checksummed (2.5 s at 1.5 GB): the size and the
sampled rows are checked.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import sqlite3
import struct
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tkgmem.store.vector_index import normalise_rows

log = logging.getLogger(__name__)

# Below this many vectors a tenant loads from SQLite in under a second; a file would only cost disk.
FILE_MIN_ROWS = 20_000
_MAGIC = b"TKGVEC01"
_ALIGN = 64
_SAMPLES = 64  # point reads when a file is opened (30-170 ms at 1M) that catch a renumbering or mixup
_STALE_TMP_S = 3600  # a temporary file this old was left by a killed writer
_DTYPE = np.dtype(np.float32).str


@dataclass
class Snapshot:
    """What a load from the database gave: rows in rowid order, up to `last_rowid`, at `audit_count`."""

    tenant: str
    audit_count: int
    last_rowid: int
    ids: Sequence[str] | np.ndarray  # an object array of str in the embedded store
    matrix: np.ndarray


def directory(db_path: str) -> Path:
    return Path(db_path + ".vectors")


def file_path(db_path: str, tenant: str) -> Path:
    return directory(db_path) / (hashlib.sha1(tenant.encode()).hexdigest() + ".vec")


def store_id(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    return None if row is None else str(row[0])


def _episodes_up_to(conn: sqlite3.Connection, tenant: str, last_rowid: int) -> int:
    # `+rowid`: count from the tenant's index entries (0.1-0.8 s at 1M), not the table's pages.
    return int(conn.execute("SELECT count(*) FROM episodes WHERE tenant = ? AND +rowid <= ?",
                            (tenant, last_rowid)).fetchone()[0])


def _samples(n: int) -> list[int]:
    spread = np.linspace(0, n - 1, min(n, _SAMPLES // 2)).astype(np.int64).tolist()
    rng = np.random.default_rng(secrets.randbits(64))  # positions a bad file cannot have been fitted to
    return sorted({*spread, *rng.integers(0, n, min(n, _SAMPLES // 2)).tolist(), n - 1})


def read(conn: sqlite3.Connection, db_path: str, tenant: str, audit_count: int,
         spare_rows: int) -> tuple[int, list[str], np.ndarray] | None:
    """(last_rowid, ids, buffer) from the tenant's file if it matches the database `conn` reads (in a read
    transaction), else None. `buffer` has `spare_rows` unused rows after the file's, for appends."""
    path = file_path(db_path, tenant)
    try:
        with open(path, "rb", buffering=0) as f:
            return _read(f, conn, tenant, audit_count, spare_rows)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, struct.error) as exc:  # damaged: the database decides
        log.warning("ignoring the vector file %s: %s", path, exc)
        return None


def _matrix_offset(header_bytes: int, ids_bytes: int) -> int:
    return -(-(len(_MAGIC) + 4 + header_bytes + ids_bytes) // _ALIGN) * _ALIGN  # aligned for the float32 rows


def _read(f: io.FileIO, conn: sqlite3.Connection, tenant: str, audit_count: int,
          spare_rows: int) -> tuple[int, list[str], np.ndarray] | None:
    head = f.read(len(_MAGIC) + 4)
    if len(head) != len(_MAGIC) + 4 or head[: len(_MAGIC)] != _MAGIC:
        raise ValueError("not a vector file")
    header_bytes = struct.unpack("<I", head[len(_MAGIC):])[0]
    if header_bytes > 65_536:  # a damaged length must not allocate gigabytes
        raise ValueError("bad header length")
    header = json.loads(f.read(header_bytes))
    n, dim, last_rowid = int(header["rows"]), int(header["dim"]), int(header["last_rowid"])
    if (header["store_id"] != store_id(conn) or header["tenant"] != tenant or header["audit_count"] != audit_count
            or header["dtype"] != _DTYPE or n < 1 or dim < 1):
        log.info("vector file for tenant %r is from another database or state; loading from SQLite", tenant)
        return None
    offset = _matrix_offset(header_bytes, header["ids_bytes"])
    if os.fstat(f.fileno()).st_size != offset + n * dim * 4:
        raise ValueError("wrong size (truncated?)")
    blob = f.read(header["ids_bytes"])
    if zlib.crc32(blob) != header["ids_crc"]:
        raise ValueError("ids checksum mismatch")
    ids = blob.decode().split("\0")
    if len(ids) != n or _episodes_up_to(conn, tenant, last_rowid) != header["episodes"]:
        log.info("vector file for tenant %r no longer matches the database; loading from SQLite", tenant)
        return None
    buffer = np.zeros((n + spare_rows, dim), dtype=np.float32)
    view = buffer[:n].data.cast("B")
    f.seek(offset)
    done = 0
    while done < len(view):  # one read() returns at most 2 GB on Linux
        got = f.readinto(view[done:])
        if not got:
            raise ValueError("short read")
        done += got
    if not _samples_match(conn, tenant, last_rowid, ids, buffer):
        log.info("vector file for tenant %r disagrees with the database at sampled rows; loading from SQLite",
                 tenant)
        return None
    return last_rowid, ids, buffer


def _samples_match(conn: sqlite3.Connection, tenant: str, last_rowid: int, ids: list[str],
                   buffer: np.ndarray) -> bool:
    previous = 0
    positions = _samples(len(ids))
    blobs = []
    for i in positions:
        row = conn.execute("SELECT e.rowid, m.vector FROM episodes e JOIN embeddings m ON m.tenant = e.tenant "
                           "AND m.episode_id = e.id WHERE e.tenant = ? AND e.id = ?", (tenant, ids[i])).fetchone()
        if row is None or row[0] <= previous or len(row[1]) != buffer.shape[1] * 4:
            return False
        previous = row[0]
        blobs.append(row[1])
    if previous != last_rowid:
        return False
    stored = normalise_rows(np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1))
    return bool(np.allclose(stored, buffer[positions], rtol=1e-5, atol=1e-6))


class Writer:
    """Saves snapshots on background threads, one at a time per tenant. The threads are not daemons: a
    one-off command that paid the full load waits for its file at exit rather than losing it."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self._generation: dict[str, int] = {}  # bumped by `discard`: a write started before it must not land

    def save(self, snapshot: Snapshot) -> None:
        with self._lock:
            running = self._threads.get(snapshot.tenant)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(target=self._save, args=(snapshot, self._generation.get(snapshot.tenant, 0)),
                                      name="tkgmem-vector-file")
            self._threads[snapshot.tenant] = thread
            thread.start()

    def wait(self) -> None:
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join()

    def discard(self, tenant: str) -> None:
        """Delete the tenant's file, and cancel a write in flight: after an erase no file may keep the
        erased episodes' vectors."""
        with self._lock:
            self._generation[tenant] = self._generation.get(tenant, 0) + 1
            self._unlink(file_path(self.db_path, tenant))

    def _save(self, snapshot: Snapshot, generation: int) -> None:
        path = file_path(self.db_path, snapshot.tenant)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            started = time.perf_counter()
            header = self._header(snapshot)
            if header is None:
                return
            path.parent.mkdir(exist_ok=True)
            self._sweep(path)
            self._sweep_foreign(path.parent, header["store_id"])
            self._write(tmp, header, snapshot)
            with self._lock:
                if self._generation.get(snapshot.tenant, 0) != generation:
                    return
                os.replace(tmp, path)
            if not self._still_current(snapshot):  # another process erased meanwhile
                self._unlink(path)
                return
            log.info("saved %d vectors of tenant %r to %s in %.1f s", len(snapshot.ids), snapshot.tenant, path,
                     time.perf_counter() - started)
        except (OSError, sqlite3.Error, ValueError) as exc:
            log.warning("could not save the vector file %s (search is unaffected): %s", path, exc)
        finally:
            self._unlink(tmp)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, isolation_level=None, timeout=60)
        conn.execute("PRAGMA busy_timeout = 60000")
        return conn

    def _header(self, snapshot: Snapshot) -> dict[str, object] | None:
        if any("\0" in i for i in snapshot.ids):
            log.info("not saving the vectors of tenant %r: an episode id holds a NUL character", snapshot.tenant)
            return None
        conn = self._connect()
        try:
            # The first file of a database names it; a database never written to by this is never matched.
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (secrets.token_hex(16),))
            conn.execute("BEGIN")
            try:
                audit = conn.execute("SELECT count(*) FROM audit WHERE tenant = ?", (snapshot.tenant,)).fetchone()[0]
                if audit != snapshot.audit_count:
                    return None  # erased since the load: the next full load writes a file
                episodes = _episodes_up_to(conn, snapshot.tenant, snapshot.last_rowid)
                sid = store_id(conn)
            finally:
                conn.execute("COMMIT")
        finally:
            conn.close()
        return {"store_id": sid, "tenant": snapshot.tenant, "audit_count": snapshot.audit_count,
                "last_rowid": snapshot.last_rowid, "rows": len(snapshot.ids), "episodes": episodes,
                "dim": int(snapshot.matrix.shape[1]), "dtype": _DTYPE}

    def _write(self, tmp: Path, header: dict[str, object], snapshot: Snapshot) -> None:
        blob = "\0".join(snapshot.ids).encode()
        encoded = json.dumps({**header, "ids_bytes": len(blob), "ids_crc": zlib.crc32(blob)}).encode()
        head = _MAGIC + struct.pack("<I", len(encoded)) + encoded + blob
        with open(tmp, "wb") as f:
            f.write(head + b"\0" * (_matrix_offset(len(encoded), len(blob)) - len(head)))
            f.write(np.ascontiguousarray(snapshot.matrix, dtype=np.float32).data.cast("B"))
            f.flush()
            os.fsync(f.fileno())

    def _still_current(self, snapshot: Snapshot) -> bool:
        conn = self._connect()
        try:
            audit = conn.execute("SELECT count(*) FROM audit WHERE tenant = ?", (snapshot.tenant,)).fetchone()[0]
            return bool(audit == snapshot.audit_count)
        finally:
            conn.close()

    @staticmethod
    def _sweep(path: Path) -> None:
        for old in path.parent.glob(f"{path.stem}.*.tmp"):
            try:
                if time.time() - old.stat().st_mtime > _STALE_TMP_S:
                    old.unlink()
            except OSError:
                pass

    @classmethod
    def _sweep_foreign(cls, folder: Path, sid: object) -> None:
        """Delete the files of another database that lived at this path: they can never match again, and
        each holds ~1.5 GB per million vectors."""
        for old in folder.glob("*.vec"):
            try:
                with open(old, "rb") as f:
                    head = f.read(len(_MAGIC) + 4)
                    if head[: len(_MAGIC)] != _MAGIC:
                        continue
                    size = struct.unpack("<I", head[len(_MAGIC):])[0]
                    owner = json.loads(f.read(min(size, 65_536))).get("store_id")
            except (OSError, ValueError, struct.error, AttributeError):
                continue  # unreadable: left alone (a damaged file is ignored when read)
            if owner != sid:
                log.info("deleting %s: its vectors belong to another database once at this path", old)
                cls._unlink(old)

    @staticmethod
    def _unlink(path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete %s: %s", path, exc)
