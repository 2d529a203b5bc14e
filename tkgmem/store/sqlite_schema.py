"""DDL of the embedded store, as an ordered list of migrations; `user_version` records the one applied.
A migration is DDL (statements separated by semicolons) or a function of the connection, for one that
fills a new table from Python. Each runs in its own transaction.

Times are INTEGER microseconds since the Unix epoch (UTC); NULL is an open end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tkgmem.store import sqlite_names, sqlite_speakers

MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
    # 1: the initial schema
    """
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE IF NOT EXISTS episodes (
        tenant TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL,
        session TEXT, speaker TEXT, addressee TEXT, text TEXT NOT NULL,
        reference_time INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0, metadata TEXT NOT NULL DEFAULT '{}',
        recorded_at INTEGER NOT NULL,
        UNIQUE (tenant, id)
    );
    CREATE INDEX IF NOT EXISTS episodes_by_time ON episodes (tenant, reference_time);
    CREATE INDEX IF NOT EXISTS episodes_by_source ON episodes (tenant, source, seq);
    CREATE VIRTUAL TABLE IF NOT EXISTS episodes_fts USING fts5 (
        text, speaker, content='episodes', content_rowid='rowid', tokenize='porter unicode61'
    );

    CREATE TABLE IF NOT EXISTS versions (
        version_id TEXT PRIMARY KEY, lineage_id TEXT NOT NULL, tenant TEXT NOT NULL, kind TEXT NOT NULL,
        valid_from INTEGER, valid_to INTEGER, recorded_at INTEGER NOT NULL, expired_at INTEGER,
        subject_id TEXT, relation TEXT, object_id TEXT, name TEXT, predicate TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS versions_lineage ON versions (tenant, lineage_id, recorded_at);
    CREATE INDEX IF NOT EXISTS versions_subject ON versions (tenant, subject_id, relation, expired_at);
    CREATE INDEX IF NOT EXISTS versions_object ON versions (tenant, object_id, expired_at);
    CREATE INDEX IF NOT EXISTS versions_kind_valid ON versions (tenant, kind, valid_from);
    CREATE INDEX IF NOT EXISTS versions_recorded ON versions (tenant, recorded_at);
    CREATE INDEX IF NOT EXISTS versions_expired ON versions (tenant, expired_at);  -- replaced in 2

    CREATE TABLE IF NOT EXISTS names (
        tenant TEXT NOT NULL, name TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (tenant, name, entity_id)
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS participants (
        tenant TEXT NOT NULL, entity_id TEXT NOT NULL, version_id TEXT NOT NULL, role TEXT NOT NULL,
        PRIMARY KEY (tenant, entity_id, version_id, role)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS participants_version ON participants (version_id);

    CREATE TABLE IF NOT EXISTS provenance (
        tenant TEXT NOT NULL, lineage_id TEXT NOT NULL, episode_id TEXT NOT NULL,
        span_start INTEGER NOT NULL DEFAULT -1, span_end INTEGER NOT NULL DEFAULT -1,
        PRIMARY KEY (tenant, lineage_id, episode_id, span_start, span_end)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS provenance_episode ON provenance (tenant, episode_id);

    CREATE TABLE IF NOT EXISTS links (
        tenant TEXT NOT NULL, source_id TEXT NOT NULL, target_id TEXT NOT NULL, type TEXT NOT NULL,
        recorded_at INTEGER NOT NULL, episode_id TEXT,
        PRIMARY KEY (tenant, source_id, target_id, type)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS links_target ON links (tenant, target_id);

    CREATE TABLE IF NOT EXISTS embeddings (
        tenant TEXT NOT NULL, episode_id TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (tenant, episode_id)
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS audit (
        id TEXT PRIMARY KEY, tenant TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, reason TEXT NOT NULL, details TEXT NOT NULL
    );

    CREATE TABLE IF NOT EXISTS checkpoints (
        tenant TEXT NOT NULL, job_id TEXT NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, job_id)
    );
    """,
    # 2: `stats` counts current versions by kind from one covering index (310 -> 40 ms at 111k versions);
    # the old (tenant, expired_at) index is its prefix, so it goes.
    """
    CREATE INDEX IF NOT EXISTS versions_expired_kind ON versions (tenant, expired_at, kind);  -- replaced in 4
    DROP INDEX IF EXISTS versions_expired;
    """,
    # 3: planner statistics for the index of 2. A store upgraded to 2 had none for it until its next
    # ANALYZE, and without them SQLite took the index as selective and answered a subject's facts, or
    # a time window's, by reading every current version: 0.05 -> 48 ms and 1.6 -> 68 ms at 100k facts.
    # Every migration that adds an index must refresh the statistics the same way.
    """
    ANALYZE versions;
    """,
    # 4: fact counts read index entries only. After the prefix of 2 (which it replaces) come every column a
    # count without a subject or object filters on: both time axes and the relation. Counts of a time window
    # or at an asOf had read each matching row from the table (100k facts: 113 -> 21 ms and 179 -> 30 ms;
    # a month at 1M took 2.5-3.5 s).
    """
    CREATE INDEX IF NOT EXISTS versions_by_state
        ON versions (tenant, expired_at, kind, valid_from, valid_to, recorded_at, relation);
    DROP INDEX IF EXISTS versions_expired_kind;
    ANALYZE versions;
    """,
    # 5: who speaks or is spoken to in each tenant's episodes, for `Store.speaking` (`sqlite_speakers`): a
    # question's names are one index lookup, not a full-text probe each. Filled from the stored episodes.
    sqlite_speakers.backfill,
    # 6: the words of every entity name (`sqlite_names`), so a name no entity has exactly is resolved by an
    # index lookup per word, not by reading every entity; both name tables indexed by entity, so an erased
    # entity's names are deleted with it. Filled from the stored names.
    sqlite_names.backfill,
]

SCHEMA_VERSION = len(MIGRATIONS)
