"""API keys: random bearer tokens, stored only as salted SHA-256 digests in their own small SQLite file.

A token reads `tkg_<key id>_<secret>`: the id finds the row, the secret is checked against the digest
in constant time. Secrets are 32 random bytes, so a fast salted hash is enough (no password stretching
is needed for high-entropy secrets, and verification stays in microseconds on every request).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from tkgmem.errors import ConfigError, InputError, NotFoundError
from tkgmem.temporal import utcnow

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    role TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    salt BLOB NOT NULL,
    digest BLOB NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
)
"""


class Role(StrEnum):
    """Each role includes the ones before it: read < write < admin."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class ApiKey(BaseModel):
    id: str
    tenant: str
    role: Role
    label: str = ""
    created_at: datetime
    revoked_at: datetime | None = None


class Principal(BaseModel):
    """Who is calling: the key's id, tenant and role."""

    key_id: str
    tenant: str
    role: Role


def default_keys_path(store_url: str) -> Path:
    """Next to a SQLite store file (`memory.db` -> `memory.keys.db`); `./tkgmem-keys.db` otherwise."""
    if store_url.startswith("sqlite:"):
        path = store_url.removeprefix("sqlite://").removeprefix("/")
        if path and path != ":memory:":
            p = Path(path)
            return p.with_name(p.stem + ".keys.db")
    return Path("tkgmem-keys.db")


def _digest(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode()).digest()


class KeyStore:
    """Create, list, revoke and verify API keys kept in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def create(self, tenant: str, role: Role | str, label: str = "") -> tuple[ApiKey, str]:
        """A new key; returns it with its token, which is shown once and never stored."""
        if not tenant.strip():
            raise InputError("a key needs a tenant; pass --tenant NAME")
        try:
            role = Role(role)
        except ValueError as exc:
            raise InputError(f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}") from exc
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        now = utcnow()
        with self._lock:
            self._conn.execute(
                "INSERT INTO api_keys (id, tenant, role, label, salt, digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key_id, tenant, role.value, label, salt, _digest(salt, secret), now.isoformat()),
            )
        return ApiKey(id=key_id, tenant=tenant, role=role, label=label, created_at=now), f"tkg_{key_id}_{secret}"

    def list(self, tenant: str | None = None, include_revoked: bool = False) -> list[ApiKey]:
        sql = "SELECT id, tenant, role, label, created_at, revoked_at FROM api_keys"
        where, params = [], []
        if tenant is not None:
            where.append("tenant = ?")
            params.append(tenant)
        if not include_revoked:
            where.append("revoked_at IS NULL")
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY created_at, id", params).fetchall()
        return [ApiKey(id=r[0], tenant=r[1], role=r[2], label=r[3], created_at=r[4], revoked_at=r[5]) for r in rows]

    def revoke(self, key_id: str) -> ApiKey:
        with self._lock:
            cur = self._conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (utcnow().isoformat(), key_id)
            )
        if cur.rowcount == 0:
            raise NotFoundError(f"no active key {key_id!r}; see `tkgmem keys list` for the ids")
        return next(k for k in self.list(include_revoked=True) if k.id == key_id)

    def verify(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked token; None otherwise (never says which part was wrong)."""
        parts = token.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != "tkg":
            return None
        _, key_id, secret = parts
        with self._lock:
            row = self._conn.execute(
                "SELECT tenant, role, salt, digest FROM api_keys WHERE id = ? AND revoked_at IS NULL", (key_id,)
            ).fetchone()
        if row is None or not hmac.compare_digest(_digest(row[2], secret), row[3]):
            return None
        return Principal(key_id=key_id, tenant=row[0], role=Role(row[1]))


def open_keys(path: str | Path | None, store_url: str) -> KeyStore:
    target = Path(path) if path else default_keys_path(store_url)
    if target.is_dir():
        raise ConfigError(f"keys path {target} is a directory; give a file such as {target / 'keys.db'}")
    return KeyStore(target)
