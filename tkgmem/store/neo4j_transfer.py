"""Export and import for the Neo4j store: a tenant's whole memory as a stream of records.

Export reads page by page (each page its own read transaction) so a large memory never sits in memory;
import writes runs of same-type records in UNWIND batches, one write transaction per run, preserving
every id, both time axes, expiry and the supersedes chain. Both are idempotent: records already stored
are left as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from neo4j import ManagedTransaction

from tkgmem.store.neo4j_codec import (
    INSERT_QUERIES,
    audit_row,
    decode_embedding,
    decode_episode,
    decode_link,
    decode_span,
    decode_version,
    from_db_time,
    link_row,
    span_row,
    to_db_time,
    version_row,
)
from tkgmem.store.neo4j_tx import known_episodes, run, run_rows
from tkgmem.store.neo4j_write import insert_episodes
from tkgmem.store.records import (
    AuditRecord,
    CheckpointRecord,
    EpisodeRecord,
    LinkRecord,
    ProvenanceRecord,
    Record,
    VersionRecord,
    runs,
)
from tkgmem.temporal import utcnow

if TYPE_CHECKING:
    from tkgmem.store.neo4j import Neo4jStore


def _pages(store: Neo4jStore, name: str, tenant: str) -> Iterator[dict[str, Any]]:
    skip = 0
    while True:
        page = store._read(lambda tx, s=skip: run(tx, name, tenant=tenant, skip=s, limit=store.batch_size))
        yield from page
        if len(page) < store.batch_size:
            return
        skip += len(page)


def export_records(store: Neo4jStore, tenant: str) -> Iterator[Record]:
    for r in _pages(store, "episodes_export", tenant):
        yield EpisodeRecord(episode=decode_episode(r, tenant), embedding=decode_embedding(r))
    for r in _pages(store, "versions_export", tenant):
        yield VersionRecord(version=decode_version(r["kind"], r["body"], r["expired_at"]))
    for r in store._read(lambda tx: run(tx, "provenance_export", tenant=tenant)):
        yield ProvenanceRecord(lineage_id=r["lineage_id"], span=decode_span(r["episode_id"], r["start"], r["end"]))
    for r in store._read(lambda tx: run(tx, "event_links_export", tenant=tenant)):
        yield LinkRecord(link=decode_link(r, tenant))
    for a in store.audit_log(tenant):
        yield AuditRecord.model_validate(a)
    for r in store._read(lambda tx: run(tx, "checkpoints_list", tenant=tenant)):
        yield CheckpointRecord(job_id=r["job_id"], state=json.loads(r["state"]),
                               updated_at=from_db_time(r["updated_at"]))


def _import_run(tx: ManagedTransaction, tenant: str, kind: str, batch: list[Any], size: int) -> None:
    if kind == "episode":
        eps = {rec.episode.id: rec for rec in batch if isinstance(rec, EpisodeRecord)}
        known = known_episodes(tx, tenant, list(eps), size)
        fresh = [rec.episode.model_copy(update={"tenant": tenant}) for i, rec in eps.items() if i not in known]
        insert_episodes(tx, tenant, fresh, utcnow(), {i: rec.embedding for i, rec in eps.items()
                                                      if rec.embedding is not None}, size)
    elif kind == "version":
        vs = [rec.version.model_copy(update={"tenant": tenant, "provenance": ()}) for rec in batch]
        for k, name in INSERT_QUERIES.items():
            run_rows(tx, name, tenant, [version_row(v, tenant) for v in vs if v.kind == k], size)
    elif kind == "provenance":
        run_rows(tx, "provenance_link_lineages", tenant,
                 [span_row(rec.span, lineage_id=rec.lineage_id) for rec in batch], size)
    elif kind == "link":
        run_rows(tx, "event_links_insert", tenant,
                 [link_row(rec.link, rec.link.recorded_at or utcnow()) for rec in batch], size)
    elif kind == "audit":
        run_rows(tx, "audit_insert", tenant,
                 [audit_row(r.id, r.at, r.actor, r.action, r.reason, r.details) for r in batch], size)
    elif kind == "checkpoint":
        for rec in batch:
            assert isinstance(rec, CheckpointRecord)
            run(tx, "checkpoint_save", tenant=tenant, job_id=rec.job_id, state=json.dumps(rec.state, default=str),
                updated_at=to_db_time(rec.updated_at or utcnow()))


def import_records(store: Neo4jStore, tenant: str, records: Iterable[Record]) -> None:
    for kind, batch in runs(records, store.batch_size):
        store._write(_import_run, tenant, kind, batch, store.batch_size)


__all__ = ["export_records", "import_records"]
