"""Facts: relations of the canonical vocabulary read off the parse of an event's clause.

A verb (with its preposition) names a relation ("live in", "move to" -> lives_in; "work at" ->
works_at); the object is an entity when the NER found one, else a literal value. The valid interval
starts at the event's time when the clause reports a change ("moved to Boston last year"), and is
left open for plain present-tense states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tkgmem.extract.events import ClauseEvent
from tkgmem.extract.mentions import EntityCollector, clean_name, entity_type
from tkgmem.model import Episode, FactInput, Modality, Span
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry
from tkgmem.temporal import Interval

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# (verb lemma, preposition or "" for a direct object) -> (relation, starts a new state?)
PATTERNS: dict[tuple[str, str], tuple[str, bool]] = {
    ("live", "in"): ("lives_in", False), ("live", "at"): ("lives_in", False),
    ("move", "to"): ("lives_in", True), ("relocate", "to"): ("lives_in", True),
    ("work", "at"): ("works_at", False), ("work", "for"): ("works_at", False),
    ("work", "in"): ("works_at", False), ("work", "as"): ("works_as", False),
    ("join", ""): ("member_of", True), ("study", "at"): ("studies_at", False),
    ("study", "in"): ("studies_at", False), ("attend", ""): ("studies_at", False),
    ("marry", ""): ("married_to", True), ("date", ""): ("dating", False),
    ("own", ""): ("owns", False), ("buy", ""): ("owns", True), ("adopt", ""): ("has_pet", True),
    ("love", ""): ("likes", False), ("like", ""): ("likes", False), ("enjoy", ""): ("likes", False),
    ("hate", ""): ("dislikes", False), ("dislike", ""): ("dislikes", False),
    ("volunteer", "at"): ("member_of", False), ("teach", "at"): ("works_at", False),
}
_ATTEND_OBJECTS = ("school", "college", "university", "academy", "class", "course")
_BAD_VALUES = frozenset({"it", "that", "this", "them", "those", "these", "one", "what", "which", "something",
                         "everything", "anything", "you", "him", "her", "me", "us"})


def _object_of(head: Token, prep: str) -> Token | None:
    if not prep:
        return next((c for c in head.children if c.dep_ in ("dobj", "xcomp")), None)
    for c in head.children:
        if c.dep_ == "prep" and c.lower_ == prep:
            return next((g for g in c.children if g.dep_ == "pobj"), None)
    return None


class FactExtractor:
    def __init__(self, collector: EntityCollector, relations: RelationRegistry = DEFAULT_RELATIONS) -> None:
        self.c = collector
        self.relations = relations

    def facts(self, ep: Episode, doc: Doc, events: list[ClauseEvent]) -> list[FactInput]:
        out: list[FactInput] = []
        for ce in events:
            ev = ce.event
            if ev.modality in (Modality.NEGATED, Modality.HYPOTHETICAL, Modality.PLANNED):
                continue
            agents = [p.entity_id for p in ev.participants if p.role == "agent"]
            if not agents:
                continue
            head = doc[ce.clause.head]
            lemma = head.lemma_.lower()
            for (verb, prep), (relation, starts) in PATTERNS.items():
                if verb != lemma:
                    continue
                obj = _object_of(head, prep)
                if obj is None:
                    continue
                if verb == "attend" and obj.lemma_.lower() not in _ATTEND_OBJECTS:
                    continue
                target = self._target(ep, doc, obj)
                if target is None:
                    continue
                object_id, value = target
                valid = Interval.since(ev.valid.start, ev.valid.start_granularity) if (
                    starts and ev.valid.start is not None) else Interval()
                span = Span(episode_id=ep.id, start=ce.clause.start, end=ce.clause.end)
                for agent in agents:
                    out.append(FactInput(subject_id=agent, relation=self.relations.canonical(relation),
                                         object_id=object_id, object_value=value, valid=valid,
                                         confidence=0.7, provenance=(span,)))
                break
        return out

    def _target(self, ep: Episode, doc: Doc, obj: Token) -> tuple[str | None, str | None] | None:
        ent = next((e for e in doc.ents if e.start <= obj.i < e.end), None)
        if ent is not None and (type_ := entity_type(ent.label_)) is not None:
            name = clean_name(ent.text)
            span = Span(episode_id=ep.id, start=ent.start_char, end=ent.end_char)
            return self.c.mention(name, type_, span), None
        if obj.lower_ in _BAD_VALUES or obj.pos_ == "PRON":
            return None
        words = [t for t in obj.subtree if t.dep_ not in ("det", "poss", "punct") and not t.is_space]
        words = [t for t in words if t.i >= obj.i - 3 and t.i <= obj.i]
        value = " ".join(t.lower_ for t in words).strip()
        return (None, value) if value else None


__all__ = ["PATTERNS", "FactExtractor"]
