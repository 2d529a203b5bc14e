"""The Neo4j store's write transactions: batches, corrections, retractions, erasure, checkpoints.

Each function is a transaction function for `session.execute_write`: the driver retries it on transient
errors, so it reads the state it plans on inside the transaction and keeps no state outside it. The
bi-temporal rules are the shared ones of `versioning.py`; this module only fetches and applies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction

from tkgmem.errors import ConfigError, NotFoundError
from tkgmem.model import (
    Batch,
    Entity,
    Episode,
    EraseReport,
    Event,
    EventLink,
    Fact,
    FactInput,
    LinkType,
    WriteReport,
    stable_id,
)
from tkgmem.relations import RelationRegistry
from tkgmem.store.neo4j_codec import (
    INSERT_QUERIES,
    audit_row,
    chunks,
    decode_link,
    episode_row,
    link_row,
    span_row,
    to_db_time,
    version_row,
)
from tkgmem.store.neo4j_tx import current, known_episodes, run, run_rows, versions
from tkgmem.store.speakers import People, form_counts
from tkgmem.store.versioning import FactPlanner, Plan, plan_entity, plan_event, plan_followers
from tkgmem.temporal import Interval, utcnow


def apply_plan(tx: ManagedTransaction, tenant: str, plan: Plan, size: int) -> None:
    """Insert the new versions (by kind, in plan order), expire the old ones, then link provenance."""
    for kind in ("entity", "fact", "event"):
        rows = [version_row(v, tenant) for v in plan.insert if v.kind == kind]
        if rows:
            run_rows(tx, INSERT_QUERIES[kind], tenant, rows, size)
    run_rows(tx, "versions_expire", tenant,
             [{"version_id": vid, "at": to_db_time(at)} for vid, at in plan.expire.items()], size)
    run_rows(tx, "provenance_link_versions", tenant,
             [span_row(s, version_id=v.version_id) for v in plan.insert for s in v.provenance], size)
    run_rows(tx, "provenance_link_lineages", tenant,
             [span_row(s, lineage_id=lid) for lid, s in plan.provenance], size)


def insert_episodes(tx: ManagedTransaction, tenant: str, episodes: Sequence[Episode], at: datetime,
                    embeddings: Mapping[str, Sequence[float]], size: int) -> None:
    """Store episodes none of which is stored yet, and count their participants in (`speakers_add`)."""
    run_rows(tx, "episodes_insert", tenant, [episode_row(e, at, embeddings.get(e.id))
                                             for e in episodes], size)
    _count_speakers(tx, "speakers_add", tenant, ((e.speaker, e.addressee) for e in episodes), size)


def _count_speakers(tx: ManagedTransaction, name: str, tenant: str, people: People, size: int) -> None:
    run_rows(tx, name, tenant, [{"form": f, "episodes": n} for f, n in sorted(form_counts(people).items())], size)


def lock(tx: ManagedTransaction, tenant: str, entity_ids: set[str], event_ids: set[str], size: int) -> None:
    """Write-lock the anchors a plan depends on, so concurrent writers of one subject take turns
    (read committed isolation would otherwise let two transactions plan on the same current version)."""
    for name, ids in (("lock_entities", entity_ids), ("lock_events", event_ids)):
        for part in chunks(sorted(ids), size):
            run(tx, name, tenant=tenant, ids=list(part))


def _merge(into: Plan, sub: Plan) -> None:
    into.expire.update(sub.expire)
    into.insert.extend(sub.insert)
    into.provenance.extend(sub.provenance)


def _current_facts(tx: ManagedTransaction, tenant: str, keys: set[tuple[str, str]], size: int) -> list[Fact]:
    out: list[Fact] = []
    rows = [{"subject_id": s, "relation": r} for s, r in sorted(keys)]
    for part in chunks(rows, size):
        out.extend(versions(tx, tenant, "facts_current_for_keys", size, keys=list(part)))
    return out


def write_batch(tx: ManagedTransaction, batch: Batch, recorded_at: datetime | None, relations: RelationRegistry,
                size: int) -> WriteReport:
    # The recording time is taken inside the transaction function, so it is never earlier than a write that
    # committed while this one waited for its locks (as-of reads of the last seconds stay stable).
    at = recorded_at or utcnow()
    tenant = batch.tenant
    report = WriteReport()
    ids = [e.id for e in batch.episodes]
    known = known_episodes(tx, tenant, ids, size)
    fresh = list({e.id: e for e in batch.episodes if e.id not in known}.values())  # a batch may repeat a record
    report.episodes_skipped = len(batch.episodes) - len(fresh)
    report.episodes_added = len(fresh)
    insert_episodes(tx, tenant, fresh, at, batch.embeddings, size)

    def new(item: Entity | Event | FactInput) -> bool:
        return not item.provenance or any(s.episode_id not in known for s in item.provenance)

    plan = Plan()
    entities = [e for e in batch.entities if new(e)]
    events = [e for e in batch.events if new(e)]
    facts = [f for f in batch.facts if new(f)]
    lock(tx, tenant, {e.lineage_id for e in entities} | {f.subject_id for f in facts},
         {e.lineage_id for e in events}, size)
    state: dict[str, Any] = current(tx, tenant, [e.lineage_id for e in entities + events], size)
    for entity in entities:
        cur = state.get(entity.lineage_id)
        sub = plan_entity(cur, entity.model_copy(update={"tenant": tenant}), at)
        report.entities_added += 1 if cur is None else 0
        _merge(plan, sub)
        if sub.insert:
            state[entity.lineage_id] = sub.insert[-1]
    if facts:
        keys = {(f.subject_id, relations.canonical(f.relation)) for f in facts}
        planner = FactPlanner(tenant, _current_facts(tx, tenant, keys, size), relations, at)
        for fi in facts:
            planner.add(fi)
        report.facts_added += sum(1 for v in planner.plan.insert if v.supersedes is None)
        report.facts_unchanged += planner.plan.unchanged
        report.versions_expired += len(planner.plan.expire)
        _merge(plan, planner.plan)
    moved: dict[str, tuple[Interval, Interval]] = {}
    for event in events:
        cur = state.get(event.lineage_id)
        sub = plan_event(cur, event.model_copy(update={"tenant": tenant}), at)
        report.events_added += 1 if cur is None else 0
        report.versions_expired += len(sub.expire)
        moved.update(sub.moved)
        _merge(plan, sub)
        if sub.insert:
            state[event.lineage_id] = sub.insert[-1]
    if moved:
        sub = _followers(tx, tenant, moved, batch.links, state, at, size)
        report.versions_expired += len(sub.expire)
        _merge(plan, sub)
    apply_plan(tx, tenant, plan, size)
    run_rows(tx, "event_links_insert", tenant,
             [link_row(lk, at) for lk in batch.links if lk.episode_id is None or lk.episode_id not in known], size)
    return report


def _followers(tx: ManagedTransaction, tenant: str, moved: dict[str, tuple[Interval, Interval]],
               batch_links: Sequence[EventLink], state: dict[str, Any], at: datetime, size: int) -> Plan:
    """Events dated by one this batch re-dated move with it (`versioning.plan_followers`): through the links
    stored before and the batch's own; `state` holds the current versions read or planned so far."""
    stored = [decode_link(r, tenant) for part in chunks(sorted(moved), size)
              for r in run(tx, "event_links_for", tenant=tenant, ids=list(part))]
    links = [lk for lk in [*stored, *batch_links] if lk.type is LinkType.DATED_BY and lk.target_id in moved]
    unread = {lk.source_id for lk in links} - set(state)
    if unread:
        lock(tx, tenant, set(), unread, size)
        state.update(current(tx, tenant, sorted(unread), size))
    return plan_followers(moved, links, {i: v for i, v in state.items() if isinstance(v, Event)}, at)


