"""Root query fields. Each takes an optional `basis` (validAt, asOf) that its nested fields inherit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from tkgmem.errors import InputError, NotFoundError
from tkgmem.graphql.connections import (
    Connection,
    PageArgs,
    page_basis,
    paginate,
    prefix_limit,
    scan,
    wants_total,
)
from tkgmem.graphql.context import as_basis, ctx
from tkgmem.graphql.filters import (
    EntityWhere,
    EventWhere,
    FactWhere,
    entity_lookup,
    event_exact,
    event_query,
    fact_exact,
    fact_query,
    match_entity,
    match_event,
    match_fact,
)
from tkgmem.graphql.limits import check_page_size
from tkgmem.graphql.questions import QuestionQuery
from tkgmem.graphql.results import (
    ChangeType,
    DiffEntryType,
    DiffType,
    HistoryType,
    MeType,
    StatsType,
)
from tkgmem.graphql.types import EntityNode, EpisodeNode, EventNode, FactNode, VersionNode, node_of
from tkgmem.graphql.values import BasisInput, BasisType
from tkgmem.memory import Memory
from tkgmem.model import Diff, DiffEntry, Entity, Event, EventQuery, Fact, FactQuery
from tkgmem.store.views import diff_versions
from tkgmem.temporal import Interval, ResolvedBasis

_PAGING = "Relay paging: `first`/`after` forward, `last`/`before` backward."


def _neighbourhood(memory: Memory, entity_id: str, rb: ResolvedBasis) -> list[Entity | Fact | Event]:
    """What the whole-tenant diff would show about one entity: itself, its facts, its events."""
    basis = as_basis(rb)
    point = Interval(start=rb.valid_at, end=rb.valid_at + timedelta(microseconds=1))
    found: list[Entity | Fact | Event] = []
    entity = memory.store.entity(memory.tenant, entity_id, basis)
    if entity is not None and entity.valid.contains(rb.valid_at):
        found.append(entity)
    found.extend(memory.facts(FactQuery(entity_id=entity_id), basis))
    found.extend(e for e in memory.events(EventQuery(participant_id=entity_id, valid_overlaps=point), basis)
                 if e.valid.contains(rb.valid_at))
    return found


def _entity_diff(memory: Memory, entity_id: str, source: ResolvedBasis, target: ResolvedBasis) -> Diff:
    return diff_versions(source, _neighbourhood(memory, entity_id, source), target,
                         _neighbourhood(memory, entity_id, target))


@strawberry.type
class Query(QuestionQuery):
    @strawberry.field(description="The caller's key, tenant and role.")
    def me(self, info: strawberry.Info) -> MeType:
        p = ctx(info).principal
        return MeType(key_id=p.key_id, tenant=p.tenant, role=p.role.value)

    @strawberry.field(description="One entity by id or by name/alias, at the basis.")
    async def entity(self, info: strawberry.Info, id: strawberry.ID | None = None, name: str | None = None,
                     basis: BasisInput | None = None) -> EntityNode | None:
        c = ctx(info)
        if (id is None) == (name is None):
            raise InputError("give exactly one of `id` or `name`")
        rb = c.resolve(basis.to_basis() if basis else None)
        found = await c.call(c.memory.resolve_entity, str(id if id is not None else name), as_basis(rb))
        return EntityNode(model=found, rb=rb) if found is not None else None

    @strawberry.field(description=f"Entities believed at the basis' asOf. {_PAGING}")
    async def entities(self, info: strawberry.Info, where: EntityWhere | None = None,
                       basis: BasisInput | None = None, first: int | None = None, after: str | None = None,
                       last: int | None = None, before: str | None = None) -> Connection[EntityNode]:
        c = ctx(info)
        args = PageArgs(first, after, last, before)
        rb = page_basis(args, basis, c.now)
        name, type_ = entity_lookup(where)
        found = await c.call(c.memory.entities, name, type_, as_basis(rb), c.limits.max_scan)
        rows = sorted((e for e in found if match_entity(where, e)), key=lambda e: (e.name.casefold(), e.lineage_id))
        return paginate(rows, args, rb, c.limits, lambda e: EntityNode(model=e, rb=rb),
                        truncated=len(found) >= c.limits.max_scan)

    @strawberry.field(description="Facts true at validAt (or overlapping a top-level `valid` filter window) and "
                      f"believed at asOf. {_PAGING}")
    async def facts(self, info: strawberry.Info, where: FactWhere | None = None, basis: BasisInput | None = None,
                    first: int | None = None, after: str | None = None, last: int | None = None,
                    before: str | None = None) -> Connection[FactNode]:
        c = ctx(info)
        args = PageArgs(first, after, last, before)
        rb = page_basis(args, basis, c.now)
        query, window = fact_query(where)
        end = prefix_limit(args, c.limits)

        async def read(limit: int) -> list[Fact]:  # store order: valid start, then recording
            return await c.call(c.memory.facts, query.model_copy(update={"limit": limit}), as_basis(rb))

        if fact_exact(where) and end is not None:
            # The store filters and counts itself, so a forward page reads only up to its end.
            total = await c.call(c.memory.count_facts, query, as_basis(rb)) if wants_total(info) else None
            return paginate(await read(end), args, rb, c.limits, lambda f: FactNode(model=f, rb=rb), window,
                            truncated=total is not None and total > c.limits.max_scan, total=total)
        rows, truncated = await scan(read, lambda f: match_fact(where, f), None if wants_total(info) else end,
                                     c.limits)
        return paginate(rows, args, rb, c.limits, lambda f: FactNode(model=f, rb=rb), window, truncated=truncated)

    @strawberry.field(description="Events believed at asOf, over all valid time unless a `valid` filter narrows "
                      f"it. {_PAGING}")
    async def events(self, info: strawberry.Info, where: EventWhere | None = None, basis: BasisInput | None = None,
                     first: int | None = None, after: str | None = None, last: int | None = None,
                     before: str | None = None) -> Connection[EventNode]:
        c = ctx(info)
        args = PageArgs(first, after, last, before)
        rb = page_basis(args, basis, c.now)
        query = event_query(where)

        async def read(limit: int) -> list[Event]:
            return await c.call(c.memory.events, query.model_copy(update={"limit": limit}), as_basis(rb))

        end = prefix_limit(args, c.limits) if not wants_total(info) else None
        if event_exact(where) and end is not None:
            return paginate(await read(end), args, rb, c.limits, lambda e: EventNode(model=e, rb=rb),
                            query.valid_overlaps)
        rows, truncated = await scan(read, lambda e: match_event(where, e), end, c.limits)
        return paginate(rows, args, rb, c.limits, lambda e: EventNode(model=e, rb=rb), query.valid_overlaps,
                        truncated=truncated)

    @strawberry.field(description="Episodes by id (in the order given; unknown ids are left out).")
    async def episodes(self, info: strawberry.Info, ids: list[strawberry.ID]) -> list[EpisodeNode]:
        c = ctx(info)
        check_page_size(len(ids), c.limits, "ids")
        found = await c.call(c.memory.store.episodes, c.memory.tenant, [str(i) for i in ids])
        return [EpisodeNode(model=e) for e in found]

    @strawberry.field(description="Facts and events of an entity (by id or name) over valid time, oldest first, "
                      "as believed at the basis' asOf. `from`/`to` limit the valid-time window. " + _PAGING)
    async def timeline(self, info: strawberry.Info, entity: str,
                       from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
                       to: datetime | None = None, basis: BasisInput | None = None, first: int | None = None,
                       after: str | None = None, last: int | None = None,
                       before: str | None = None) -> Connection[VersionNode]:
        c = ctx(info)
        args = PageArgs(first, after, last, before)
        rb = page_basis(args, basis, c.now)
        window = Interval(start=from_, end=to) if (from_ or to) else None
        items = await c.call(c.memory.timeline, entity, as_basis(rb), window)
        return paginate([i.item for i in items], args, rb, c.limits, lambda v: node_of(v, rb), window)

    @strawberry.field(description="Every version of one lineage (an entity, fact or event id, or an entity's "
                      "name) with both intervals; with includeFacts, an entity's history also lists every version "
                      "of its facts.")
    async def history(self, info: strawberry.Info, id: strawberry.ID, include_facts: bool = False) -> HistoryType:
        c = ctx(info)
        rb = c.resolve(None)
        versions = await c.call(c.memory.history, str(id))
        if not versions:  # an entity's name instead of an id
            found = await c.call(c.memory.resolve_entity, str(id))
            if found is not None:
                id = strawberry.ID(found.lineage_id)
                versions = await c.call(c.memory.history, found.lineage_id)
        if include_facts and versions and isinstance(versions[0], Entity):
            versions = await c.call(c.memory.entity_history, str(id))
        if not versions:
            raise NotFoundError(f"nothing with id {str(id)!r} in this tenant; ids come from the `id` field of "
                                "entities, facts and events")
        check_versions = versions[: c.limits.max_scan]
        return HistoryType(id=id, versions=[node_of(v, rb) for v in check_versions], basis=BasisType.of(rb))

    @strawberry.field(description="What changed between two bases: added, removed and changed lineages with "
                      "before/after. `entity` (id or name) keeps only that entity, its facts and the events it takes "
                      "part in; `first` caps "
                      "each list (the counts are complete).")
    async def diff(self, info: strawberry.Info, from_: Annotated[BasisInput, strawberry.argument(name="from")],
                   to: BasisInput, entity: str | None = None,
                   first: int | None = None) -> DiffType:
        c = ctx(info)
        size = check_page_size(first, c.limits)
        source, target = c.resolve(from_.to_basis()), c.resolve(to.to_basis())
        if entity is None:
            d = await c.call(c.memory.diff, as_basis(source), as_basis(target))
        else:  # only what touches the entity: read its neighbourhood at both bases, not the whole tenant
            found = await c.call(c.memory.require_entity, entity, as_basis(target))
            d = await c.call(_entity_diff, c.memory, found.lineage_id, source, target)
        source, target = (d.source.model_copy(update={"evaluated_at": c.now}),
                          d.target.model_copy(update={"evaluated_at": c.now}))
        added, removed, changed = d.added, d.removed, d.changed

        def entries(rows: list[DiffEntry]) -> list[DiffEntryType]:
            return [DiffEntryType.of(e, source, target) for e in rows[:size]]

        return DiffType(source=BasisType.of(source), target=BasisType.of(target), added=entries(added),
                        removed=entries(removed), changed=entries(changed), added_count=len(added),
                        removed_count=len(removed), changed_count=len(changed))

    @strawberry.field(description="Versions recorded or expired at or after `asOf`, oldest first. " + _PAGING)
    async def changes_since(self, info: strawberry.Info, as_of: datetime, first: int | None = None,
                            after: str | None = None, last: int | None = None,
                            before: str | None = None) -> Connection[ChangeType]:
        c = ctx(info)
        args = PageArgs(first, after, last, before)
        rb = page_basis(args, None, c.now)
        found = await c.call(c.memory.changes_since, as_of, c.limits.max_scan)
        # Only changes up to the pinned instant, so later pages do not move while data arrives.
        assert rb.as_of is not None
        rows = [ch for ch in found if ch.at <= rb.as_of]
        item_basis = ResolvedBasis(valid_at=rb.valid_at, as_of=None, evaluated_at=rb.evaluated_at)
        return paginate(rows, args, rb, c.limits, lambda ch: ChangeType.of(ch, item_basis),
                        truncated=len(found) >= c.limits.max_scan)

    @strawberry.field(description="Counts of what this tenant's memory holds.")
    async def stats(self, info: strawberry.Info) -> StatsType:
        c = ctx(info)
        return StatsType.of(await c.call(c.memory.stats))

