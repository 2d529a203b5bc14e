"""Object types: Entity, Fact, Event (all versions, sharing the `Version` interface) and Episode.

Every node keeps the basis it was read at and hands it to its nested fields, so a fact's subject, an
entity's facts and an event's participants are read at the same (validAt, asOf) as their parent.
Nested reads go through the request's DataLoaders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from tkgmem.graphql.connections import Connection, PageArgs, page_basis, paginate
from tkgmem.graphql.context import as_basis, ctx
from tkgmem.graphql.filters import EventWhere, FactWhere, event_query, fact_query, match_event, match_fact
from tkgmem.graphql.values import BasisType, IntervalType
from tkgmem.model import Entity, Episode, Event, EventLink, Fact, Participant, Span
from tkgmem.temporal import Interval, ResolvedBasis


def pinned(rb: ResolvedBasis) -> ResolvedBasis:
    """A basis with `asOf` fixed (to its evaluation time when it was 'latest'), for cursors."""
    return rb if rb.as_of is not None else rb.model_copy(update={"as_of": rb.evaluated_at})


def nested_basis(parent: ResolvedBasis, args: PageArgs, now: datetime) -> ResolvedBasis:
    """A nested connection reads at its parent's basis; when paging on with a cursor, at the cursor's
    (pinned) basis, so later pages of a nested list are as stable as root ones."""
    if args.after is None and args.before is None:
        return parent
    return page_basis(args, None, now)


@strawberry.type(name="Episode", description="One unit of input: a dialogue turn, a document chunk or a record.")
class EpisodeNode:
    model: strawberry.Private[Episode]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.model.id)

    @strawberry.field
    def kind(self) -> str:
        return self.model.kind.value

    @strawberry.field
    def source(self) -> str:
        return self.model.source

    @strawberry.field
    def session(self) -> str | None:
        return self.model.session

    @strawberry.field
    def speaker(self) -> str | None:
        return self.model.speaker

    @strawberry.field
    def addressee(self) -> str | None:
        return self.model.addressee

    @strawberry.field
    def text(self) -> str:
        return self.model.text

    @strawberry.field(description="when it was said or written")
    def reference_time(self) -> datetime:
        return self.model.reference_time

    @strawberry.field(description="when the memory stored it")
    def recorded_at(self) -> datetime | None:
        return self.model.recorded_at

    @strawberry.field
    def metadata(self) -> JSON:
        return cast(JSON, self.model.metadata)


@strawberry.type(name="Provenance", description="Where a version came from: an episode and the span in its text.")
class ProvenanceNode:
    span: strawberry.Private[Span]

    @strawberry.field
    def episode_id(self) -> strawberry.ID:
        return strawberry.ID(self.span.episode_id)

    @strawberry.field
    def start(self) -> int | None:
        return self.span.start

    @strawberry.field
    def end(self) -> int | None:
        return self.span.end

    @strawberry.field(description="the episode itself (null once erased)")
    async def episode(self, info: strawberry.Info) -> EpisodeNode | None:
        found = await ctx(info).loaders.episode.load(self.span.episode_id)
        return EpisodeNode(model=found) if found is not None else None


@strawberry.interface(name="Version", description="One immutable version of an entity, fact or event, with both "
                      "time axes: `valid` (true in the world) and `recorded` (believed by the memory).")
class VersionNode:
    model: strawberry.Private[Any]
    rb: strawberry.Private[ResolvedBasis]

    @strawberry.field(description="the lineage id: the same for every version of one thing")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.model.lineage_id)

    @strawberry.field
    def version_id(self) -> strawberry.ID:
        return strawberry.ID(self.model.version_id)

    @strawberry.field(description="entity, fact or event")
    def kind(self) -> str:
        return str(self.model.kind)

    @strawberry.field(description="valid time: when it is true in the world")
    def valid(self) -> IntervalType:
        return IntervalType.of(self.model.valid)

    @strawberry.field(description="transaction time: [recordedAt, expiredAt), when the memory believed it")
    def recorded(self) -> IntervalType:
        return IntervalType.of(Interval(start=self.model.recorded_at, end=self.model.expired_at))

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.model.recorded_at

    @strawberry.field
    def expired_at(self) -> datetime | None:
        return self.model.expired_at

    @strawberry.field(description="true while this version is the latest belief (not expired)")
    def current(self) -> bool:
        return self.model.expired_at is None

    @strawberry.field(description="the version this one replaced")
    def supersedes(self) -> strawberry.ID | None:
        return None if self.model.supersedes is None else strawberry.ID(self.model.supersedes)

    @strawberry.field(description="why this version was written: ingest, correction, contradiction, …")
    def reason(self) -> str | None:
        return self.model.reason

    @strawberry.field(description="the basis this version was read at (inherited by its nested fields)")
    def basis(self) -> BasisType:
        return BasisType.of(self.rb)

    @strawberry.field
    def provenance(self) -> list[ProvenanceNode]:
        return [ProvenanceNode(span=s) for s in self.model.provenance]


async def load_entity(info: strawberry.Info, entity_id: str | None, rb: ResolvedBasis) -> EntityNode | None:
    if entity_id is None:
        return None
    found = await ctx(info).loaders.entity.load(((rb.valid_at, rb.as_of), entity_id))
    return EntityNode(model=found, rb=rb) if found is not None else None


@strawberry.type(name="Entity", description="A person, organisation, place, object or concept.")
class EntityNode(VersionNode):
    @strawberry.field
    def name(self) -> str:
        return str(self.model.name)

    @strawberry.field
    def type(self) -> str:
        return str(self.model.type)

    @strawberry.field
    def aliases(self) -> list[str]:
        return list(self.model.aliases)

    @strawberry.field
    def attributes(self) -> JSON:
        return cast(JSON, dict(self.model.attributes))

    @strawberry.field(description="facts with this entity as subject or object, at the inherited basis")
    async def facts(self, info: strawberry.Info, where: FactWhere | None = None, first: int | None = None,
                    after: str | None = None, last: int | None = None,
                    before: str | None = None) -> Connection[FactNode]:
        c = ctx(info)
        args = PageArgs(first, after, last, before)
        rb = nested_basis(self.rb, args, c.now)
        query, window = fact_query(where, entity_id=self.model.lineage_id)
        if window is None and query.model_dump(exclude_defaults=True) == {"entity_id": self.model.lineage_id}:
            facts = await c.loaders.entity_facts.load(((rb.valid_at, rb.as_of), self.model.lineage_id))
        else:
            facts = await c.call(c.memory.facts, query, as_basis(rb))
        rows = [f for f in facts if match_fact(where, f)]
        return paginate(rows, args, pinned(rb), c.limits, lambda f: FactNode(model=f, rb=rb), window)

    @strawberry.field(description="events this entity takes part in (all valid time unless filtered), "
                      "believed at the inherited asOf")
    async def events(self, info: strawberry.Info, where: EventWhere | None = None, first: int | None = None,
                     after: str | None = None, last: int | None = None,
                     before: str | None = None) -> Connection[EventNode]:
        c = ctx(info)
        args = PageArgs(first, after, last, before)
        rb = nested_basis(self.rb, args, c.now)
        query = event_query(where, participant_id=self.model.lineage_id)
        if query.model_dump(exclude_defaults=True) == {"participant_id": self.model.lineage_id}:
            events = await c.loaders.entity_events.load(((rb.valid_at, rb.as_of), self.model.lineage_id))
        else:
            events = await c.call(c.memory.events, query, as_basis(rb))
        rows = [e for e in events if match_event(where, e)]
        return paginate(rows, args, pinned(rb), c.limits, lambda e: EventNode(model=e, rb=rb))


@strawberry.type(name="Fact", description="A relation between two entities, or an entity and a value.")
class FactNode(VersionNode):
    @strawberry.field(description="canonical relation name, e.g. lives_in")
    def relation(self) -> str:
        return str(self.model.relation)

    @strawberry.field
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(self.model.subject_id)

    @strawberry.field
    def object_id(self) -> strawberry.ID | None:
        return None if self.model.object_id is None else strawberry.ID(self.model.object_id)

    @strawberry.field(description="the literal object, when the object is a value rather than an entity")
    def object_value(self) -> str | None:
        return self.model.object_value

    @strawberry.field
    def confidence(self) -> float:
        return float(self.model.confidence)

    @strawberry.field
    async def subject(self, info: strawberry.Info) -> EntityNode | None:
        return await load_entity(info, self.model.subject_id, self.rb)

    @strawberry.field(name="object")
    async def object_(self, info: strawberry.Info) -> EntityNode | None:
        return await load_entity(info, self.model.object_id, self.rb)

    @strawberry.field(description="the object's name, or the literal value")
    async def object_name(self, info: strawberry.Info) -> str | None:
        if self.model.object_id is None:
            return self.model.object_value
        entity = await load_entity(info, self.model.object_id, self.rb)
        return entity.model.name if entity is not None else None


@strawberry.type(name="Participant")
class ParticipantNode:
    part: strawberry.Private[Participant]
    rb: strawberry.Private[ResolvedBasis]

    @strawberry.field
    def role(self) -> str:
        return self.part.role

    @strawberry.field
    def entity_id(self) -> strawberry.ID:
        return strawberry.ID(self.part.entity_id)

    @strawberry.field
    async def entity(self, info: strawberry.Info) -> EntityNode | None:
        return await load_entity(info, self.part.entity_id, self.rb)


@strawberry.type(name="EventLink", description="A link between two events (by lineage id).")
class EventLinkNode:
    link: strawberry.Private[EventLink]

    @strawberry.field(description="before, cause, part_of, follow_up or dated_by (the source took the target's "
                                  "time, and moves with it when that time is corrected)")
    def type(self) -> str:
        return self.link.type.value

    @strawberry.field
    def source_id(self) -> strawberry.ID:
        return strawberry.ID(self.link.source_id)

    @strawberry.field
    def target_id(self) -> strawberry.ID:
        return strawberry.ID(self.link.target_id)


@strawberry.type(name="Event", description="Something that happened, happens or is planned.")
class EventNode(VersionNode):
    @strawberry.field
    def predicate(self) -> str:
        return str(self.model.predicate)

    @strawberry.field
    def summary(self) -> str:
        return str(self.model.summary)

    @strawberry.field(description="happened, ongoing, planned, habitual, negated or hypothetical")
    def modality(self) -> str:
        return str(self.model.modality.value)

    @strawberry.field
    def participants(self) -> list[ParticipantNode]:
        return [ParticipantNode(part=p, rb=self.rb) for p in self.model.participants]

    @strawberry.field
    async def place(self, info: strawberry.Info) -> EntityNode | None:
        return await load_entity(info, self.model.place_id, self.rb)

    @strawberry.field(description="links to and from other events")
    async def links(self, info: strawberry.Info) -> list[EventLinkNode]:
        found = await ctx(info).loaders.links.load(self.model.lineage_id)
        return [EventLinkNode(link=lk) for lk in found]


def node_of(v: Entity | Fact | Event, rb: ResolvedBasis) -> VersionNode:
    if isinstance(v, Entity):
        return EntityNode(model=v, rb=rb)
    if isinstance(v, Fact):
        return FactNode(model=v, rb=rb)
    return EventNode(model=v, rb=rb)
