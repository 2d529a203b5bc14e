"""Event links: cause and follow-up from discourse connectives, order from valid intervals, part-of,
and dated-by (an event that took the time stated for another).

"because X" makes X the cause of its main clause; "so Y" makes the previous clause the cause of Y;
"after that", "then", "afterwards" mark a follow-up; "after X" / "before X" and non-overlapping
day-level intervals give temporal order; an event inside a coarser event of the same participants
in the same episode is part of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tkgmem.extract.events import ClauseEvent
from tkgmem.model import Episode, Event, EventLink, LinkType
from tkgmem.temporal import Granularity

if TYPE_CHECKING:
    from spacy.tokens import Doc

_CAUSE_MARKS = frozenset({"because", "cause", "'cause", "since", "as"})
_FOLLOW = frozenset({"then", "afterwards", "afterward", "later", "after"})


def _fine(ev: Event) -> bool:
    return ev.valid.start is not None and ev.valid.end is not None and \
        ev.valid.granularity.rank <= Granularity.DAY.rank


def links(ep: Episode, doc: Doc, events: list[ClauseEvent], tenant: str) -> list[EventLink]:
    out: dict[tuple[str, str, LinkType], EventLink] = {}

    def add(a: Event, b: Event, kind: LinkType) -> None:
        if a.lineage_id != b.lineage_id:
            out[(a.lineage_id, b.lineage_id, kind)] = EventLink(
                tenant=tenant, source_id=a.lineage_id, target_id=b.lineage_id, type=kind, episode_id=ep.id)

    by_head = {ce.clause.head: ce for ce in events}
    for ce in events:
        if ce.dated_by is not None:
            add(ce.event, ce.dated_by, LinkType.DATED_BY)
    for i, ce in enumerate(events):
        head = doc[ce.clause.head]
        marks = {c.lower_ for c in head.children if c.dep_ in ("mark", "advmod", "cc", "prep")}
        governor = by_head.get(head.head.i) if head.head is not head else None
        prev = events[i - 1] if i > 0 else None
        left = doc.char_span(ce.clause.start, max(head.idx, ce.clause.start + 1), alignment_mode="expand")
        left_words = {t.lower_ for t in left} if left is not None else set()
        if governor is not None and head.dep_ == "advcl" and marks & _CAUSE_MARKS:
            add(ce.event, governor.event, LinkType.CAUSE)
        elif governor is not None and head.dep_ == "advcl" and "after" in marks:
            add(ce.event, governor.event, LinkType.BEFORE)
        elif governor is not None and head.dep_ == "advcl" and "before" in marks:
            add(governor.event, ce.event, LinkType.BEFORE)
        elif prev is not None and ("so" in marks or "so" in left_words):
            add(prev.event, ce.event, LinkType.CAUSE)
        elif prev is not None and (marks & _FOLLOW or {"then", "afterwards"} & left_words):
            add(prev.event, ce.event, LinkType.FOLLOW_UP)
        if prev is not None and _fine(prev.event) and _fine(ce.event):
            a, b = prev.event, ce.event
            assert a.valid.end is not None and b.valid.end is not None
            assert a.valid.start is not None and b.valid.start is not None
            if a.valid.end <= b.valid.start:
                add(a, b, LinkType.BEFORE)
            elif b.valid.end <= a.valid.start:
                add(b, a, LinkType.BEFORE)
    # part-of: a day-level event inside a coarser one sharing a participant, in the same episode
    for ca in events:
        for cb in events:
            ea, eb = ca.event, cb.event
            if ea is eb or ea.valid.start is None or eb.valid.start is None:
                continue
            if eb.valid.granularity.rank > ea.valid.granularity.rank and eb.valid.granularity.rank >= \
                    Granularity.WEEK.rank and eb.valid.covers(ea.valid) and \
                    {p.entity_id for p in ea.participants} & {p.entity_id for p in eb.participants}:
                add(ea, eb, LinkType.PART_OF)
    return list(out.values())


__all__ = ["links"]
