"""Filter inputs in the Neo4j GraphQL Library style: one operator object per field, combined with AND/OR/NOT.

The simple top-level conditions are pushed down to the store query (subject, relation, participant,
valid window); the whole filter is then evaluated on the returned versions, so pushing down only ever
narrows what is read, never changes the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import strawberry

from tkgmem.errors import InputError
from tkgmem.model import Entity, Event, EventQuery, Fact, FactQuery, normalize_name
from tkgmem.relations import DEFAULT_RELATIONS
from tkgmem.temporal import Interval


@strawberry.input(description="Compare a string: exact `eq`, one of `in`, or case-insensitive `contains`.")
class StringFilter:
    eq: str | None = None
    in_: list[str] | None = strawberry.field(default=None, name="in")
    contains: str | None = None


@strawberry.input(description="Compare an id: `eq` or one of `in`.")
class IDFilter:
    eq: strawberry.ID | None = None
    in_: list[strawberry.ID] | None = strawberry.field(default=None, name="in")


@strawberry.input(description="Compare a date-time.")
class DateTimeFilter:
    eq: datetime | None = None
    lt: datetime | None = None
    lte: datetime | None = None
    gt: datetime | None = None
    gte: datetime | None = None


@strawberry.input(description="Compare a number.")
class FloatFilter:
    eq: float | None = None
    lt: float | None = None
    lte: float | None = None
    gt: float | None = None
    gte: float | None = None


@strawberry.input(description="A half-open interval [start, end); leave an end out for an open side.")
class IntervalInput:
    start: datetime | None = None
    end: datetime | None = None

    def to_interval(self) -> Interval:
        return Interval(start=self.start, end=self.end)


@strawberry.input(
    description="Compare a valid interval: `overlaps` an interval, `contains` an instant, or lies `during` "
    "(entirely inside) an interval. On facts, a top-level `valid` filter replaces the basis' `validAt` point: "
    "the read covers the whole window instead of one instant."
)
class IntervalFilter:
    overlaps: IntervalInput | None = None
    contains: datetime | None = None
    during: IntervalInput | None = None


@strawberry.input(description="Filter entities; fields combine with AND.")
class EntityWhere:
    id: IDFilter | None = None
    name: StringFilter | None = strawberry.field(
        default=None, description="the name or any alias; `eq`/`in` ignore case")
    type: StringFilter | None = None
    and_: list[EntityWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[EntityWhere] | None = strawberry.field(default=None, name="OR")
    not_: EntityWhere | None = strawberry.field(default=None, name="NOT")


@strawberry.input(description="Filter facts; fields combine with AND.")
class FactWhere:
    id: IDFilter | None = None
    subject: IDFilter | None = strawberry.field(default=None, description="subject entity id")
    object: IDFilter | None = strawberry.field(default=None, description="object entity id")
    entity: IDFilter | None = strawberry.field(default=None, description="subject or object entity id")
    relation: StringFilter | None = strawberry.field(default=None, description="relation name or synonym")
    object_value: StringFilter | None = None
    confidence: FloatFilter | None = None
    valid: IntervalFilter | None = None
    recorded_at: DateTimeFilter | None = None
    and_: list[FactWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[FactWhere] | None = strawberry.field(default=None, name="OR")
    not_: FactWhere | None = strawberry.field(default=None, name="NOT")


@strawberry.input(description="Filter events; fields combine with AND.")
class EventWhere:
    id: IDFilter | None = None
    predicate: StringFilter | None = None
    participant: IDFilter | None = strawberry.field(default=None, description="a participant's entity id")
    summary: StringFilter | None = None
    modality: StringFilter | None = None
    valid: IntervalFilter | None = None
    recorded_at: DateTimeFilter | None = None
    and_: list[EventWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[EventWhere] | None = strawberry.field(default=None, name="OR")
    not_: EventWhere | None = strawberry.field(default=None, name="NOT")


# -- evaluation ---------------------------------------------------------------------------------------


def match_string(f: StringFilter | None, value: str | None, also: Iterable[str] = (),
                 canon: Callable[[str], str] | None = None) -> bool:
    """`canon` normalises both sides of `eq`/`in` (relation synonyms, case-insensitive names)."""
    if f is None:
        return True
    norm = canon or (lambda v: v)
    values = {norm(v) for v in (value, *also) if v is not None}
    if f.eq is not None and norm(f.eq) not in values:
        return False
    if f.in_ is not None and not values & {norm(x) for x in f.in_}:
        return False
    return f.contains is None or any(f.contains.casefold() in v.casefold() for v in (value, *also) if v)


def match_id(f: IDFilter | None, values: Iterable[str | None]) -> bool:
    if f is None:
        return True
    present = [v for v in values if v is not None]
    if f.eq is not None and str(f.eq) not in present:
        return False
    return f.in_ is None or any(v in {str(x) for x in f.in_} for v in present)


class _Ordered(Protocol):
    eq: Any
    lt: Any
    lte: Any
    gt: Any
    gte: Any


def match_ordered(f: _Ordered | None, value: Any) -> bool:
    if f is None:
        return True
    if value is None:
        return all(getattr(f, op) is None for op in ("eq", "lt", "lte", "gt", "gte"))
    return ((f.eq is None or value == f.eq) and (f.lt is None or value < f.lt) and (f.lte is None or value <= f.lte)
            and (f.gt is None or value > f.gt) and (f.gte is None or value >= f.gte))


def match_interval(f: IntervalFilter | None, iv: Interval) -> bool:
    if f is None:
        return True
    if f.overlaps is not None and not iv.overlaps(f.overlaps.to_interval()):
        return False
    if f.contains is not None and not iv.contains(f.contains):
        return False
    return f.during is None or f.during.to_interval().covers(iv)


W = TypeVar("W", EntityWhere, FactWhere, EventWhere)


def _combine(where: W, item: Any, own: Callable[[W, Any], bool]) -> bool:
    if not own(where, item):
        return False
    if where.and_ and not all(_combine(w, item, own) for w in where.and_):
        return False
    if where.or_ and not any(_combine(w, item, own) for w in where.or_):
        return False
    return where.not_ is None or not _combine(where.not_, item, own)


def _entity_own(w: EntityWhere, e: Entity) -> bool:
    return (match_id(w.id, [e.lineage_id]) and match_string(w.name, e.name, e.aliases, canon=normalize_name)
            and match_string(w.type, e.type))


def _fact_own(w: FactWhere, f: Fact) -> bool:
    return (match_id(w.id, [f.lineage_id]) and match_id(w.subject, [f.subject_id])
            and match_id(w.object, [f.object_id]) and match_id(w.entity, [f.subject_id, f.object_id])
            and match_string(w.relation, f.relation, canon=DEFAULT_RELATIONS.canonical)
            and match_string(w.object_value, f.object_value) and match_ordered(w.confidence, f.confidence)
            and match_interval(w.valid, f.valid) and match_ordered(w.recorded_at, f.recorded_at))


def _event_own(w: EventWhere, e: Event) -> bool:
    return (match_id(w.id, [e.lineage_id]) and match_string(w.predicate, e.predicate)
            and match_id(w.participant, [p.entity_id for p in e.participants])
            and match_string(w.summary, e.summary) and match_string(w.modality, e.modality.value)
            and match_interval(w.valid, e.valid) and match_ordered(w.recorded_at, e.recorded_at))


def match_entity(where: EntityWhere | None, e: Entity) -> bool:
    return where is None or _combine(where, e, _entity_own)


def match_fact(where: FactWhere | None, f: Fact) -> bool:
    return where is None or _combine(where, f, _fact_own)


def match_event(where: EventWhere | None, e: Event) -> bool:
    return where is None or _combine(where, e, _event_own)


# -- push-down ----------------------------------------------------------------------------------------


def _conjuncts(where: W | None) -> list[W]:
    """The filter and its top-level AND members: every condition here must hold for every result."""
    if where is None:
        return []
    out = [where]
    for w in where.and_ or []:
        out.extend(_conjuncts(w))
    return out


def window_of(f: IntervalFilter) -> Interval:
    """The smallest window a valid filter reads: its bounds intersected."""
    start: datetime | None = None
    end: datetime | None = None
    parts: list[Interval] = []
    if f.overlaps is not None:
        parts.append(f.overlaps.to_interval())
    if f.during is not None:
        parts.append(f.during.to_interval())
    if f.contains is not None:
        parts.append(Interval(start=f.contains, end=f.contains + timedelta(microseconds=1)))
    for iv in parts:
        if iv.start is not None and (start is None or iv.start > start):
            start = iv.start
        if iv.end is not None and (end is None or iv.end < end):
            end = iv.end
    if start is not None and end is not None and end <= start:
        raise InputError("the valid filter's intervals do not overlap each other; nothing can match")
    return Interval(start=start, end=end)


def fact_query(where: FactWhere | None, entity_id: str | None = None) -> tuple[FactQuery, Interval | None]:
    """The store query implied by `where`, and the valid window that replaces the basis' point, if any."""
    q: dict[str, Any] = {"entity_id": entity_id}
    window: Interval | None = None
    for w in _conjuncts(where):
        if w.subject and w.subject.eq is not None:
            q["subject_id"] = str(w.subject.eq)
        if w.object and w.object.eq is not None:
            q["object_id"] = str(w.object.eq)
        if w.entity and w.entity.eq is not None and q["entity_id"] is None:
            q["entity_id"] = str(w.entity.eq)
        if w.relation and w.relation.eq is not None:
            q["relation"] = w.relation.eq
        elif w.relation and w.relation.in_ is not None and "relations" not in q:
            q["relations"] = list(w.relation.in_)
        if w.valid is not None:
            window = window_of(w.valid) if window is None else _intersect(window, window_of(w.valid))
        excluded = _excluded(w.not_)
        if excluded is not None:
            key, values = excluded
            q[key] = [*q.get(key, []), *values]
    q["valid_overlaps"] = window
    return FactQuery(**q), window


