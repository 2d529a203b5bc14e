"""Result types of the time-travel and mutation fields: timeline, history, diff, changes, stats, ingestion."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tkgmem.graphql.types import VersionNode, node_of
from tkgmem.graphql.values import BasisType
from tkgmem.ingest.items import IngestReport
from tkgmem.model import Change, DiffEntry, EraseReport, Stats
from tkgmem.temporal import ResolvedBasis


@strawberry.type(name="Me", description="The caller: its key, tenant and role.")
class MeType:
    key_id: str
    tenant: str
    role: str


@strawberry.type(name="History", description="Every version of one lineage, oldest recording first.")
class HistoryType:
    id: strawberry.ID
    versions: list[VersionNode]
    basis: BasisType = strawberry.field(description="when the history was read (it ignores validAt and asOf)")


@strawberry.type(name="DiffEntry", description="One lineage that differs between the two bases.")
class DiffEntryType:
    id: strawberry.ID
    before: VersionNode | None
    after: VersionNode | None

    @classmethod
    def of(cls, e: DiffEntry, source: ResolvedBasis, target: ResolvedBasis) -> DiffEntryType:
        return cls(id=strawberry.ID(e.lineage_id),
                   before=node_of(e.before, source) if e.before is not None else None,
                   after=node_of(e.after, target) if e.after is not None else None)


@strawberry.type(name="Diff", description="What is visible at `to` but not at `from` (added), the reverse "
                 "(removed), and lineages whose visible version differs (changed, with before/after).")
class DiffType:
    source: BasisType = strawberry.field(name="from")
    target: BasisType = strawberry.field(name="to")
    added: list[DiffEntryType]
    removed: list[DiffEntryType]
    changed: list[DiffEntryType]
    added_count: int
    removed_count: int
    changed_count: int


@strawberry.type(name="Change", description="One step of the memory's own history.")
class ChangeType:
    at: datetime
    action: str = strawberry.field(description="recorded, expired or erased")
    item: VersionNode

    @classmethod
    def of(cls, c: Change, rb: ResolvedBasis) -> ChangeType:
        return cls(at=c.at, action=c.action, item=node_of(c.item, rb))


@strawberry.type(name="Stats")
class StatsType:
    tenant: str
    episodes: int
    entities: int
    events: int
    facts: int
    versions: int
    expired_versions: int

    @classmethod
    def of(cls, s: Stats) -> StatsType:
        return cls(**s.model_dump())


@strawberry.type(name="Reject", description="An input that was not ingested, and why.")
class RejectType:
    line: int = strawberry.field(description="1-based position in the mutation's input list")
    reason: str
    raw: str


@strawberry.type(name="IngestResult")
class IngestResultType:
    read: int
    episodes_added: int
    skipped_duplicates: int
    entities_added: int
    facts_added: int
    events_added: int
    versions_expired: int
    rejected: int
    rejects: list[RejectType]
    seconds: float

    @classmethod
    def of(cls, r: IngestReport) -> IngestResultType:
        return cls(read=r.read, episodes_added=r.episodes_added, skipped_duplicates=r.skipped_duplicates,
                   entities_added=r.entities_added, facts_added=r.facts_added, events_added=r.events_added,
                   versions_expired=r.versions_expired, rejected=r.rejected,
                   rejects=[RejectType(line=x.line, reason=x.reason, raw=x.raw) for x in r.rejects],
                   seconds=r.seconds)


@strawberry.type(name="EraseResult", description="What an erase deleted; the audit log keeps the record.")
class EraseResultType:
    episodes: int
    versions: int
    audit_id: str

    @classmethod
    def of(cls, r: EraseReport) -> EraseResultType:
        return cls(episodes=r.episodes, versions=r.versions, audit_id=r.audit_id)