def audit(tx: ManagedTransaction, tenant: str, actor: str, action: str, reason: str,
          details: dict[str, object]) -> str:
    now = utcnow()
    audit_id = stable_id("au", tenant, actor, action, now.isoformat(), json.dumps(details, sort_keys=True))
    run(tx, "audit_insert", tenant=tenant, rows=[audit_row(audit_id, now, actor, action, reason, details)])
    return audit_id


def correct_fact(tx: ManagedTransaction, tenant: str, lineage_id: str, valid: Interval | None,
                 value: FactInput | None, at: datetime, reason: str, relations: RelationRegistry,
                 size: int) -> Fact:
    old = _locked_current(tx, tenant, lineage_id, size)
    if not isinstance(old, Fact):
        raise NotFoundError(f"no current fact {lineage_id!r} in tenant {tenant!r}; check the id with history")
    planner = FactPlanner(tenant, _current_facts(tx, tenant, {(old.subject_id, old.relation)}, size), relations, at)
    new = planner.correct(old, valid=valid, fi=value, reason=reason)
    apply_plan(tx, tenant, planner.plan, size)
    audit(tx, tenant, "api", "correct", reason, {"lineage_id": lineage_id})
    return new


def _locked_current(tx: ManagedTransaction, tenant: str, lineage_id: str, size: int) -> Any:
    """The current version of a lineage, read again after locking its anchor (facts: their subject)."""
    old = current(tx, tenant, [lineage_id], size).get(lineage_id)
    if old is None:
        return None
    if isinstance(old, Fact):
        lock(tx, tenant, {old.subject_id}, set(), size)
    else:
        lock(tx, tenant, {lineage_id} if isinstance(old, Entity) else set(),
             {lineage_id} if isinstance(old, Event) else set(), size)
    return current(tx, tenant, [lineage_id], size).get(lineage_id)


