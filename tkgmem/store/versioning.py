"""The bi-temporal write rules, as pure functions shared by every store.

Stores fetch the current versions a batch touches, ask this module what to expire and what to
insert, and apply that plan in one transaction. Keeping the rules here is what makes the SQLite and
Neo4j stores behave identically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from tkgmem.errors import ConflictError
from tkgmem.model import Entity, Event, EventLink, Fact, FactInput, LinkType, Span, followed, stable_id
from tkgmem.relations import RelationRegistry
from tkgmem.temporal import Granularity, Interval

_MIN = datetime.min.replace(tzinfo=UTC)
_MAX = datetime.max.replace(tzinfo=UTC)

FactKey = tuple[str, str]  # (subject_id, relation)


def _lo(t: datetime | None) -> datetime:
    return _MIN if t is None else t


def _hi(t: datetime | None) -> datetime:
    return _MAX if t is None else t


def fact_lineage_id(tenant: str, subject_id: str, relation: str, object_key: str, start: datetime | None) -> str:
    return stable_id("fa", tenant, subject_id, relation, object_key, start.isoformat() if start else "")


def version_id(lineage_id: str, recorded_at: datetime, payload: str) -> str:
    return stable_id("v", lineage_id, recorded_at.isoformat(), payload)


@dataclass
class Plan:
    """What one write does: versions to expire (id -> time) and versions to insert, in order."""

    expire: dict[str, datetime] = field(default_factory=dict)
    insert: list[Fact | Entity | Event] = field(default_factory=list)
    unchanged: int = 0
    provenance: list[tuple[str, Span]] = field(default_factory=list)  # (lineage_id, span) to link
    moved: dict[str, tuple[Interval, Interval]] = field(default_factory=dict)  # event lineage -> (old, new) valid

    def expire_version(self, v: Fact | Entity | Event, at: datetime) -> None:
        if at < v.recorded_at:
            raise ConflictError(
                f"cannot expire version {v.version_id} at {at.isoformat()}: it was recorded later, at "
                f"{v.recorded_at.isoformat()}; write with a recording time at or after the latest one"
            )
        self.expire[v.version_id] = at


V = TypeVar("V", Fact, Entity, Event)


def _successor(old: V, at: datetime, reason: str, **changes: object) -> V:
    """The next version of `old`'s lineage, recorded at `at`, with `changes` applied."""
    data = old.model_dump() | changes
    data.update(recorded_at=at, expired_at=None, supersedes=old.version_id, reason=reason)
    data["version_id"] = version_id(old.lineage_id, at, repr(sorted((k, str(v)) for k, v in data.items())))
    return type(old).model_validate(data)


def _union(a: Interval, b: Interval) -> Interval:
    start, sg = (a.start, a.start_granularity) if _lo(a.start) <= _lo(b.start) else (b.start, b.start_granularity)
    end, eg = (a.end, a.end_granularity) if _hi(a.end) >= _hi(b.end) else (b.end, b.end_granularity)
    return Interval(start=start, end=end, start_granularity=sg, end_granularity=eg)


def _touches(a: Interval, b: Interval) -> bool:
    return _lo(a.start) <= _hi(b.end) and _lo(b.start) <= _hi(a.end)


