"""Read-side helpers shared by the stores: diffs, change feeds and timelines built from versions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tkgmem.model import Change, Diff, DiffEntry, Entity, Event, Fact, TimelineItem
from tkgmem.temporal import ResolvedBasis, start_key

AnyVersion = Entity | Fact | Event


def diff_versions(
    source: ResolvedBasis, before: Iterable[AnyVersion], target: ResolvedBasis, after: Iterable[AnyVersion]
) -> Diff:
    a = {v.lineage_id: v for v in before}
    b = {v.lineage_id: v for v in after}
    diff = Diff(source=source, target=target)
    for lid in sorted(b.keys() - a.keys()):
        diff.added.append(DiffEntry(lineage_id=lid, after=b[lid]))
    for lid in sorted(a.keys() - b.keys()):
        diff.removed.append(DiffEntry(lineage_id=lid, before=a[lid]))
    for lid in sorted(a.keys() & b.keys()):
        if a[lid].version_id != b[lid].version_id:
            diff.changed.append(DiffEntry(lineage_id=lid, before=a[lid], after=b[lid]))
    return diff


def changes_from(versions: Iterable[AnyVersion], since: datetime) -> list[Change]:
    """Recorded and expired events at or after `since`, oldest first."""
    out: list[Change] = []
    for v in versions:
        if v.recorded_at >= since:
            out.append(Change(at=v.recorded_at, action="recorded", item=v))
        if v.expired_at is not None and v.expired_at >= since:
            out.append(Change(at=v.expired_at, action="expired", item=v))
    out.sort(key=lambda c: (c.at, c.action != "expired"))
    return out


def timeline_items(items: Iterable[Fact | Event]) -> list[TimelineItem]:
    rows = [TimelineItem(valid=i.valid, item=i) for i in items]
    rows.sort(key=lambda r: (start_key(r.valid), r.item.recorded_at))
    return rows