_EXCLUDABLE = {"subject": "exclude_subject_ids", "object": "exclude_object_ids", "relation": "exclude_relations"}


def _excluded(where: FactWhere | None) -> tuple[str, list[str]] | None:
    """A NOT the store can apply: one field of subject, object or relation with one of `eq` / `in` ("NOT:
    {subject: {eq: ...}}"), as (FactQuery field, values). NOT of several fields is no such exclusion."""
    if where is None:
        return None
    fields = [(name, value) for name, value in vars(where).items() if value is not None]
    if len(fields) != 1 or fields[0][0] not in _EXCLUDABLE:
        return None
    name, f = fields[0]
    ops = [(op, v) for op, v in vars(f).items() if v is not None]
    if len(ops) != 1 or ops[0][0] not in ("eq", "in_"):
        return None
    op, value = ops[0]
    return _EXCLUDABLE[name], [str(value)] if op == "eq" else [str(v) for v in value]


def event_query(where: EventWhere | None, participant_id: str | None = None) -> EventQuery:
    q: dict[str, Any] = {"participant_id": participant_id}
    window: Interval | None = None
    for w in _conjuncts(where):
        if w.participant and w.participant.eq is not None and q["participant_id"] is None:
            q["participant_id"] = str(w.participant.eq)
        if w.predicate and w.predicate.eq is not None:
            q["predicate"] = w.predicate.eq
        if w.valid is not None:
            window = window_of(w.valid) if window is None else _intersect(window, window_of(w.valid))
    q["valid_overlaps"] = window
    return EventQuery(**q)


