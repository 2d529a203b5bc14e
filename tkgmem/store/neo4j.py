"""The production store: Neo4j 5 through the official driver, with the same bi-temporal semantics as SQLite.

Graph model (readable in Neo4j Browser; see docs/neo4j.md):
  (:Entity {id, name, type, names})-[:VERSION]->(:Version:EntityVersion)
  (:Event {id, predicate, summary})-[:VERSION]->(:Version:EventVersion)-[:PARTICIPANT {role}]->(:Entity)
  (:Version:Fact)-[:SUBJECT]->(:Entity), (:Version:Fact)-[:OBJECT]->(:Entity)
  (:Version)-[:SUPERSEDES]->(:Version), (:Version)-[:MENTIONED_IN {start, end}]->(:Episode)
  (:Event)-[:BEFORE|CAUSE|PART_OF|FOLLOW_UP|DATED_BY]->(:Event)
  (:Speaker {tenant, form, episodes}), (:NameWord {tenant, word, name, entity_id, words}): lookup tables
Every version keeps both time axes as native DATETIME properties (valid_from, valid_to, recorded_at,
expired_at) plus lineage_id and tenant. Reads run in `execute_read` (routed to readers in a cluster),
writes in `execute_write` (retried on transient errors), each query from the packaged Cypher library.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import AuthError, ServiceUnavailable

from tkgmem.errors import ConfigError, StoreError
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
    SearchHit,
    Stats,
    TimelineItem,
    WriteReport,
    name_words,
    normalize_name,
)
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry
from tkgmem.settings import Settings
from tkgmem.store import neo4j_transfer, neo4j_write
from tkgmem.store.neo4j_codec import (
    VECTOR_DIMENSIONS,
    chunks,
    cosine_from_score,
    decode_audit,
    decode_episode,
    decode_link,
    from_db_time,
    lucene_query,
    pad_vector,
    to_db_time,
)
from tkgmem.store.neo4j_tx import known_episodes, run, versions
from tkgmem.store.queries import schema_files, schema_version
from tkgmem.store.records import Record
from tkgmem.store.speakers import asked_forms, speaking_names
from tkgmem.store.views import changes_from, diff_versions, timeline_items
from tkgmem.temporal import Basis, Interval, ResolvedBasis, utcnow

T = TypeVar("T")
AnyVersion = Entity | Fact | Event
_BIG = 2**62  # LIMIT when the caller gives none
# Fact reads by their most selective filter (same basis rules in each; see cypher/facts_*.cypher).
FACT_QUERIES = {"subject": "facts_by_subject", "entity": "facts_by_entity", "scan": "facts_scan"}


class Neo4jStore:
    """`neo4j://host:7687` (routing, clusters) or `bolt://host:7687` (one server); credentials from Settings."""

    def __init__(self, url: str, settings: Settings | None = None, relations: RelationRegistry = DEFAULT_RELATIONS,
                 *, batch_size: int | None = None, auto_migrate: bool = True, driver: Driver | None = None) -> None:
        settings = settings or Settings.from_env()
        self.url = url
        self.relations = relations
        self.database = settings.neo4j_database or None
        self.batch_size = batch_size or settings.batch_size
        self._driver = driver or GraphDatabase.driver(url, auth=(settings.neo4j_user, settings.neo4j_password))
        try:
            self._driver.verify_connectivity()
        except AuthError as exc:
            raise ConfigError(f"Neo4j at {url} refused the credentials; set TKGMEM_NEO4J_USER and "
                              "TKGMEM_NEO4J_PASSWORD") from exc
        except (ServiceUnavailable, OSError, ValueError) as exc:
            raise StoreError(f"cannot reach Neo4j at {url} ({exc}); is the server running and the URL right?") from exc
        if auto_migrate and self._read(lambda tx: _version(tx)) != schema_version():
            self.migrate()

    # -- transactions ---------------------------------------------------------------------------
    def _read(self, fn: Callable[..., T], *args: Any) -> T:
        with self._driver.session(database=self.database) as session:
            return session.execute_read(fn, *args)

    def _write(self, fn: Callable[..., T], *args: Any) -> T:
        with self._driver.session(database=self.database) as session:
            return session.execute_write(fn, *args)

    # -- lifecycle ------------------------------------------------------------------------------
    def migrate(self) -> int:
        target = schema_version()
        found = self._read(lambda tx: _version(tx))
        if found is not None and found > target:
            raise StoreError(f"{self.url} has schema version {found}, newer than this tkgmem ({target}); "
                             "upgrade tkgmem")
        for _number, _name, statements in schema_files():
            for statement in statements:  # schema commands cannot share a transaction with data writes
                self._write(lambda tx, s=statement: tx.run(s).consume())
        self._write(lambda tx: run(tx, "await_indexes", seconds=300))
        if found is None or found < _SPEAKER_COUNTS:  # episodes written before the counts were kept
            self._write(lambda tx: run(tx, "speakers_backfill"))
        if found is None or found < _NAME_WORDS:  # entities written before their names' words were indexed
            self._index_name_words()
        self._write(lambda tx: run(tx, "schema_version_set", version=target))
        return target

    def _index_name_words(self) -> None:
        """Index the words of every stored name, `batch_size` entities per transaction (a large graph's
        words would not fit one transaction's memory); an interrupted upgrade starts over harmlessly."""
        after = ("", "")
        while True:
            page = self._write(lambda tx, a=after: run(tx, "name_words_backfill", after_tenant=a[0], after_id=a[1],
                                                       size=self.batch_size))[0]
            if page["entities"] < self.batch_size:
                return
            after = (page["tenant"], page["id"])

    def close(self) -> None:
        self._driver.close()

    # -- writes ---------------------------------------------------------------------------------
    def write(self, batch: Batch, *, recorded_at: datetime | None = None) -> WriteReport:
        return self._write(neo4j_write.write_batch, batch, recorded_at, self.relations, self.batch_size)

    def correct_fact(self, tenant: str, lineage_id: str, *, valid: Interval | None = None,
                     value: FactInput | None = None, recorded_at: datetime | None = None,
                     reason: str = "correction") -> Fact:
        return self._write(neo4j_write.correct_fact, tenant, lineage_id, valid, value, recorded_at or utcnow(),
                           reason, self.relations, self.batch_size)

    def retract(self, tenant: str, lineage_id: str, *, recorded_at: datetime | None = None,
                reason: str = "retraction") -> Fact:
        return self._write(neo4j_write.retract, tenant, lineage_id, recorded_at or utcnow(), reason,
                           self.batch_size)

    def erase(self, tenant: str, *, actor: str, reason: str, episode_ids: Sequence[str] = (),
              entity_id: str | None = None) -> EraseReport:
        return self._write(neo4j_write.erase, tenant, actor, reason, list(episode_ids), entity_id, self.batch_size)

    def save_checkpoint(self, tenant: str, job_id: str, state: dict[str, object]) -> None:
        self._write(neo4j_write.save_checkpoint, tenant, job_id, state)

    def load_checkpoint(self, tenant: str, job_id: str) -> dict[str, object] | None:
        rows = self._read(lambda tx: run(tx, "checkpoint_load", tenant=tenant, job_id=job_id))
        return None if not rows else json.loads(rows[0]["state"])

    def jobs(self, tenant: str) -> list[dict[str, object]]:
        rows = self._read(lambda tx: run(tx, "checkpoints_list", tenant=tenant))
        return [{**json.loads(r["state"]), "job_id": r["job_id"], "updated_at": from_db_time(r["updated_at"])}
                for r in rows]

    # -- reads ----------------------------------------------------------------------------------
    def known_episodes(self, tenant: str, ids: Iterable[str]) -> set[str]:
        return self._read(lambda tx: known_episodes(tx, tenant, list(ids), self.batch_size))

    def episodes(self, tenant: str, ids: Sequence[str]) -> list[Episode]:
        def work(tx: ManagedTransaction) -> dict[str, Episode]:
            return {r["id"]: decode_episode(r, tenant) for part in chunks(list(ids), self.batch_size)
                    for r in run(tx, "episodes_get", tenant=tenant, ids=list(part))}
        found = self._read(work)
        return [found[i] for i in ids if i in found]

    def speaking(self, tenant: str, names: Sequence[str]) -> set[str]:
        asked = asked_forms(names)
        if not asked:
            return set()
        rows = self._read(lambda tx: run(tx, "episodes_speaking", tenant=tenant, names=sorted(set(asked.values()))))
        return speaking_names(asked, (r["name"] for r in rows))

    def _versions(self, tenant: str, name: str, /, **params: Any) -> list[Any]:
        return self._read(lambda tx: versions(tx, tenant, name, self.batch_size, **params))

    def entity(self, tenant: str, entity_id: str, basis: Basis = Basis()) -> Entity | None:
        found = self._versions(tenant, "entity_at", entity_id=entity_id, as_of=to_db_time(basis.as_of))
        return found[0] if found else None

    def find_entities(self, tenant: str, name: str | None = None, *, type: str | None = None,
                      basis: Basis = Basis(), limit: int = 50, words: bool = False) -> list[Entity]:
        as_of = to_db_time(basis.as_of)
        found: list[Entity]
        if words and name is not None:
            wanted = sorted(name_words(name))
            found = self._versions(tenant, "entities_find_words", words=wanted, as_of=as_of,
                                   limit=limit) if wanted else []
        elif name is not None:
            found = self._versions(tenant, "entities_find_name", name=normalize_name(name), as_of=as_of, limit=limit)
        else:
            found = self._versions(tenant, "entities_find", as_of=as_of, limit=limit)
        return [e for e in found if type is None or e.type == type]

    def _fact_params(self, query: FactQuery, basis: Basis) -> dict[str, Any]:
        """The filter and basis parameters every fact query takes (reading and counting alike)."""
        rb = basis.resolved()
        window = query.valid_overlaps
        canonical = self.relations.canonical
        return dict(
            subject_id=query.subject_id, object_id=query.object_id, entity_id=query.entity_id,
            relation=query.relation and canonical(query.relation),
            relations=[canonical(r) for r in query.relations] if query.relations else None,
            exclude_subjects=query.exclude_subject_ids or None, exclude_objects=query.exclude_object_ids or None,
            exclude_relations=[canonical(r) for r in query.exclude_relations] if query.exclude_relations else None,
            as_of=to_db_time(rb.as_of), valid_at=to_db_time(rb.valid_at), use_window=window is not None,
            window_start=to_db_time(window.start) if window else None,
            window_end=to_db_time(window.end) if window else None, all_versions=query.all_versions,
        )

    def facts(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis()) -> list[Fact]:
        name = FACT_QUERIES["subject" if query.subject_id else "entity" if query.entity_id else "scan"]
        return self._versions(tenant, name, **self._fact_params(query, basis),
                              limit=query.limit if query.limit is not None else _BIG)

    def count_facts(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis(), *,
                    at_most: int | None = None) -> int:
        params = self._fact_params(query, basis)
        at_most = _BIG if at_most is None else max(at_most, 0)
        return int(self._read(lambda tx: run(tx, "facts_count", tenant=tenant, at_most=at_most, **params))[0]["facts"])

    def fact_relations(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis()) -> dict[str, int]:
        rows = self._read(lambda tx: run(tx, "facts_by_relation", tenant=tenant, **self._fact_params(query, basis)))
        return {str(r["relation"]): int(r["facts"]) for r in rows}

    def events(self, tenant: str, query: EventQuery = EventQuery(), basis: Basis = Basis()) -> list[Event]:
        rb = basis.resolved()
        window = query.valid_overlaps or Interval()
        # The modality is in the body only: with that filter every match is read, then filtered and cut.
        pushed = query.limit if query.limit and not query.modalities else _BIG
        found: list[Event] = self._versions(
            tenant, "events_query", participant_id=query.participant_id, predicate=query.predicate,
            as_of=to_db_time(rb.as_of), window_start=to_db_time(window.start), window_end=to_db_time(window.end),
            limit=pushed)
        if query.modalities:
            found = [e for e in found if e.modality in query.modalities]
        return found[: query.limit] if query.limit else found

    def event_links(self, tenant: str, event_ids: Sequence[str]) -> list[EventLink]:
        def work(tx: ManagedTransaction) -> list[EventLink]:
            return [decode_link(r, tenant) for part in chunks(list(event_ids), self.batch_size)
                    for r in run(tx, "event_links_for", tenant=tenant, ids=list(part))]
        return list(dict.fromkeys(self._read(work)))

    def history(self, tenant: str, lineage_id: str) -> list[AnyVersion]:
        return self._versions(tenant, "history", lineage_id=lineage_id)

    def timeline(self, tenant: str, entity_id: str, basis: Basis = Basis(),
                 window: Interval | None = None) -> list[TimelineItem]:
        rb = basis.resolved()
        window = window or Interval()
        fixed = Basis(valid_at=rb.valid_at, as_of=rb.as_of)
        facts = self.facts(tenant, FactQuery(entity_id=entity_id, valid_overlaps=window), fixed)
        events = self.events(tenant, EventQuery(participant_id=entity_id, valid_overlaps=window), fixed)
        return timeline_items([*facts, *events])

    def _visible(self, tenant: str, rb: ResolvedBasis) -> list[AnyVersion]:
        return self._versions(tenant, "versions_visible", as_of=to_db_time(rb.as_of), valid_at=to_db_time(rb.valid_at))

    def diff(self, tenant: str, source: Basis, target: Basis) -> Diff:
        a, b = source.resolved(), target.resolved()
        return diff_versions(a, self._visible(tenant, a), b, self._visible(tenant, b))

    def changes_since(self, tenant: str, since: datetime, limit: int = 1000) -> list[Change]:
        found = self._versions(tenant, "versions_changed_since", since=to_db_time(since))
        return changes_from(found, since)[:limit]

    def search_text(self, tenant: str, text: str, k: int = 10) -> list[SearchHit]:
        query = lucene_query(text)
        if not query or k <= 0:
            return []
        rows = self._read(lambda tx: run(tx, "search_text", tenant=tenant, query=query, k=k))
        return [SearchHit(episode_id=r["id"], score=float(r["score"])) for r in rows]

    def search_vector(self, tenant: str, vector: Sequence[float], k: int = 10) -> list[SearchHit]:
        """Native vector index; it spans tenants, so ask for more neighbours until k of ours are found."""
        q = pad_vector(vector, VECTOR_DIMENSIONS)
        if k <= 0 or not any(q):
            return []
        candidates = max(4 * k, 40)
        while True:
            rows = self._read(lambda tx, n=candidates: run(tx, "search_vector", tenant=tenant, candidates=n, vector=q))
            mine = [r for r in rows if r["mine"]]
            if len(mine) >= k or len(rows) < candidates:
                break
            candidates *= 4
        return [SearchHit(episode_id=r["id"], score=cosine_from_score(r["score"])) for r in mine[:k]]

    def warm(self, tenant: str) -> None:
        return None  # the database's own indexes serve the first search

    def stats(self, tenant: str) -> Stats:
        def work(tx: ManagedTransaction) -> tuple[int, list[dict[str, Any]]]:
            episodes = run(tx, "episodes_count", tenant=tenant)[0]["episodes"]
            return episodes, run(tx, "version_counts", tenant=tenant)

        episodes, rows = self._read(work)
        total = {r["kind"]: r["total"] for r in rows}
        expired = {r["kind"]: r["expired"] for r in rows}
        current = {k: total.get(k, 0) - expired.get(k, 0) for k in ("entity", "fact", "event")}
        return Stats(tenant=tenant, episodes=episodes, entities=current["entity"], events=current["event"],
                     facts=current["fact"], versions=sum(total.values()), expired_versions=sum(expired.values()))

    def audit_log(self, tenant: str) -> list[dict[str, object]]:
        return [decode_audit(r) for r in self._read(lambda tx: run(tx, "audit_list", tenant=tenant))]

    def tenants(self) -> list[str]:
        return sorted({r["tenant"] for r in self._read(lambda tx: run(tx, "tenants"))})

    # -- moving a memory between stores ---------------------------------------------------------
    def export_records(self, tenant: str) -> Iterator[Record]:
        return neo4j_transfer.export_records(self, tenant)

    def import_records(self, tenant: str, records: Iterable[Record]) -> None:
        neo4j_transfer.import_records(self, tenant, records)


_SPEAKER_COUNTS = 4  # the schema from which writes keep (:Speaker) counts (schema/004_speakers.cypher)
_NAME_WORDS = 5  # the schema from which entity writes index their names' words (schema/005_name_words.cypher)


def _version(tx: ManagedTransaction) -> int | None:
    rows = run(tx, "schema_version_get")
    return None if not rows else int(rows[0]["version"])
