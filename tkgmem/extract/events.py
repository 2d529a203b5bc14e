"""Events: one per content clause, with predicate, participants and roles, modality, valid interval, place.

Time attachment follows the syntax: a time expression belongs to the clause whose head governs it.
A clause without one inherits the narrative time of its episode (the last past time mentioned before
it) when it reports the past, and is otherwise dated to the reference day if it happened or is
ongoing, open-ended after the reference time if planned, and left undated if habitual, negated or
hypothetical. The same event mentioned twice (same participants, predicate, object and day) gets the
same lineage id, so the store records it once with both provenance spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tkgmem.extract.people import FIRST, FIRST_PLURAL, People
from tkgmem.extract.segment import Clause
from tkgmem.model import Episode, Event, Modality, Participant, Span, stable_id
from tkgmem.temporal import Granularity, Interval, floor
from tkgmem.timex import TimeMention

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# Verbs of conversation and opinion: events only when dated ("I saw it yesterday" is; "I think so" is not).
CHATTER = frozenset({
    "be", "think", "know", "guess", "mean", "hope", "sound", "seem", "look", "feel", "thank", "say", "tell",
    "let", "wish", "bet", "want", "need", "can", "agree", "remember", "believe", "care", "wonder", "hear",
    "love", "like", "appreciate", "glad", "keep", "check", "imagine", "do", "talk", "chat", "catch", "matter",
    "mind", "have", "get", "sure", "miss", "understand", "realize", "admire", "bless", "note",
})
# "We went hiking yesterday", "I started learning guitar last month": the parser often hangs the time on
# the -ing complement, but the motion / aspect verb happened then too (unlike "want to visit ... next year").
_SHARES_COMPLEMENT_TIME = frozenset({"go", "come", "start", "begin", "stop", "finish", "quit", "try", "continue",
                                     "resume"})
_PLAN_HEADS = frozenset({"plan", "hope", "want", "intend", "aim", "decide", "wait", "look", "think", "consider",
                         "wanna", "gonna", "prepare", "schedule", "expect"})
_HYPO_AUX = frozenset({"would", "could", "might", "should", "may", "'d"})
_FUTURE_AUX = frozenset({"will", "'ll", "shall", "wo"})
_HABIT_ADV = frozenset({"usually", "always", "often", "sometimes", "regularly", "normally", "generally",
                        "frequently", "rarely", "never"})
_PLACE_ENTS = frozenset({"GPE", "LOC", "FAC"})
_TIME_ENTS = frozenset({"DATE", "TIME"})
_CONTRAST_MARKS = frozenset({",", ";", "-", "–", "—"})  # "we moved in July, not August"


@dataclass
class ClauseEvent:
    """An event with the clause it came from, for the link stage."""

    clause: Clause
    event: Event
    denies: Event | None = None  # "moved to Berlin, not Munich": the move to Munich, negated
    dated_by: Event | None = None  # the event whose stated time this one took ("..., so I relocated")


def modality(head: Token, times: list[TimeMention], reference: datetime, sent_start: int | None = None) -> Modality:
    children = list(head.children)
    lowers = {c.lower_ for c in children}
    auxes = {c.lower_ for c in children if c.dep_ in ("aux", "auxpass")}
    if any(c.dep_ == "neg" and not _contrastive(c, head) for c in children) or "never" in lowers:
        return Modality.NEGATED
    if any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in children) or auxes & _HYPO_AUX:
        return Modality.HYPOTHETICAL
    if auxes & _FUTURE_AUX or (head.dep_ == "xcomp" and head.head.lower_ in ("gonna", "going", "gon")):
        return Modality.PLANNED
    if head.dep_ == "xcomp" and head.head.lemma_.lower() in _PLAN_HEADS:
        return Modality.PLANNED
    day_end = floor(reference, Granularity.DAY) + timedelta(days=1)
    if any(t.kind == "set" for t in times) or lowers & _HABIT_ADV:
        return Modality.HABITUAL
    if times and all(t.interval.start is not None and t.interval.start >= day_end for t in times):
        return Modality.PLANNED
    tag = head.tag_
    if tag == "VB" and times and all(t.interval.start is not None and t.interval.start < day_end for t in times):
        return Modality.HAPPENED  # "Lost my job yesterday": a past-dated base form is a dropped-subject past
    if tag == "VBD" or (tag == "VBN" and auxes & {"have", "has", "'ve", "had", "'s"}):
        return Modality.HAPPENED
    if tag == "VBG":
        if auxes & {"was", "were"}:
            return Modality.HAPPENED
        if "been" in auxes:
            return Modality.ONGOING
        return Modality.ONGOING
    if tag in ("VBP", "VBZ"):
        return Modality.ONGOING if times else Modality.HABITUAL
    if tag == "VBN":
        return Modality.HAPPENED
    if tag == "VB" and head.i == (head.sent.start if sent_start is None else sent_start):
        return Modality.HYPOTHETICAL  # imperative
    return Modality.HAPPENED if tag == "VB" and not auxes else Modality.ONGOING


def _contrastive(neg: Token, head: Token) -> bool:
    """ "We moved in July, not August": a "not" after the verb and a comma corrects a detail, the event
    happened. Clause negation stands before the main verb ("did not move"), or right after a copula, never
    behind a comma."""
    return neg.i > head.i and neg.i > 0 and neg.doc[neg.i - 1].text in _CONTRAST_MARKS


def _contrastive_not(clause: Clause, head: Token) -> Token | None:
    """The "not" of "X, not Y" after the clause's verb, wherever the parser hangs it (on the verb, on Y)."""
    for tok in head.doc[head.i + 1: head.sent.end]:
        if tok.idx >= clause.end:
            break
        if tok.lower_ == "not" and _contrastive(tok, head):
            return tok
    return None