def _only(where: Any, allowed: dict[str, tuple[str, ...]]) -> bool:
    """`where` uses only the given fields, each with only the given operators (no AND/OR/NOT)."""
    for name in ("and_", "or_", "not_"):
        if getattr(where, name) is not None:
            return False
    for name, value in vars(where).items():
        if value is None or name in ("and_", "or_", "not_"):
            continue
        ops = allowed.get(name)
        if ops is None or any(v is not None and op not in ops for op, v in vars(value).items()):
            return False
    return True


def fact_exact(where: FactWhere | None) -> bool:
    """True when the store query from `fact_query` already applies the whole filter."""
    if where is None:
        return True
    if where.not_ is not None and _excluded(where.not_) is None:
        return False
    own = where if where.not_ is None else dataclasses.replace(where, not_=None)
    return _only(own, {"subject": ("eq",), "object": ("eq",), "relation": ("eq", "in_"), "valid": ("overlaps",)}) \
        and not (own.relation is not None and own.relation.eq is not None and own.relation.in_ is not None)


def event_exact(where: EventWhere | None) -> bool:
    return where is None or _only(where, {"participant": ("eq",), "predicate": ("eq",), "valid": ("overlaps",)})


def entity_lookup(where: EntityWhere | None) -> tuple[str | None, str | None]:
    """(name, type) equalities the store can look up directly."""
    name = type_ = None
    for w in _conjuncts(where):
        if w.name and w.name.eq is not None:
            name = w.name.eq
        if w.type and w.type.eq is not None:
            type_ = w.type.eq
    return name, type_


def _intersect(a: Interval, b: Interval) -> Interval:
    starts = [t for t in (a.start, b.start) if t is not None]
    ends = [t for t in (a.end, b.end) if t is not None]
    start, end = (max(starts) if starts else None), (min(ends) if ends else None)
    if start is not None and end is not None and end <= start:
        raise InputError("the valid filters do not overlap each other; nothing can match")
    return Interval(start=start, end=end)