def retract(tx: ManagedTransaction, tenant: str, lineage_id: str, at: datetime, reason: str, size: int) -> Any:
    old = _locked_current(tx, tenant, lineage_id, size)
    if old is None:
        raise NotFoundError(f"nothing current with id {lineage_id!r} in tenant {tenant!r} to retract")
    plan = Plan()
    plan.expire_version(old, at)
    apply_plan(tx, tenant, plan, size)
    audit(tx, tenant, "api", "retract", reason, {"lineage_id": lineage_id})
    return old.model_copy(update={"expired_at": at})


def erase(tx: ManagedTransaction, tenant: str, actor: str, reason: str, episode_ids: Sequence[str],
          entity_id: str | None, size: int) -> EraseReport:
    if not reason.strip() or not actor.strip():
        raise ConfigError("erase needs an actor and a reason; they go to the audit log")
    lineages: set[str] = set()
    episodes = 0
    supported: set[str] = set()
    people: list[tuple[str | None, str | None]] = []
    for part in chunks(list(dict.fromkeys(episode_ids)), size):
        for r in run(tx, "erase_episodes", tenant=tenant, ids=list(part)):
            episodes += 1
            supported.update(r["supported"])
            people.append((r["speaker"], r["addressee"]))
    _count_speakers(tx, "speakers_remove", tenant, people, size)
    for part in chunks(sorted(supported), size):
        lineages.update(r["lineage_id"] for r in run(tx, "lineages_unsupported", tenant=tenant,
                                                      lineage_ids=list(part)))
    if entity_id is not None:
        lineages.add(entity_id)
        lineages.update(r["lineage_id"] for r in run(tx, "entity_dependents", tenant=tenant, entity_id=entity_id))
    count = 0
    for part in chunks(sorted(lineages), size):
        count += sum(r["versions"] for r in run(tx, "erase_lineages", tenant=tenant, lineage_ids=list(part)))
        run(tx, "erase_event_anchors", tenant=tenant, lineage_ids=list(part))
        run(tx, "erase_entity_anchors", tenant=tenant, lineage_ids=list(part))
    audit_id = audit(tx, tenant, actor, "erase", reason,
                     {"episodes": episodes, "versions": count, "entity": entity_id is not None})
    return EraseReport(episodes=episodes, versions=count, audit_id=audit_id)


def save_checkpoint(tx: ManagedTransaction, tenant: str, job_id: str, state: dict[str, object]) -> None:
    run(tx, "checkpoint_save", tenant=tenant, job_id=job_id, state=json.dumps(state, default=str),
        updated_at=to_db_time(utcnow()))