class FactPlanner:
    """Applies fact writes one by one to an in-memory view of the current versions."""

    def __init__(
        self,
        tenant: str,
        current: Iterable[Fact],
        registry: RelationRegistry,
        at: datetime,
    ) -> None:
        self.tenant = tenant
        self.registry = registry
        self.at = at
        self.plan = Plan()
        self._planned: set[int] = set()  # ids of versions in plan.insert (planned in this write)
        self.state: dict[FactKey, list[Fact]] = {}
        self._relations: dict[str, tuple[str, bool]] = {}  # relation -> (canonical, single-valued)
        for f in current:
            if f.expired_at is None:
                self.state.setdefault((f.subject_id, f.relation), []).append(f)

    def _relation(self, relation: str) -> tuple[str, bool]:
        """Canonical name and single-valuedness, memoised: a batch repeats a few relations many times."""
        found = self._relations.get(relation)
        if found is None:
            canonical = self.registry.canonical(relation)
            found = self._relations[relation] = (canonical, self.registry.is_single_valued(canonical))
        return found

    def _replace(self, key: FactKey, old: Fact | None, new: Fact | None) -> Fact | None:
        """Swap `old` for `new` in the current state; returns the version actually planned."""
        row = self.state.setdefault(key, [])
        if old is not None:
            row.remove(old)
            if id(old) in self._planned:
                # Planned in this same write, never stored: drop it rather than expire it, and let
                # its replacement take over its place in the lineage.
                self._planned.discard(id(old))
                for i in range(len(self.plan.insert) - 1, -1, -1):  # usually near the end: O(1), not O(batch)
                    if self.plan.insert[i] is old:
                        del self.plan.insert[i]
                        break
                if new is not None:
                    new = new.model_copy(update={"supersedes": old.supersedes, "reason": old.reason})
            else:
                self.plan.expire_version(old, self.at)
        if new is not None:
            row.append(new)
            self.plan.insert.append(new)
            self._planned.add(id(new))
        return new

    def add(self, fi: FactInput, reason: str = "ingest") -> None:
        relation, single_valued = self._relation(fi.relation)
        key = (fi.subject_id, relation)
        valid = fi.valid
        same = [
            f for f in self.state.get(key, [])
            if f.object_key == fi.object_key and _touches(f.valid, valid)
        ]
        if same:
            base = same[0]
            merged = valid
            for f in same:
                merged = _union(merged, f.valid)
            for span in fi.provenance:
                self.plan.provenance.append((base.lineage_id, span))
            if merged == base.valid and len(same) == 1:
                self.plan.unchanged += 1
                return
            for extra in same[1:]:
                self._replace(key, extra, None)
            planned = self._replace(
                key, base, _successor(base, self.at, "merge", valid=merged, provenance=base.provenance + fi.provenance)
            )
            assert planned is not None
            new = planned
        else:
            lineage = fact_lineage_id(self.tenant, fi.subject_id, relation, fi.object_key, valid.start)
            data = fi.model_dump() | {"relation": relation}
            fresh = Fact(
                version_id=version_id(lineage, self.at, repr(sorted((k, str(v)) for k, v in data.items()))),
                lineage_id=lineage,
                tenant=self.tenant,
                recorded_at=self.at,
                reason=reason,
                **data,
            )
            new = fresh
            self._replace(key, None, fresh)
        if single_valued:
            self._resolve_conflicts(key, new, reason)

    def correct(self, old: Fact, *, valid: Interval | None, fi: FactInput | None, reason: str) -> Fact:
        """Successor of `old` with a new valid interval and/or object; then the scoped rule."""
        key = (old.subject_id, old.relation)
        changes: dict[str, object] = {}
        if valid is not None:
            changes["valid"] = valid
        if fi is not None:
            changes.update(object_id=fi.object_id, object_value=fi.object_value)
        new = self._replace(key, old, _successor(old, self.at, reason, **changes))
        assert new is not None
        if self._relation(old.relation)[1]:
            self._resolve_conflicts(key, new, reason)
        return new

    def retract(self, old: Fact) -> None:
        self._replace((old.subject_id, old.relation), old, None)

    def _resolve_conflicts(self, key: FactKey, new: Fact, reason: str) -> None:
        others = [
            f for f in self.state.get(key, []) if f.lineage_id != new.lineage_id and f.object_key != new.object_key
        ]
        start = _lo(new.valid.start)
        # Later-starting values bound the new one: late-arriving older information goes before them.
        later = [f for f in others if _lo(f.valid.start) > start and f.valid.overlaps(new.valid)]
        if later:
            first = min(later, key=lambda f: _lo(f.valid.start))
            bounded = new.valid.with_end(first.valid.start, first.valid.start_granularity)
            clipped = self._replace(key, new, _successor(new, self.at, reason, valid=bounded))
            assert clipped is not None
            new = clipped
        for f in others:
            if not f.valid.overlaps(new.valid):
                continue
            if _lo(f.valid.start) < start:
                cut = f.valid.with_end(new.valid.start, new.valid.start_granularity)
                self._replace(key, f, _successor(f, self.at, "contradiction", valid=cut))
            elif _lo(f.valid.start) == start:
                # Same start, different value: the newer statement wins; the old one is expired.
                self._replace(key, f, None)


def plan_entity(current: Entity | None, incoming: Entity, at: datetime) -> Plan:
    """Entity upsert: unchanged, new lineage, or a successor carrying merged aliases and attributes."""
    plan = Plan()
    if current is None:
        plan.insert.append(incoming.model_copy(update={"recorded_at": at, "expired_at": None}))
        return plan
    renamed = (incoming.name,) if incoming.name != current.name else ()
    aliases = tuple(dict.fromkeys(current.aliases + incoming.aliases + renamed))
    attributes = current.attributes | incoming.attributes
    if aliases == current.aliases and attributes == current.attributes:
        plan.unchanged += 1
        return plan
    plan.expire_version(current, at)
    plan.insert.append(_successor(current, at, "update", aliases=aliases, attributes=attributes))
    return plan


def plan_event(current: Event | None, incoming: Event, at: datetime) -> Plan:
    """Event upsert: the same event mentioned again adds provenance; a changed interval is a successor."""
    plan = Plan()
    if current is None:
        plan.insert.append(incoming.model_copy(update={"recorded_at": at, "expired_at": None}))
        return plan
    for span in incoming.provenance:
        plan.provenance.append((current.lineage_id, span))
    same = (
        incoming.valid == current.valid
        and incoming.modality == current.modality
        and set(incoming.participants) <= set(current.participants)
    ) or incoming.valid.granularity.rank > current.valid.granularity.rank
    if same:
        plan.unchanged += 1
        return plan
    plan.expire_version(current, at)
    participants = tuple(dict.fromkeys(current.participants + incoming.participants))
    plan.insert.append(_successor(current, at, "update", valid=incoming.valid, modality=incoming.modality,
                                  participants=participants))
    if incoming.valid != current.valid:
        plan.moved[current.lineage_id] = (current.valid, incoming.valid)
    return plan


def plan_followers(moved: dict[str, tuple[Interval, Interval]], links: Iterable[EventLink],
                   current: dict[str, Event], at: datetime) -> Plan:
    """Events dated by a re-dated event follow it ("We moved last month, so I relocated with the team", then
    "we moved in July, not August": the relocation moves to July too). `links` may hold any links; `current`
    maps the dated events' lineages to their current versions."""
    plan = Plan()
    for link in links:
        follower = current.get(link.source_id)
        if link.type is not LinkType.DATED_BY or link.target_id not in moved or follower is None:
            continue
        valid = followed(follower.valid, *moved[link.target_id])
        if valid is not None and follower.version_id not in plan.expire:
            plan.expire_version(follower, at)
            plan.insert.append(_successor(follower, at, "redated", valid=valid))
    return plan


__all__ = ["FactPlanner", "Granularity", "Plan", "fact_lineage_id", "plan_entity", "plan_event", "plan_followers",
           "version_id"]