def _denied_time(neg: Token | None, times: list[TimeMention]) -> TimeMention | None:
    """The time a contrastive "not" denies ("moved to Berlin in July, not August")."""
    if neg is None:
        return None
    after = neg.idx + len(neg.text)
    return next((t for t in times if after <= t.start <= after + 1 and t.kind == "point"
                 and t.interval.start is not None), None)


def _affirmed(clause: Clause, doc: Doc, neg: Token | None) -> str:
    """The clause's text without what it denies ("we moved to Berlin last month, not Munich" -> "... last
    month"): the event's summary is matched against questions, and the move did not go to Munich."""
    if neg is not None and clause.start <= neg.idx < clause.end:
        return doc.text[clause.start:neg.idx].strip(" -–—,;:\n\t") or clause.text(doc)
    return clause.text(doc)


def _denial(event: Event, neg: Token | None, obj_key: str, day_key: str, summary: str) -> Event | None:
    """ "We moved to Berlin last month, not Munich": the same event with Munich as its object did not happen.
    Keyed as that event would be, so a move to Munich told before gets a negated version (and is no longer
    believed); told before or not, the memory now holds that it did not happen. `summary`: the whole clause.
    Not when a person takes part besides the agent ("talked to Bob, not Jane"): keyed by its people, that
    event would need Jane resolved, and would wrongly keep Bob."""
    if neg is None or not obj_key or any(p.role != "agent" for p in event.participants):
        return None
    words = []
    for tok in neg.doc[neg.i + 1: neg.i + 6]:
        if tok.pos_ in ("NOUN", "PROPN") and tok.ent_type_ not in _TIME_ENTS:
            words.append(tok)
        elif words or tok.pos_ not in ("DET", "ADP"):
            break
    if not words or words[-1].lemma_.lower() == obj_key:
        return None
    lineage = stable_id("ev", event.tenant, *sorted({p.entity_id for p in event.participants}), event.predicate,
                        words[-1].lemma_.lower(), day_key)
    return event.model_copy(update={
        "lineage_id": lineage, "modality": Modality.NEGATED, "place_id": None, "summary": summary,
        "version_id": stable_id("v", lineage, "extract", str(event.valid), Modality.NEGATED.value)})


