"""The embedded store: one SQLite file in WAL mode, one transaction per batch.

Versions of entities, facts and events share one table; a version's JSON body is written once and
never changed, only its `expired_at` column is ever set. FTS5 indexes episode text; embeddings are
float32 blobs searched by brute force in numpy (cached per tenant until the next write).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tkgmem import blas
from tkgmem.errors import ConfigError, NotFoundError, StoreError
from tkgmem.model import (
    Batch,
    Change,
    Diff,
    Entity,
    Episode,
    EraseReport,
    Event,
    EventLink,
    EventQuery,
    Fact,
    FactInput,
    FactQuery,
    LinkType,
    SearchHit,
    Span,
    Stats,
    TimelineItem,
    WriteReport,
    name_words,
    normalize_name,
    stable_id,
)
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry
from tkgmem.settings import Settings
from tkgmem.store import file_pin, sqlite_names, sqlite_speakers
from tkgmem.store.decoded import with_columns
from tkgmem.store.file_pin import PinnedFile
from tkgmem.store.sqlite_fts import FullTextSearch
from tkgmem.store.sqlite_schema import MIGRATIONS, SCHEMA_VERSION
from tkgmem.store.sqlite_vectors import VectorCache
from tkgmem.store.vector_index import top_k
from tkgmem.store.versioning import FactPlanner, Plan, plan_entity, plan_event, plan_followers
from tkgmem.store.views import changes_from, diff_versions, timeline_items
from tkgmem.temporal import Basis, Interval, ResolvedBasis, utcnow

log = logging.getLogger(__name__)
AnyVersion = Entity | Fact | Event
_KIND: dict[str, type[Entity] | type[Fact] | type[Event]] = {"entity": Entity, "fact": Fact, "event": Event}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(t: datetime | None) -> int | None:
    if t is None:
        return None
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int | None) -> datetime | None:
    # Called for every time column of every row read: an import inside it tripled its cost.
    return None if us is None else _EPOCH + timedelta(microseconds=us)


_EPISODE_COLUMNS = "id, kind, source, session, speaker, addressee, text, reference_time, seq, metadata, recorded_at"


def _episode(tenant: str, r: Sequence[Any]) -> Episode:
    """An episode from a row of `_EPISODE_COLUMNS` (most carry no metadata: no JSON parse for those)."""
    return Episode(id=r[0], tenant=tenant, kind=r[1], source=r[2], session=r[3], speaker=r[4], addressee=r[5],
                   text=r[6], reference_time=from_us(r[7]), seq=r[8],
                   metadata={} if r[9] == "{}" else json.loads(r[9]), recorded_at=from_us(r[10]))


def _tx_clause(as_of: datetime | None, params: list[Any]) -> str:
    if as_of is None:
        return "expired_at IS NULL"
    params.extend([to_us(as_of), to_us(as_of)])
    return "recorded_at <= ? AND (expired_at IS NULL OR expired_at > ?)"


def _valid_clause(basis: ResolvedBasis, window: Interval | None, params: list[Any],
                  start_known: bool | None = None) -> str:
    """Valid at `basis.valid_at`, or overlapping `window`; `start_known` restricts to rows with (True)
    or without (False) a valid start, which turns the start test into an index range without an OR."""
    if start_known is False:
        clauses = ["valid_from IS NULL"]
    elif window is None:
        params.append(to_us(basis.valid_at))
        clauses = ["valid_from <= ?" if start_known else "(valid_from IS NULL OR valid_from <= ?)"]
    else:
        clauses = ["valid_from IS NOT NULL"] if start_known else []
    if window is None:
        params.append(to_us(basis.valid_at))
        return " AND ".join([*clauses, "(valid_to IS NULL OR valid_to > ?)"])
    if window.end is not None and start_known is not False:
        clauses.append("valid_from < ?" if start_known else "(valid_from IS NULL OR valid_from < ?)")
        params.append(to_us(window.end))
    if window.start is not None:
        clauses.append("(valid_to IS NULL OR valid_to > ?)")
        params.append(to_us(window.start))
    return " AND ".join(clauses) or "1"


# Below this many vectors brute force is exact and fast enough (~10 ms at 100k x 384); above it search_vector
# uses an approximate index (brute force at 1M: 85 ms on an idle machine, ~550 ms on a busy one).
ANN_MIN_ROWS: int = Settings.model_fields["ann_min_rows"].default


class SQLiteStore:
    """`sqlite:///path/to/memory.db` (`sqlite:///:memory:` for a private in-memory store)."""

    def __init__(self, url: str, relations: RelationRegistry = DEFAULT_RELATIONS,
                 ann_min_rows: int = ANN_MIN_ROWS,
                 vector_file_min_rows: int = Settings.model_fields["vector_file_min_rows"].default,
                 pin: bool = False) -> None:
        if not url.startswith("sqlite://"):
            raise ConfigError(f"not a SQLite store URL: {url!r}; use sqlite:///path/to/memory.db")
        path = url.removeprefix("sqlite://").removeprefix("/") or ":memory:"
        self.url = url
        self.path = path
        self.relations = relations
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        self._write_lock = threading.Lock()
        self._vectors = VectorCache(None if path == ":memory:" else path, vector_file_min_rows)
        self._fts = FullTextSearch()
        self.ann_min_rows = ann_min_rows  # tenants with fewer vectors are searched exactly (search_vector)
        self.pin = pin  # `warm` locks the database file in RAM (see `file_pin`)
        self._pinned: PinnedFile | None = None
        self._pin_lock = threading.Lock()
        self._rev = 0
        self._analyzed_rows = 0
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    # -- connections ----------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        conn.execute("PRAGMA busy_timeout = 60000")
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self.path == ":memory:":  # one shared connection, or each thread would see its own database
            if self._shared is None:
                self._shared = self._connect()
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self._rev += 1
            self._maybe_analyze(conn)

    def _maybe_analyze(self, conn: sqlite3.Connection) -> None:
        """Refresh the planner's statistics whenever the version table has doubled since the last time.

        Without them SQLite picks poor indexes for entity lookups on large stores (100x slower);
        Doubling keeps the cost amortised: each row is analysed a bounded number of times.
        """
        rows = conn.execute("SELECT max(rowid) FROM versions").fetchone()[0] or 0
        if rows < max(1000, 2 * self._analyzed_rows):
            return
        conn.execute("ANALYZE")
        self._analyzed_rows = rows

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several statements see one snapshot, so a read is never torn."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def migrate(self) -> int:
        with self._write_lock:
            conn = self.conn
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.url} has schema version {current}, newer than this tkgmem ({SCHEMA_VERSION}); "
                    "upgrade tkgmem"
                )
            for number, ddl in enumerate(MIGRATIONS[current:], start=current + 1):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if callable(ddl):
                        ddl(conn)
                    else:
                        for statement in ddl.split(";"):
                            if statement.strip():
                                conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {number}")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        stat = self.conn.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'versions' LIMIT 1"
        ).fetchone() if self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() else None
        self._analyzed_rows = int(str(stat[0]).split()[0]) if stat else 0
        return SCHEMA_VERSION

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._shared is not None:
            self._shared.close()
            self._shared = None
        with self._pin_lock:
            if self._pinned is not None:
                self._pinned.release()
                self._pinned = None

    # -- decoding -------------------------------------------------------------------------------
    def _version(self, kind: str, body: str, expired_at: int | None) -> AnyVersion:
        cls = _KIND[kind]
        return with_columns(cls.model_validate_json(body), expired_at=from_us(expired_at))

    def _versions(self, rows: Iterable[sqlite3.Row | tuple[Any, ...]], conn: sqlite3.Connection) -> list[Any]:
        # Decoded once, then both stored columns set on the fresh object (see `with_columns`).
        decoded = [(_KIND[r[0]].model_validate_json(r[1]), r[2]) for r in rows]
        if not decoded:
            return []
        lineages = sorted({v.lineage_id for v, _ in decoded})
        spans: dict[str, list[Span]] = {}
        for chunk in _chunks(lineages, 500):
            marks = ",".join("?" * len(chunk))
            for lid, ep, s, e in conn.execute(
                f"SELECT lineage_id, episode_id, span_start, span_end FROM provenance "
                f"WHERE tenant = ? AND lineage_id IN ({marks})",
                [decoded[0][0].tenant, *chunk],
            ):
                spans.setdefault(lid, []).append(
                    Span(episode_id=ep, start=None if s < 0 else s, end=None if e < 0 else e)
                )
        return [with_columns(v, expired_at=from_us(expired), provenance=tuple(spans.get(v.lineage_id, ())))
                for v, expired in decoded]

    def _select(self, conn: sqlite3.Connection, where: str, params: Sequence[Any], order: str = "",
                limit: int | None = None) -> list[Any]:
        sql = f"SELECT kind, body, expired_at FROM versions WHERE {where} {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._versions(conn.execute(sql, params).fetchall(), conn)

    # -- writes ---------------------------------------------------------------------------------
    def write(self, batch: Batch, *, recorded_at: datetime | None = None) -> WriteReport:
        tenant = batch.tenant
        report = WriteReport()
        with self._write() as conn:
            # Taken under the write lock, so transaction times follow commit order and a reader's as-of
            # view of the past stops changing once the writes in flight have committed.
            at = recorded_at or utcnow()
            known = self._known(conn, tenant, [e.id for e in batch.episodes])
            # An id twice in one batch (a duplicated input record) is one episode, not a failed batch.
            fresh = list({e.id: e for e in batch.episodes if e.id not in known}.values())
            report.episodes_skipped = len(batch.episodes) - len(fresh)
            report.episodes_added = len(fresh)
            self._insert_episodes(conn, tenant, fresh, at, batch.embeddings)

            def new(item: Any) -> bool:
                spans = item.provenance
                return not spans or any(s.episode_id not in known for s in spans)

            for entity in (e for e in batch.entities if new(e)):
                current = self._current(conn, tenant, entity.lineage_id)
                sub = plan_entity(current, entity.model_copy(update={"tenant": tenant}), at)  # type: ignore[arg-type]
                report.entities_added += 1 if current is None else 0
                self._apply(conn, tenant, sub)
            facts = [f for f in batch.facts if new(f)]
            if facts:
                planner = FactPlanner(tenant, self._current_facts(conn, tenant, facts), self.relations, at)
                for fi in facts:
                    planner.add(fi)
                report.facts_added += sum(1 for v in planner.plan.insert if v.supersedes is None)
                report.facts_unchanged += planner.plan.unchanged
                report.versions_expired += len(planner.plan.expire)
                self._apply(conn, tenant, planner.plan)
            moved: dict[str, tuple[Interval, Interval]] = {}
            for event in (e for e in batch.events if new(e)):
                current = self._current(conn, tenant, event.lineage_id)
                sub = plan_event(current, event.model_copy(update={"tenant": tenant}), at)  # type: ignore[arg-type]
                report.events_added += 1 if current is None else 0
                report.versions_expired += len(sub.expire)
                moved.update(sub.moved)
                self._apply(conn, tenant, sub)
            conn.executemany(
                "INSERT OR IGNORE INTO links VALUES (?, ?, ?, ?, ?, ?)",
                [(tenant, lk.source_id, lk.target_id, lk.type.value, to_us(lk.recorded_at or at), lk.episode_id)
                 for lk in batch.links if lk.episode_id is None or lk.episode_id not in known],
            )
            if moved:
                report.versions_expired += self._follow(conn, tenant, moved, at)
        return report

    def _follow(self, conn: sqlite3.Connection, tenant: str, moved: dict[str, tuple[Interval, Interval]],
                at: datetime) -> int:
        """Events dated by one this batch re-dated move with it; returns the versions expired."""
        links: list[EventLink] = []
        for chunk in _chunks(list(moved), 400):
            marks = ",".join("?" * len(chunk))
            links += [EventLink(tenant=tenant, source_id=r[0], target_id=r[1], type=LinkType.DATED_BY)
                      for r in conn.execute(f"SELECT source_id, target_id FROM links WHERE tenant = ? AND "
                                            f"target_id IN ({marks}) AND type = ?",
                                            [tenant, *chunk, LinkType.DATED_BY.value])]
        current = {lk.source_id: v for lk in links
                   if isinstance(v := self._current(conn, tenant, lk.source_id), Event)}
        sub = plan_followers(moved, links, current, at)
        self._apply(conn, tenant, sub)
        return len(sub.expire)

    def _insert_episodes(self, conn: sqlite3.Connection, tenant: str, episodes: list[Episode], at: datetime,
                         embeddings: dict[str, list[float]]) -> None:
        for ep in episodes:
            cur = conn.execute(
                "INSERT INTO episodes (tenant, id, kind, source, session, speaker, addressee, text, reference_time,"
                " seq, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (tenant, ep.id, ep.kind.value, ep.source, ep.session, ep.speaker, ep.addressee, ep.text,
                 to_us(ep.reference_time), ep.seq, json.dumps(ep.metadata, default=str),
                 to_us(ep.recorded_at or at)),
            )
            conn.execute(
                "INSERT INTO episodes_fts (rowid, text, speaker) VALUES (?, ?, ?)",
                (cur.lastrowid, ep.text, ep.speaker or ""),
            )
        sqlite_speakers.add(conn, tenant, [(ep.speaker, ep.addressee) for ep in episodes])
        conn.executemany(
            "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
            [(tenant, ep.id, np.asarray(embeddings[ep.id], dtype=np.float32).tobytes())
             for ep in episodes if ep.id in embeddings],
        )

    def _apply(self, conn: sqlite3.Connection, tenant: str, plan: Plan) -> None:
        conn.executemany(
            "UPDATE versions SET expired_at = ? WHERE version_id = ? AND tenant = ? AND expired_at IS NULL",
            [(to_us(t), vid, tenant) for vid, t in plan.expire.items()],
        )
        rows: list[tuple[Any, ...]] = []
        names: list[tuple[str, str, str]] = []
        parts: list[tuple[str, str, str, str]] = []
        prov: list[tuple[str, str, str, int, int]] = []
        for v in plan.insert:
            rows.append((
                v.version_id, v.lineage_id, tenant, v.kind, to_us(v.valid.start), to_us(v.valid.end),
                to_us(v.recorded_at), to_us(v.expired_at),
                getattr(v, "subject_id", None), getattr(v, "relation", None), getattr(v, "object_id", None),
                getattr(v, "name", None), getattr(v, "predicate", None),
                v.model_copy(update={"provenance": (), "expired_at": None}).model_dump_json(),
            ))
            if isinstance(v, Entity):
                names.extend((tenant, normalize_name(n), v.lineage_id) for n in (v.name, *v.aliases))
            if isinstance(v, Event):
                parts.extend((tenant, p.entity_id, v.version_id, p.role) for p in v.participants)
            prov.extend((tenant, v.lineage_id, s.episode_id, _i(s.start), _i(s.end)) for s in v.provenance)
        prov.extend((tenant, lid, s.episode_id, _i(s.start), _i(s.end)) for lid, s in plan.provenance)
        conn.executemany(f"INSERT OR IGNORE INTO versions VALUES ({','.join('?' * 14)})", rows)
        conn.executemany("INSERT OR IGNORE INTO names VALUES (?, ?, ?)", names)
        sqlite_names.add(conn, tenant, [(name, entity_id) for _, name, entity_id in names])
        conn.executemany("INSERT OR IGNORE INTO participants VALUES (?, ?, ?, ?)", parts)
        conn.executemany("INSERT OR IGNORE INTO provenance VALUES (?, ?, ?, ?, ?)", prov)

    def _current(self, conn: sqlite3.Connection, tenant: str, lineage_id: str) -> AnyVersion | None:
        # `+expired_at`: look up by lineage. Without planner statistics (a new store's first batch) SQLite
        # may pick the (tenant, expired_at) index instead and scan every current version per lookup.
        found = self._select(conn, "tenant = ? AND lineage_id = ? AND +expired_at IS NULL", [tenant, lineage_id])
        return found[0] if found else None

    def _current_facts(self, conn: sqlite3.Connection, tenant: str, facts: list[FactInput]) -> list[Fact]:
        keys = {(f.subject_id, self.relations.canonical(f.relation)) for f in facts}
        out: list[Fact] = []
        for subject, relation in keys:
            out.extend(self._select(
                conn,
                "tenant = ? AND subject_id = ? AND relation = ? AND kind = 'fact' AND expired_at IS NULL",
                [tenant, subject, relation],
            ))
        return out

    def _known(self, conn: sqlite3.Connection, tenant: str, ids: Sequence[str]) -> set[str]:
        known: set[str] = set()
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            known.update(r[0] for r in conn.execute(
                f"SELECT id FROM episodes WHERE tenant = ? AND id IN ({marks})", [tenant, *chunk]))
        return known

    def correct_fact(self, tenant: str, lineage_id: str, *, valid: Interval | None = None,
                     value: FactInput | None = None, recorded_at: datetime | None = None,
                     reason: str = "correction") -> Fact:
        at = recorded_at or utcnow()
        with self._write() as conn:
            old = self._current(conn, tenant, lineage_id)
            if not isinstance(old, Fact):
                raise NotFoundError(f"no current fact {lineage_id!r} in tenant {tenant!r}; check the id with history")
            planner = FactPlanner(tenant, self._current_facts(conn, tenant, [_as_input(old)]), self.relations, at)
            new = planner.correct(old, valid=valid, fi=value, reason=reason)
            self._apply(conn, tenant, planner.plan)
            self._audit(conn, tenant, "api", "correct", reason, {"lineage_id": lineage_id})
        return new

    def retract(self, tenant: str, lineage_id: str, *, recorded_at: datetime | None = None,
                reason: str = "retraction") -> Fact:
        at = recorded_at or utcnow()
        with self._write() as conn:
            old = self._current(conn, tenant, lineage_id)
            if old is None:
                raise NotFoundError(f"nothing current with id {lineage_id!r} in tenant {tenant!r} to retract")
            plan = Plan()
            plan.expire_version(old, at)
            self._apply(conn, tenant, plan)
            self._audit(conn, tenant, "api", "retract", reason, {"lineage_id": lineage_id})
        return old.model_copy(update={"expired_at": at})  # type: ignore[return-value]

    def erase(self, tenant: str, *, actor: str, reason: str, episode_ids: Sequence[str] = (),
              entity_id: str | None = None) -> EraseReport:
        if not reason.strip() or not actor.strip():
            raise ConfigError("erase needs an actor and a reason; they go to the audit log")
        with self._write() as conn:
            lineages: set[str] = set()
            episodes = 0
            people: list[tuple[str | None, str | None]] = []
            for ep in episode_ids:
                row = conn.execute("SELECT rowid, text, speaker, addressee FROM episodes WHERE tenant = ? AND id = ?",
                                   (tenant, ep)).fetchone()
                if row is None:
                    continue
                episodes += 1
                people.append((row[2], row[3]))
                conn.execute("INSERT INTO episodes_fts (episodes_fts, rowid, text, speaker) VALUES "
                             "('delete', ?, ?, ?)", (row[0], row[1], row[2] or ""))
                conn.execute("DELETE FROM episodes WHERE rowid = ?", (row[0],))
                conn.execute("DELETE FROM embeddings WHERE tenant = ? AND episode_id = ?", (tenant, ep))
                supported = {r[0] for r in conn.execute(
                    "SELECT lineage_id FROM provenance WHERE tenant = ? AND episode_id = ?", (tenant, ep))}
                conn.execute("DELETE FROM provenance WHERE tenant = ? AND episode_id = ?", (tenant, ep))
                for lid in supported:
                    if conn.execute("SELECT 1 FROM provenance WHERE tenant = ? AND lineage_id = ? LIMIT 1",
                                    (tenant, lid)).fetchone() is None:
                        lineages.add(lid)
            sqlite_speakers.remove(conn, tenant, people)
            if entity_id is not None:
                lineages.add(entity_id)
                lineages.update(r[0] for r in conn.execute(
                    "SELECT DISTINCT lineage_id FROM versions WHERE tenant = ? AND (subject_id = ? OR object_id = ?)",
                    (tenant, entity_id, entity_id)))
                lineages.update(r[0] for r in conn.execute(
                    "SELECT DISTINCT v.lineage_id FROM participants p JOIN versions v ON v.version_id = p.version_id"
                    " WHERE p.tenant = ? AND p.entity_id = ?", (tenant, entity_id)))
            sqlite_names.remove(conn, tenant, lineages)  # an erased entity's names go with it
            versions = 0
            for lid in lineages:
                vids = [r[0] for r in conn.execute(
                    "SELECT version_id FROM versions WHERE tenant = ? AND lineage_id = ?", (tenant, lid))]
                versions += len(vids)
                conn.executemany("DELETE FROM participants WHERE version_id = ?", [(v,) for v in vids])
                conn.execute("DELETE FROM versions WHERE tenant = ? AND lineage_id = ?", (tenant, lid))
                conn.execute("DELETE FROM provenance WHERE tenant = ? AND lineage_id = ?", (tenant, lid))
                conn.execute("DELETE FROM links WHERE tenant = ? AND (source_id = ? OR target_id = ?)",
                             (tenant, lid, lid))
            audit_id = self._audit(conn, tenant, actor, "erase", reason,
                                   {"episodes": episodes, "versions": versions, "entity": entity_id is not None})
        self._vectors.forget(tenant)
        return EraseReport(episodes=episodes, versions=versions, audit_id=audit_id)

    def _audit(self, conn: sqlite3.Connection, tenant: str, actor: str, action: str, reason: str,
               details: dict[str, object]) -> str:
        now = utcnow()
        audit_id = stable_id("au", tenant, actor, action, now.isoformat(), json.dumps(details, sort_keys=True))
        conn.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (audit_id, tenant, to_us(now), actor, action, reason, json.dumps(details, sort_keys=True)))
        return audit_id

    def save_checkpoint(self, tenant: str, job_id: str, state: dict[str, object]) -> None:
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)",
                         (tenant, job_id, json.dumps(state, default=str), to_us(utcnow())))

    def load_checkpoint(self, tenant: str, job_id: str) -> dict[str, object] | None:
        row = self.conn.execute("SELECT state FROM checkpoints WHERE tenant = ? AND job_id = ?",
                                (tenant, job_id)).fetchone()
        return None if row is None else json.loads(row[0])

    # -- reads ----------------------------------------------------------------------------------
    def known_episodes(self, tenant: str, ids: Iterable[str]) -> set[str]:
        with self._read() as conn:
            return self._known(conn, tenant, list(ids))

    def episodes(self, tenant: str, ids: Sequence[str]) -> list[Episode]:
        out: dict[str, Episode] = {}
        with self._read() as conn:
            for chunk in _chunks(list(ids), 500):
                marks = ",".join("?" * len(chunk))
                for r in conn.execute(f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE tenant = ? AND id IN ({marks})",
                                      [tenant, *chunk]):
                    out[r[0]] = _episode(tenant, r)
        return [out[i] for i in ids if i in out]

    def speaking(self, tenant: str, names: Sequence[str]) -> set[str]:
        with self._read() as conn:
            return sqlite_speakers.speaking(conn, tenant, names)

    def _settled(self, conn: sqlite3.Connection, tenant: str, as_of: datetime | None) -> datetime | None:
        """`as_of`, or None (the latest belief) when nothing of the tenant was recorded or expired after it:
        then both select the same versions, and the latest belief's plans walk the current-version indexes
        (every GraphQL page pins asOf to when its first page ran). Call inside the read transaction."""
        if as_of is None:
            return None
        last = conn.execute("SELECT (SELECT max(recorded_at) FROM versions WHERE tenant = ?), "
                            "(SELECT max(expired_at) FROM versions WHERE tenant = ?)", (tenant, tenant)).fetchone()
        t = to_us(as_of)
        return None if all(x is None or x <= t for x in last) else as_of

    def _settled_basis(self, conn: sqlite3.Connection, tenant: str, rb: ResolvedBasis) -> ResolvedBasis:
        as_of = self._settled(conn, tenant, rb.as_of)
        return rb if as_of == rb.as_of else rb.model_copy(update={"as_of": as_of})

    def entity(self, tenant: str, entity_id: str, basis: Basis = Basis()) -> Entity | None:
        params: list[Any] = [tenant, entity_id]
        with self._read() as conn:
            tx = _tx_clause(self._settled(conn, tenant, basis.as_of), params)
            found = self._select(conn, f"tenant = ? AND lineage_id = ? AND kind = 'entity' AND {tx}", params)
        return found[0] if found else None

    def find_entities(self, tenant: str, name: str | None = None, *, type: str | None = None,
                      basis: Basis = Basis(), limit: int = 50, words: bool = False) -> list[Entity]:
        if words and name is not None:
            return self._entities_by_words(tenant, name, type, basis, limit)
        params: list[Any] = [tenant]
        where = "tenant = ? AND kind = 'entity'"
        if name is not None:
            where += (" AND rowid IN (SELECT v.rowid FROM names n CROSS JOIN versions v ON v.tenant = n.tenant AND "
                      "v.lineage_id = n.entity_id WHERE n.tenant = ? AND n.name = ?)")
            params += [tenant, normalize_name(name)]
        with self._read() as conn:
            where += " AND " + _tx_clause(self._settled(conn, tenant, basis.as_of), params)
            found: list[Entity] = self._select(conn, where, params, "ORDER BY name, rowid", limit)
        return [e for e in found if type is None or e.type == type]

    def _entities_by_words(self, tenant: str, name: str, type: str | None, basis: Basis,
                           limit: int) -> list[Entity]:
        wanted = name_words(name)
        if not wanted:
            return []
        ranked, params = sqlite_names.ranked(tenant, wanted)
        params.append(tenant)
        with self._read() as conn:
            tx = _tx_clause(self._settled(conn, tenant, basis.as_of), params)
            rows = conn.execute(
                f"SELECT v.kind, v.body, v.expired_at FROM ({ranked}) r CROSS JOIN versions v "
                f"ON v.tenant = ? AND v.lineage_id = r.entity_id AND v.kind = 'entity' AND {tx} "
                f"ORDER BY r.distance, v.name, v.rowid LIMIT {int(limit)}", params).fetchall()
            found: list[Entity] = self._versions(rows, conn)
        return [e for e in found if type is None or e.type == type]

    def _fact_where(self, tenant: str, query: FactQuery, rb: ResolvedBasis,
                    start_known: bool | None = None) -> tuple[str, list[Any]]:
        """The WHERE clause of a fact query (shared by reading and counting, so both see the same facts)."""
        params: list[Any] = [tenant]
        where = ["tenant = ? AND kind = 'fact'"]
        for column, value in (("subject_id", query.subject_id), ("object_id", query.object_id),
                              ("relation", query.relation and self.relations.canonical(query.relation))):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if query.entity_id is not None:
            # Two indexed lookups instead of an OR that the planner may answer with a scan.
            where.append("rowid IN (SELECT rowid FROM versions WHERE tenant = ? AND subject_id = ? "
                         "UNION ALL SELECT rowid FROM versions WHERE tenant = ? AND object_id = ?)")
            params += [tenant, query.entity_id, tenant, query.entity_id]
        if query.relations:
            where.append(f"relation IN ({','.join('?' * len(query.relations))})")
            params += [self.relations.canonical(r) for r in query.relations]
        for column, excluded in (("subject_id", query.exclude_subject_ids), ("object_id", query.exclude_object_ids),
                                 ("relation", query.exclude_relations and [
                                     self.relations.canonical(r) for r in query.exclude_relations])):
            if excluded:
                marks = ",".join("?" * len(excluded))
                where.append(f"({column} IS NULL OR {column} NOT IN ({marks}))")
                params += excluded
        if not query.all_versions:
            where.append(_tx_clause(rb.as_of, params))
            where.append(_valid_clause(rb, query.valid_overlaps, params, start_known))
        elif start_known is not None:
            where.append("valid_from IS NOT NULL" if start_known else "valid_from IS NULL")
        return " AND ".join(where), params

    def count_facts(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis(), *,
                    at_most: int | None = None) -> int:
        rb = basis.resolved()
        # A count of the facts valid at a point (now or believed at an asOf), by relation or not, matches a
        # large share of them: the covering `versions_by_state` counts them from index entries, where SQLite's
        # statistics pick a MULTI-INDEX OR on valid_from that reads every row (100k facts, 50k counted: 183 ->
        # 30 ms at an asOf). A subject, an object or a time window (which may be narrow: 836 facts in one early
        # month) can narrow it: the planner chooses then.
        broad = (query.valid_overlaps is None
                 and query.subject_id is None and query.object_id is None and query.entity_id is None)
        table = "versions INDEXED BY versions_by_state" if broad else "versions"
        with self._read() as conn:
            where, params = self._fact_where(tenant, query, self._settled_basis(conn, tenant, rb))
            sql = f"SELECT 1 FROM {table} WHERE {where}"
            if at_most is not None:
                sql, params = f"{sql} LIMIT ?", [*params, max(at_most, 0)]
            return int(conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])

    def fact_relations(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis()) -> dict[str, int]:
        with self._read() as conn:
            where, params = self._fact_where(tenant, query, self._settled_basis(conn, tenant, basis.resolved()))
            return {str(r): int(n) for r, n in conn.execute(
                f"SELECT relation, count(*) FROM versions WHERE {where} GROUP BY relation ORDER BY relation", params)}

    def facts(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis()) -> list[Fact]:
        with self._read() as conn:
            rb = self._settled_basis(conn, tenant, basis.resolved())

            def where_for(start_known: bool | None) -> tuple[str, list[Any]]:
                return self._fact_where(tenant, query, rb, start_known)

            return self._by_start(conn, where_for, query.limit)

    def _by_start(self, conn: sqlite3.Connection, where_for: Callable[[bool | None], tuple[str, list[Any]]],
                  limit: int | None) -> list[Any]:
        """Versions matching `where_for(start_known)`, open-start first, then in start order; ties in insertion
        order (rowid), so every plan returns the same list (an as-of read may run as the latest belief).

        With a limit, as two index scans that stop at the limit: one statement with that ORDER BY sorts
        every match first, which for a time window ("in 2019") is a tenth of a large memory (0.7 s at
        100k facts)."""
        if limit is None:
            return self._select(conn, *where_for(None),
                                "ORDER BY valid_from IS NOT NULL, valid_from, recorded_at, rowid")
        first: list[Any] = self._select(conn, *where_for(False), "ORDER BY recorded_at, rowid", limit)
        if len(first) >= limit:
            return first
        return first + self._select(conn, *where_for(True), "ORDER BY valid_from, recorded_at, rowid",
                                    limit - len(first))

    def events(self, tenant: str, query: EventQuery = EventQuery(), basis: Basis = Basis()) -> list[Event]:
        window = query.valid_overlaps or Interval()
        # The modality is in the body only: with that filter every match is read, then filtered and cut.
        pushed = query.limit if query.limit and not query.modalities else None
        with self._read() as conn:
            rb = self._settled_basis(conn, tenant, basis.resolved())

            def where_for(start_known: bool | None) -> tuple[str, list[Any]]:
                params: list[Any] = [tenant]
                where = ["tenant = ? AND kind = 'event'"]
                if query.participant_id is not None:
                    where.append("rowid IN (SELECT v.rowid FROM participants p CROSS JOIN versions v "
                                 "ON v.version_id = p.version_id WHERE p.tenant = ? AND p.entity_id = ?)")
                    params += [tenant, query.participant_id]
                if query.predicate is not None:
                    where.append("predicate = ?")
                    params.append(query.predicate)
                where.append(_tx_clause(rb.as_of, params))
                where.append(_valid_clause(rb, window, params, start_known))
                return " AND ".join(where), params

            found: list[Event] = self._by_start(conn, where_for, pushed)
        if query.modalities:
            found = [e for e in found if e.modality in query.modalities]
        return found[: query.limit] if query.limit else found

    def event_links(self, tenant: str, event_ids: Sequence[str]) -> list[EventLink]:
        out: list[EventLink] = []
        with self._read() as conn:
            for chunk in _chunks(list(event_ids), 400):
                marks = ",".join("?" * len(chunk))
                for r in conn.execute(
                    f"SELECT source_id, target_id, type, recorded_at, episode_id FROM links WHERE tenant = ? AND "
                    f"(source_id IN ({marks}) OR target_id IN ({marks}))", [tenant, *chunk, *chunk]):
                    out.append(EventLink(tenant=tenant, source_id=r[0], target_id=r[1], type=r[2],
                                         recorded_at=from_us(r[3]), episode_id=r[4]))
        return list(dict.fromkeys(out))

    def history(self, tenant: str, lineage_id: str) -> list[AnyVersion]:
        with self._read() as conn:
            return self._select(conn, "tenant = ? AND lineage_id = ?", [tenant, lineage_id],
                                "ORDER BY recorded_at, rowid")

    def timeline(self, tenant: str, entity_id: str, basis: Basis = Basis(),
                 window: Interval | None = None) -> list[TimelineItem]:
        rb = basis.resolved()
        window = window or Interval()
        with self._read():
            facts = self.facts(tenant, FactQuery(entity_id=entity_id, valid_overlaps=window), rb_basis(rb))
            events = self.events(tenant, EventQuery(participant_id=entity_id, valid_overlaps=window), rb_basis(rb))
        return timeline_items([*facts, *events])

    def _visible(self, conn: sqlite3.Connection, tenant: str, rb: ResolvedBasis) -> list[AnyVersion]:
        params: list[Any] = [tenant]
        tx = _tx_clause(self._settled(conn, tenant, rb.as_of), params)
        valid = _valid_clause(rb, None, params)
        return self._select(conn, f"tenant = ? AND {tx} AND {valid}", params)

    def diff(self, tenant: str, source: Basis, target: Basis) -> Diff:
        a, b = source.resolved(), target.resolved()
        with self._read() as conn:
            return diff_versions(a, self._visible(conn, tenant, a), b, self._visible(conn, tenant, b))

    def changes_since(self, tenant: str, since: datetime, limit: int = 1000) -> list[Change]:
        t = to_us(since)
        with self._read() as conn:
            found = self._select(conn, "tenant = ? AND (recorded_at >= ? OR expired_at >= ?)", [tenant, t, t])
        return changes_from(found, since)[:limit]

    @property
    def frequent_docs(self) -> int:
        """A query term found in at least this many episodes (all tenants) is "frequent" (see `sqlite_fts`).
        Above the turn count of a long conversation (LoCoMo's longest has ~700), so memories of that size
        rank by plain BM25; small enough that a search reads a few thousand index entries at most."""
        return self._fts.frequent_docs

    @frequent_docs.setter
    def frequent_docs(self, value: int) -> None:
        self._fts.frequent_docs = value

    def search_text(self, tenant: str, text: str, k: int = 10) -> list[SearchHit]:
        """BM25 over episode text (OR of the words), best first, at a cost bounded by the rare words."""
        with self._read() as conn:
            return self._fts.search(conn, tenant, text, k)

    def search_vector(self, tenant: str, vector: Sequence[float], k: int = 10, *,
                      exact: bool = False) -> list[SearchHit]:
        """The `k` episodes whose embeddings are nearest `vector` (cosine), best first.

        Exact (brute force) below `ann_min_rows` vectors, or with `exact=True`; approximate (IVF index, see
        `vector_index`) above, once the index is built: `warm` builds it (the API server does at startup);
        otherwise the first search starts a build on a background thread (a few seconds at 100k vectors,
        tens of seconds at 1M) and searches exactly until it is ready. Rows written since the build are
        scanned exactly; past 20% of them, or after an erase, the index is rebuilt the same way."""
        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        with self._read() as conn:
            vectors, ids, matrix = self._vectors.snapshot(conn, tenant, self._data_rev())
        n = matrix.shape[0]  # not len(ids): another thread may have appended to the list since
        if n == 0:
            return []
        index = vectors.ann(matrix) if not exact and n >= self.ann_min_rows else None
        with blas.one_thread:  # a query's products: two threads stall on a busy machine (see `blas`)
            if index is not None:
                rows, found = index.search(q, k, matrix)
            else:
                scores = matrix @ q
                top = top_k(scores, k)
                rows = top[np.argsort(-scores[top])]
                found = scores[rows]
        return [SearchHit(episode_id=ids[i], score=float(s))
                for i, s in zip(rows.tolist(), found.tolist(), strict=True)]

    def warm(self, tenant: str) -> None:
        if self.path == ":memory:":  # small, and its one connection is better not shared with a warming thread
            return
        if self.pin:
            self._pin_file()
        with self._read() as conn:
            vectors, _, matrix = self._vectors.snapshot(conn, tenant, self._data_rev())
        if matrix.shape[0] >= self.ann_min_rows:
            vectors.build(matrix)

    def _pin_file(self) -> None:
        """Lock the database file in RAM, again when it has grown since; a refusal is logged, not raised."""
        with self._pin_lock:
            if self._pinned is not None and self._pinned.size >= os.path.getsize(self.path):
                return
            try:
                pinned = file_pin.pin(self.path)
            except StoreError as exc:
                log.warning("%s", exc)
                self.pin = False  # said once; searches read through the page cache as usual
                return
            if self._pinned is not None:
                self._pinned.release()
            self._pinned = pinned

    def _matrix(self, tenant: str) -> tuple[np.ndarray, np.ndarray]:
        with self._read() as conn:
            _, ids, matrix = self._vectors.snapshot(conn, tenant, self._data_rev())
        return ids, matrix

    def _data_rev(self) -> int:
        # data_version changes when another connection (or process) commits; _rev counts our own commits.
        return self._rev * 1_000_003 + self.conn.execute("PRAGMA data_version").fetchone()[0]

    def stats(self, tenant: str) -> Stats:
        with self._read() as conn:
            episodes = conn.execute("SELECT count(*) FROM episodes WHERE tenant = ?", (tenant,)).fetchone()[0]
            counts = dict.fromkeys(("entity", "fact", "event"), 0)
            for kind, n in conn.execute(
                "SELECT kind, count(*) FROM versions WHERE tenant = ? AND expired_at IS NULL GROUP BY kind",
                (tenant,)):
                counts[kind] = n
            total, expired = conn.execute(
                "SELECT count(*), count(expired_at) FROM versions WHERE tenant = ?", (tenant,)).fetchone()
        return Stats(tenant=tenant, episodes=episodes, entities=counts["entity"], events=counts["event"],
                     facts=counts["fact"], versions=total, expired_versions=expired)

    def audit_log(self, tenant: str) -> list[dict[str, object]]:
        with self._read() as conn:
            rows = conn.execute("SELECT id, at, actor, action, reason, details FROM audit WHERE tenant = ? "
                                "ORDER BY at", (tenant,)).fetchall()
        return [{"id": r[0], "at": from_us(r[1]), "actor": r[2], "action": r[3], "reason": r[4],
                 "details": json.loads(r[5])} for r in rows]

    def tenants(self) -> list[str]:
        with self._read() as conn:
            return [r[0] for r in conn.execute(
                "SELECT tenant FROM episodes UNION SELECT tenant FROM versions ORDER BY tenant")]

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    # -- moving a memory between stores (tkgmem export) -----------------------------------------
    def export_records(self, tenant: str) -> Iterator[Any]:
        """The tenant's whole memory as records (see `tkgmem.store.records`), read in one snapshot."""
        from tkgmem.store.records import (
            AuditRecord,
            CheckpointRecord,
            EpisodeRecord,
            LinkRecord,
            ProvenanceRecord,
            VersionRecord,
        )

        with self._read() as conn:
            vectors = {r[0]: np.frombuffer(r[1], dtype=np.float32).tolist() for r in conn.execute(
                "SELECT episode_id, vector FROM embeddings WHERE tenant = ?", (tenant,))}
            for r in conn.execute(f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE tenant = ? "
                                  "ORDER BY recorded_at, rowid", (tenant,)):
                ep = _episode(tenant, r)
                yield EpisodeRecord(episode=ep, embedding=vectors.get(ep.id))
            for r in conn.execute("SELECT kind, body, expired_at FROM versions WHERE tenant = ? "
                                  "ORDER BY recorded_at, rowid", (tenant,)):
                yield VersionRecord(version=self._version(r[0], r[1], r[2]))
            for lid, ep_id, start, end in conn.execute(
                "SELECT lineage_id, episode_id, span_start, span_end FROM provenance WHERE tenant = ?", (tenant,)):
                yield ProvenanceRecord(lineage_id=lid, span=Span(episode_id=ep_id, start=None if start < 0 else start,
                                                                 end=None if end < 0 else end))
            for r in conn.execute("SELECT source_id, target_id, type, recorded_at, episode_id FROM links "
                                  "WHERE tenant = ?", (tenant,)):
                yield LinkRecord(link=EventLink(tenant=tenant, source_id=r[0], target_id=r[1], type=r[2],
                                                recorded_at=from_us(r[3]), episode_id=r[4]))
            for r in conn.execute("SELECT id, at, actor, action, reason, details FROM audit WHERE tenant = ? "
                                  "ORDER BY at", (tenant,)):
                yield AuditRecord(id=r[0], at=from_us(r[1]), actor=r[2], action=r[3], reason=r[4],
                                  details=json.loads(r[5]))
            for job_id, state, updated in conn.execute(
                "SELECT job_id, state, updated_at FROM checkpoints WHERE tenant = ? ORDER BY job_id", (tenant,)):
                yield CheckpointRecord(job_id=job_id, state=json.loads(state), updated_at=from_us(updated))

    def import_records(self, tenant: str, records: Iterable[Any], batch_size: int = 1000) -> None:
        """Stores exported records as they are (ids, both time axes, expiry kept); records already
        stored are skipped. One transaction per run of same-type records."""
        from tkgmem.store.records import runs

        for kind, batch in runs(records, batch_size):
            with self._write() as conn:
                if kind == "episode":
                    eps = [r.episode.model_copy(update={"tenant": tenant}) for r in batch]
                    known = self._known(conn, tenant, [e.id for e in eps])
                    fresh = list({e.id: e for e in eps if e.id not in known}.values())
                    vectors = {r.episode.id: r.embedding for r in batch if r.embedding is not None}
                    self._insert_episodes(conn, tenant, fresh, utcnow(), vectors)
                elif kind == "version":
                    plan = Plan()
                    plan.insert = [r.version.model_copy(update={"tenant": tenant, "provenance": ()}) for r in batch]
                    self._apply(conn, tenant, plan)
                elif kind == "provenance":
                    plan = Plan()
                    plan.provenance = [(r.lineage_id, r.span) for r in batch]
                    self._apply(conn, tenant, plan)
                elif kind == "link":
                    conn.executemany("INSERT OR IGNORE INTO links VALUES (?, ?, ?, ?, ?, ?)", [
                        (tenant, r.link.source_id, r.link.target_id, r.link.type.value,
                         to_us(r.link.recorded_at or utcnow()), r.link.episode_id) for r in batch])
                elif kind == "audit":
                    conn.executemany("INSERT OR IGNORE INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)", [
                        (r.id, tenant, to_us(r.at), r.actor, r.action, r.reason, json.dumps(r.details, sort_keys=True))
                        for r in batch])
                elif kind == "checkpoint":
                    conn.executemany("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)", [
                        (tenant, r.job_id, json.dumps(r.state, default=str), to_us(r.updated_at or utcnow()))
                        for r in batch])
        self._vectors.forget(tenant)

    def jobs(self, tenant: str) -> list[dict[str, object]]:
        with self._read() as conn:
            rows = conn.execute("SELECT job_id, state, updated_at FROM checkpoints WHERE tenant = ? "
                                "ORDER BY updated_at DESC, job_id", (tenant,)).fetchall()
        return [{**json.loads(r[1]), "job_id": r[0], "updated_at": from_us(r[2])} for r in rows]


def rb_basis(rb: ResolvedBasis) -> Basis:
    return Basis(valid_at=rb.valid_at, as_of=rb.as_of)


def _as_input(f: Fact) -> FactInput:
    return FactInput(subject_id=f.subject_id, relation=f.relation, object_id=f.object_id,
                     object_value=f.object_value, valid=f.valid)


def _i(v: int | None) -> int:
    return -1 if v is None else v


def _chunks(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