def assign_times(doc: Doc, clauses: list[Clause], times: list[TimeMention]) -> dict[int, list[TimeMention]]:
    """Clause head index -> the time mentions its head governs (by walking up from the expression)."""
    heads = {c.head: c for c in clauses}
    out: dict[int, list[TimeMention]] = {}
    for tm in times:
        span = doc.char_span(tm.start, tm.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            continue
        tok: Token | None = span.root
        steps = 0
        while tok is not None and tok.i not in heads and steps < 12:
            tok = None if tok.head is tok else tok.head
            steps += 1
        if tok is not None and tok.i in heads:
            owner = _trailing_owner(doc, clauses, heads[tok.i], tm, span.end) or heads[tok.i]
            out.setdefault(owner.head, []).append(tm)
    return out


def _trailing_owner(doc: Doc, clauses: list[Clause], governor: Clause, tm: TimeMention, after: int) -> Clause | None:
    """The clause a time expression ends, when the parser hung it on the next clause instead.

    In "Carol went hiking in the Alps yesterday, she sends her regards" the parser makes "yesterday" a
    modifier of "sends". A time expression that opens a clause, is cut from it by a comma, and follows the
    previous clause with nothing in between ends that previous clause; a fronted one ("Yesterday, she
    went ...", "..., and yesterday, she went") has a sentence start or a word before it instead."""
    if tm.start > governor.start or after >= len(doc) or doc[after].text not in (",", ";"):
        return None
    ended = [c for c in clauses if c.head != governor.head and c.end <= tm.start
             and c.sent == governor.sent and not doc.text[c.end:tm.start].strip()]
    return min(ended, key=lambda c: c.start) if ended else None


def _predicate(head: Token) -> str:
    prt = next((c.lower_ for c in head.children if c.dep_ == "prt"), None)
    lemma = head.lemma_.lower()
    return f"{lemma}_{prt}" if prt else lemma


def _object(head: Token) -> Token | None:
    for c in head.children:
        if c.dep_ in ("dobj", "attr", "oprd"):
            return c
    for c in head.children:
        if c.dep_ in ("prep", "dative"):
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    for c in head.children:
        if c.dep_ == "xcomp":
            return c
    return None


def _ellipsis_subject(head: Token, first: int) -> bool:
    """'Lost my job yesterday' in a dialogue turn: a sentence-initial past verb with no subject is 'I'."""
    lead = [t for t in head.doc[first:head.i] if not (t.is_punct or t.pos_ in ("INTJ", "CCONJ", "ADV", "SCONJ")
                                                       or t.lower_ in ("oh", "btw", "also", "just", "and"))]
    return not lead and head.tag_ in ("VBD", "VBN", "VBG", "VB") and head.dep_ == "ROOT"


class EventBuilder:
    def __init__(self, tenant: str, people: People, recorded_at: datetime) -> None:
        self.tenant = tenant
        self.people = people
        self.recorded_at = recorded_at

    def build(self, ep: Episode, doc: Doc, clauses: list[Clause], times: list[TimeMention]) -> list[ClauseEvent]:
        owned = assign_times(doc, clauses, times)
        claimed = {id(t) for ts in owned.values() for t in ts}
        by_head = {c.head: c for c in clauses}
        out: list[ClauseEvent] = []
        narrative: TimeMention | None = None  # last past time mentioned so far in this episode
        stated: dict[int, Event] = {}  # time mention (by id) -> the event whose own clause states it
        for clause in clauses:
            head = doc[clause.head]
            own = owned.get(clause.head, [])
            if not own and head.lemma_.lower() in _SHARES_COMPLEMENT_TIME:
                own = next((owned[c.i] for c in head.children if c.dep_ == "xcomp" and c.i in owned), [])
            # An unclaimed time in the same sentence belongs to the sentence's main clause.
            if not own:
                own = [t for t in times if id(t) not in claimed and clause.start <= t.start < clause.end]
            if head.lower_ in ("going", "gon", "gonna") and any(c.dep_ == "xcomp" for c in head.children):
                continue  # "going to X": the event is X, planned
            if not own and head.dep_ in ("conj", "xcomp", "advcl") and head.head.i in by_head:
                inherited = owned.get(head.head.i, [])
                own = [t for t in inherited if t.kind != "set"]
                bare = modality(head, [], ep.reference_time, clause.sent_start)
                if own and bare in (Modality.PLANNED, Modality.HYPOTHETICAL):
                    # a plan keeps a future time of its governor, never a past one ("lost X yesterday, so
                    # I'm gonna Y")
                    own = [t for t in own if t.interval.start is not None and t.interval.start >= ep.reference_time]
            contrast = _contrastive_not(clause, head)
            denied = _denied_time(contrast, times)
            own = [t for t in own if t is not denied]
            mod = modality(head, own, ep.reference_time, clause.sent_start)
            if head.tag_ == "VB" and head.i == clause.sent_start and mod is Modality.HYPOTHETICAL:
                continue  # an imperative ("Check it out!") is no event
            lemma = head.lemma_.lower()
            if lemma in CHATTER and not own and not _has_place(head) and not _owned_state(head) and (
                mod is not Modality.HAPPENED or not any(c.dep_ == "dobj" for c in head.children)
            ):
                continue
            parts = self._participants(ep, doc, clause, head)
            if not parts and own and ep.speaker and mod is Modality.HAPPENED:
                # "Here's a pic from last Friday": a dated report of the speaker's.
                parts = [Participant(entity_id=self.people.c.entity_id(ep.speaker, "person"), role="topic")]
            if not parts:
                continue
            past_before = [t for t in times if t.end <= clause.start and t.kind in ("point", "range")
                           and t.interval.start is not None and t.interval.start <= ep.reference_time]
            if past_before:
                narrative = past_before[-1]
            valid, dating = self._valid(ep, mod, own, narrative)
            obj = _object(head)
            predicate = _predicate(head)
            obj_key = obj.lemma_.lower() if obj is not None else ""
            # A correction ("moved in July, not August") is the event told before with the day it was told
            # at: same lineage, so the store supersedes that version instead of adding a second move.
            keyed = denied.interval.start if denied is not None else valid.start
            day_key = keyed.date().isoformat() if keyed is not None else "open"
            pids = sorted({p.entity_id for p in parts})
            lineage = stable_id("ev", self.tenant, *pids, predicate, obj_key, day_key)
            spans = (Span(episode_id=ep.id, start=clause.start, end=clause.end),)
            event = Event(
                version_id=stable_id("v", lineage, "extract", str(valid), mod.value),
                lineage_id=lineage,
                tenant=self.tenant,
                valid=valid,
                recorded_at=self.recorded_at,
                reason="ingest",
                provenance=spans,
                predicate=predicate,
                summary=_affirmed(clause, doc, contrast),
                participants=tuple(parts),
                place_id=self._place(ep, head),
                modality=mod,
            )
            denial = None if denied else _denial(event, contrast, obj_key, day_key, clause.text(doc))
            dated_by = None
            if dating is not None and clause.start <= dating.start < clause.end:
                stated.setdefault(id(dating), event)
            elif dating is not None:
                dated_by = stated.get(id(dating))
            out.append(ClauseEvent(clause, event, denial, dated_by))
        return out

    def _valid(self, ep: Episode, mod: Modality, own: list[TimeMention],
               narrative: TimeMention | None) -> tuple[Interval, TimeMention | None]:
        """The event's valid interval, and the time mention it was read from (None: the reference time)."""
        ref = ep.reference_time
        day = Interval.granule(ref, Granularity.DAY)
        if own:
            best = min(own, key=lambda t: (t.kind == "set", t.interval.granularity.rank))
            return best.interval, best
        if mod is Modality.HAPPENED:
            return (narrative.interval, narrative) if narrative is not None else (day, None)
        if mod is Modality.ONGOING:
            return day, None
        if mod is Modality.PLANNED:
            return Interval(start=ref, start_granularity=Granularity.INSTANT), None
        return Interval(), None

    def _participants(self, ep: Episode, doc: Doc, clause: Clause, head: Token) -> list[Participant]:
        parts: list[Participant] = []
        subj = doc[clause.subject] if clause.subject is not None else None
        if subj is not None:
            ref = self.people.refer(subj, ep)
            if ref is not None:
                parts += [Participant(entity_id=i, role="agent") for i in ref.ids]
            else:
                # "My old area was hit": the possessor takes part.
                poss = next((c for c in subj.children if c.dep_ == "poss"), None)
                if poss is not None and poss.lower_ in FIRST | FIRST_PLURAL and ep.speaker:
                    parts.append(Participant(entity_id=self.people.c.entity_id(ep.speaker, "person"),
                                             role="experiencer"))
        elif ep.speaker and _ellipsis_subject(head, clause.sent_start):
            parts.append(Participant(entity_id=self.people.c.entity_id(ep.speaker, "person"), role="agent"))
        for c in head.children:
            targets: list[tuple[Token, str]] = []
            if c.dep_ in ("dobj", "dative"):
                targets.append((c, "patient" if c.dep_ == "dobj" else "recipient"))
            elif c.dep_ == "prep" and c.lower_ in ("with", "to", "for"):
                targets += [(g, c.lower_) for g in c.children if g.dep_ == "pobj"]
            for tok, role in targets:
                ref = self.people.refer(tok, ep)
                if ref is not None:
                    parts += [Participant(entity_id=i, role=role) for i in ref.ids]
        seen: set[str] = set()
        out = []
        for p in parts:
            if p.entity_id not in seen:
                seen.add(p.entity_id)
                out.append(p)
        return out

    def _place(self, ep: Episode, head: Token) -> str | None:
        for c in head.children:
            if c.dep_ == "prep" and c.lower_ in ("to", "in", "at", "from", "near"):
                for g in c.children:
                    if g.dep_ == "pobj" and g.ent_type_ in _PLACE_ENTS:
                        ent = next((e for e in g.doc.ents if e.start <= g.i < e.end), None)
                        if ent is not None:
                            from tkgmem.extract.mentions import clean_name

                            return self.people.c.entity_id(clean_name(ent.text), "place")
        return None


def _owned_state(head: Token) -> bool:
    """'My store is open!': a copula whose subject is something of the speaker's is news, not chatter."""
    if head.lemma_ != "be":
        return False
    subj = next((c for c in head.children if c.dep_ == "nsubj"), None)
    return subj is not None and subj.pos_ == "NOUN" and any(
        c.dep_ == "poss" and c.lower_ in FIRST | FIRST_PLURAL for c in subj.children
    ) and any(c.dep_ in ("acomp", "attr") for c in head.children)


def _has_place(head: Token) -> bool:
    return any(c.dep_ == "prep" and any(g.dep_ == "pobj" and g.ent_type_ in _PLACE_ENTS for g in c.children)
               for c in head.children)


__all__ = ["CHATTER", "ClauseEvent", "EventBuilder", "assign_times", "modality"]
