"""Question -> plans. Reads the operators, the anchor (the clause or entity a time operator points at),
the main clause and the question's own time range, and builds one or more candidate plans (a fact
reading first when the verb names a known relation, then an event reading).

Shapes handled (each generalises over wording, not over a lexicon of entities):
- simple: "When did Caroline go to the support group?", "Who visited China in June 2010?"
- anchored by a clause: "Where did Alice work before she moved to Berlin?" (t1 = the move, then the last
  works_at before t1); "What was the first thing Bob did after the merger?"
- anchored by an entity (MultiTQ): "Who negotiated with X before China?" (t1 = when China did it)
- shared time: "Who visited Paris in the same month as Carol?" (same_month on Carol's visit)
- measures: "How long after the wedding did they buy the house?" (gap), "How long did Alice live in Paris?"
- selectors and counts: first / last / n-th, "How many times ..."
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tkgmem.navigate.parser.clauses import PRONOUNS, Clause, answer_kind, entity_mentions, lemma, read_clause
from tkgmem.navigate.parser.signals import Signals, detect, multitq_qtype, timequestions_signals
from tkgmem.navigate.parser.timerange import QuestionRange, question_range
from tkgmem.navigate.plan import (
    AnswerSpec,
    Measure,
    Pattern,
    Plan,
    Selector,
    Slot,
    Step,
    TimeConstraint,
    TimeRef,
)
from tkgmem.navigate.text import stem
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry, canonical_key
from tkgmem.temporal import Basis, Granularity, Interval

_CONNECTIVE = re.compile(
    r"\b(?P<conn>before|after|prior\s+to|following|since|until|when|while|during|"
    r"(?:in|on|at|during)\s+the\s+same\s+(?P<same>day|week|month|year|time)\s+(?:as|of)|"
    r"at\s+the\s+same\s+time\s+as)\b",
    re.I,
)
_ORDINAL_WORDS = re.compile(r"\b(?:the\s+)?(?:first|last|latest|earliest|final|most\s+recent(?:ly)?|second|third|"
                            r"fourth|fifth|\d+(?:st|nd|rd|th))\b(?:\s+time)?", re.I)
_EVENT_ANSWER = re.compile(r"^\s*what\s+(?:was|is|were)\s+(?:the\s+)?(?:\w+\s+){0,2}(?:thing|activity|activities|event|"
                           r"step|action|project|initiative)s?\b", re.I)
_HOW_LONG_GAP = re.compile(r"^\s*how\s+(?:long|much\s+time|many\s+(?:days|weeks|months|years))\s+(after|before)\s+"
                           r"(?P<anchor>.+?)\s+(?P<rest>(?:did|does|do|was|were|had|has|have)\b.+)$", re.I)


# "Who is Bob?", "Tell me about Alice Smith": what the memory holds about one named entity. The name must
# look like one (capitalised words), so "who is the CEO of Acme" stays a relation question.
_PROFILE = re.compile(r"^\s*(?i:who(?:\s+is|\s+was|'s)|tell\s+me\s+about|what\s+do\s+(?:you|we|I)\s+know\s+"
                      r"about|what\s+is\s+known\s+about)\s+(?P<name>[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3})\s*$")


@dataclass
class ParsedQuestion:
    """Everything the rules read from a question; plans are built from this."""

    text: str
    signals: Signals
    kind: str
    granularity: Granularity | None
    main: Clause
    anchor: Clause | None = None
    anchor_entity: str | None = None
    connective: str | None = None
    same: Granularity | None = None
    time_range: QuestionRange | None = None
    selector: Selector = field(default_factory=Selector)
    entities: list[str] = field(default_factory=list)

    @property
    def operators(self) -> list[str]:
        return self.signals.operators

    @property
    def qtype(self) -> str:
        return multitq_qtype(self.text, self.signals)

    @property
    def signal(self) -> str:
        return timequestions_signals(self.text, self.signals)[0]

    def shape(self) -> str:
        """The question with entities and times abstracted: what the experience memory keys on."""
        bits = [self.kind, self.connective or "-", self.same.value if self.same else "-", self.selector.op,
                str(self.selector.n) if self.selector.op == "nth" else "",
                "S" if self.main.subject else ("?S" if self.main.subject_is_answer else "-"),
                "O" if self.main.object else ("?O" if self.main.object_is_answer else "-"),
                "A" if self.anchor else ("E" if self.anchor_entity else "-"),
                (self.time_range.source.split(":")[0] if self.time_range and self.time_range.interval else "-")]
        return "|".join(bits)


def _selector(text: str, s: Signals) -> Selector:
    if s.nth is not None and s.nth > 1:
        return Selector(op="nth", n=s.nth)
    if re.search(r"\b(?:last|latest|final|most\s+recent(?:ly)?)\b", text, re.I):
        return Selector(op="last")
    if re.search(r"\b(?:first|earliest)\b", text, re.I):
        return Selector(op="first")
    if s.count:
        return Selector(op="count")
    return Selector()


def parse(question: str, *, now: datetime) -> ParsedQuestion:
    """Read a question (asked at `now`)."""
    q = " ".join(question.strip().rstrip("?").split())
    s = detect(q)
    kind, gran = answer_kind(q)
    if kind == "entity" and _EVENT_ANSWER.match(q):
        kind = "event"
    tr = question_range(q, now, tense_default=False)
    time_spans = [(m.start, m.end) for m in tr.mentions]
    pq = ParsedQuestion(text=q, signals=s, kind=kind, granularity=gran, main=Clause(text=q), time_range=tr,
                        selector=_selector(q, s), entities=[m.text for m in entity_mentions(q)])
    profile = _PROFILE.match(q)
    if profile:
        name = profile.group("name").rstrip(".!")  # "Tell me about Alice Smith."
        pq.kind = "profile"
        pq.entities = [name]
        pq.main = Clause(text=q, subject=name)
        return pq
    gap = _HOW_LONG_GAP.match(q)
    if gap:
        pq.connective = "gap_" + gap.group(1).lower()
        pq.anchor = read_clause(gap.group("anchor"), question=False, kind=kind)
        pq.main = read_clause(gap.group("rest"), question=True, kind=kind)
        return pq
    main_text = q
    for m in _CONNECTIVE.finditer(q):
        if any(a <= m.start() < b for a, b in time_spans) or _is_time_after(m.end(), time_spans, q):
            continue  # "before July 2005": a literal time, already in the time range
        if m.group("conn").lower() == "when" and m.start() == 0:
            continue  # "When did ...": the question word
        conn = m.group("conn").lower()
        pq.same = {"day": Granularity.DAY, "week": Granularity.WEEK, "month": Granularity.MONTH,
                   "year": Granularity.YEAR}.get((m.group("same") or "").lower())
        if m.group("same") or conn.startswith("at the same time"):
            conn = "same"
        pq.connective = conn.split()[0] if conn != "same" else "same"
        if m.start() == 0 or q[: m.start()].strip().endswith(","):
            # "Before Malaysia, with whom did ...": the anchor runs to the comma
            comma = q.find(",", m.end())
            anchor_text = q[m.end(): comma if comma > 0 else len(q)]
            main_text = q[comma + 1:] if comma > 0 else q[: m.start()]
        else:
            anchor_text = q[m.end():]
            main_text = q[: m.start()]
        _read_anchor(pq, anchor_text.strip(" ,"))
        break
    main_text = _WHO_WAS_FIRST.sub(r"\1 ", main_text)  # "who was the first to visit X" = "who visited X"
    main_text = _ORDINAL_WORDS.sub(" ", main_text) if pq.selector.op in ("first", "last", "nth") else main_text
    main_text = _blank_times(main_text, tr)
    pq.main = read_clause(" ".join(main_text.split()), question=True, kind=kind)
    if kind == "event":
        _event_subject(pq)
    return pq


_FUTURE_Q = re.compile(r"\b(?:will|going\s+to|gonna|plan(?:s|ning|ned)?\s+(?:to|on)|upcoming|next)\b", re.I)
_PRESENT = re.compile(r"^\s*(?:\w+\s+){0,2}?(?:does|do|is|are|am)\b(?!\s+\w+ed\b)|\b(?:now|currently|current|"
                      r"these\s+days|at\s+the\s+moment|nowadays)\b", re.I)
_WHO_WAS_FIRST = re.compile(r"^\s*((?:who|which\s+\w+|what\s+\w+))\s+(?:was|were|is|are)\s+the\s+"
                            r"(?:first|last|latest|earliest|final|second|third|\w+th)\s+(?:\w+\s+)?to\s+", re.I)
_GENERIC = {"thing", "activ", "activity", "event", "step", "action", "project", "initiativ", "initiative"}


def _blank_times(text: str, tr: QuestionRange) -> str:
    """Drop the time expressions (they became constraints) so they are not read as keywords."""
    for m in tr.mentions:
        text = text.replace(m.text, " ")
    return text


def _event_subject(pq: ParsedQuestion) -> None:
    """"What was the first thing Bob did": the subject is the entity, the answer is the event itself."""
    c = pq.main
    ents = entity_mentions(c.text)
    if ents and not c.subject:
        c.subject = ents[0].text
    c.object_is_answer = False
    c.subject_is_answer = False
    c.object = None
    if c.verb and ((c.subject and c.verb == c.subject.lower()) or c.verb in ("do", "did", "happen")):
        c.verb = None
    c.keywords = [k for k in c.keywords if stem(k) not in _GENERIC and k != (c.subject or "").lower()]
    if c.verb and c.subject and c.verb.startswith(c.subject.lower()[:3]):
        c.verb = None


def _is_time_after(pos: int, spans: list[tuple[int, int]], q: str) -> bool:
    """The connective is directly followed by a time expression ("before 22 May 2013")."""
    nxt = len(q) - len(q[pos:].lstrip(" ,"))
    return any(a <= nxt < b or a == nxt for a, b in spans)


def _read_anchor(pq: ParsedQuestion, text: str) -> None:
    text = re.sub(r"\s+(?:did|does|do|had|has|was|were)\s*$", "", text)  # "after Kuwait did"
    c = read_clause(text, question=False, kind=pq.kind)
    ents = entity_mentions(text)
    bare_entity = ents and len(ents) == 1 and re.fullmatch(
        r"(?:the\s+)?" + re.escape(ents[0].text) + r"(?:['’]s)?(?:\s+(?:did|does|had|has|was|were|visit|do))?",
        text.strip(), re.I)
    if bare_entity:
        pq.anchor_entity = ents[0].text
        return
    pq.anchor = c


# -- plan building ------------------------------------------------------------------------------------
_REL_PREPS = ("at", "in", "for", "to", "with", "as", "of")


_INDEX: dict[int, tuple[RelationRegistry, dict[str, str]]] = {}


def _synonyms(registry: RelationRegistry) -> dict[str, str]:
    """canonical_key(name or synonym) -> relation, built once per registry."""
    hit = _INDEX.get(id(registry))
    if hit is None or hit[0] is not registry:
        index = {}
        for name, words in registry.synonyms.items():
            index[canonical_key(name)] = name
            for w in words:
                index.setdefault(canonical_key(w), name)
        hit = (registry, index)
        _INDEX[id(registry)] = hit
    return hit[1]


def relation_for(verb: str | None, text: str, registry: RelationRegistry = DEFAULT_RELATIONS) -> str | None:
    """A canonical relation the clause's verb names ("work at" -> works_at, "live in" -> lives_in)."""
    if not verb:
        return None
    index = _synonyms(registry)
    preps = re.findall(r"\b(?:at|in|for|to|with|as|of)\b", text.lower()) + list(_REL_PREPS)
    forms = [verb, verb + "s", verb + "es", verb + "ed", verb + "d"]
    forms += [w for w in re.findall(r"[a-z]+", text.lower()) if lemma(w) == verb and w not in forms]
    for f in forms:
        for p in preps:
            rel = index.get(canonical_key(f"{f} {p}"))
            if rel is not None:
                return rel
    for f in forms:
        rel = index.get(canonical_key(f))
        if rel is not None and rel not in ("owns",):
            return rel
    return None


def _slot(name: str | None, subject: str | None) -> Slot | None:
    if name is None:
        return None
    if name.lower() in PRONOUNS:
        return Slot(name=subject, type="person") if subject else None
    return Slot(name=name)


def _pattern(c: Clause, target: str, registry: RelationRegistry, *, answer_var: str = "?x",
             pronoun_ref: str | None = None, replace_answer: str | None = None) -> Pattern:
    """A step pattern for a clause; the answer slot becomes `answer_var` (or the literal
    `replace_answer`, for the anchor entity's own occurrence)."""
    subj = _slot(c.subject, pronoun_ref)
    obj = _slot(c.object, pronoun_ref)
    if c.subject_is_answer:
        subj = Slot(name=replace_answer) if replace_answer else Slot(var=answer_var)
    if c.object_is_answer:
        obj = Slot(name=replace_answer) if replace_answer else Slot(var=answer_var)
    keywords = list(c.keywords)
    if target == "fact":
        rel = relation_for(c.verb, c.text, registry)
        return Pattern(target="fact", subject=subj, object=obj, relations=[rel] if rel else [], keywords=keywords)
    if obj is not None and obj.name and target == "event":
        keywords = keywords  # the object is matched as a participant or in the summary
    return Pattern(target="event", subject=subj, object=obj, predicates=[c.verb] if c.verb else [],
                   keywords=keywords)


def _time_constraints(pq: ParsedQuestion) -> list[TimeConstraint]:
    tr = pq.time_range
    if tr is None or tr.interval is None:
        return []
    iv = tr.interval
    src = tr.source
    if src.startswith("tense"):
        return []
    if src == "before":
        assert iv.end is not None
        return [TimeConstraint(op="before", ref=TimeRef(interval=Interval(start=iv.end, end=iv.end)))]
    if src == "after":
        assert iv.start is not None
        return [TimeConstraint(op="after", ref=TimeRef(interval=Interval(start=iv.start, end=iv.start)))]
    if src == "explicit:open":
        if iv.start is not None:
            return [TimeConstraint(op="after", ref=TimeRef(interval=Interval(start=iv.start, end=iv.start)))]
        return [TimeConstraint(op="before", ref=TimeRef(interval=Interval(start=iv.end, end=iv.end)))]
    return [TimeConstraint(op="in", ref=TimeRef(interval=iv))]


# Verbs whose event ends a state of its object (the anchor of "after she left X").
_ENDS = frozenset({"leave", "quit", "resign", "retire", "sell", "divorce", "depart", "exit", "abandon", "fire",
                   "lose", "close", "drop", "break", "end"})


def build_plans(pq: ParsedQuestion, *, basis: Basis | None = None,
                registry: RelationRegistry = DEFAULT_RELATIONS) -> list[Plan]:
    """Candidate plans in preference order (fact reading first when the verb names a relation)."""
    if pq.kind == "profile":
        return [_profile_plan(pq, basis or Basis())]
    targets = ["event"]
    if relation_for(pq.main.verb, pq.main.text, registry):
        targets = ["fact", "event"]
    plans = []
    for target in targets:
        plan = _build(pq, target, basis or Basis(), registry)
        if plan is not None:
            plans.append(plan)
    return plans


def _profile_plan(pq: ParsedQuestion, basis: Basis) -> Plan:
    """The entity's facts (those true at the basis for "who is", all of them for "who was") and the events
    it took part in; neither depends on the other, and either alone answers."""
    name = pq.entities[0]
    present = not re.match(r"^\s*who\s+was\b", pq.text, re.I)
    steps = [Step(id="facts", pattern=Pattern(target="fact", subject=Slot(name=name)), at_basis=present,
                  description=f"facts about {name}"),
             Step(id="events", pattern=Pattern(target="event", subject=Slot(name=name)),
                  description=f"events {name} took part in")]
    return Plan(steps=steps, answer=AnswerSpec(step="facts", kind="profile"), basis=basis, question=pq.text,
                operators=["profile"])


def _answer_kind(pq: ParsedQuestion) -> str:
    return {"time": "time", "count": "count", "duration": "duration", "yes_no": "yes_no",
            "event": "event"}.get(pq.kind, "entity")


def _build(pq: ParsedQuestion, target: str, basis: Basis, registry: RelationRegistry) -> Plan | None:
    main = pq.main
    subject_ref = main.subject if main.subject and main.subject.lower() not in PRONOUNS else None
    if subject_ref is None and main.subject_is_answer is False and pq.entities:
        subject_ref = pq.entities[0]
    kind = _answer_kind(pq)
    constraints = _time_constraints(pq)
    steps: list[Step] = []
    measure = None
    sel = pq.selector
    conn = pq.connective
    main_pattern = _pattern(main, target, registry, pronoun_ref=subject_ref)
    if _FUTURE_Q.search(pq.text) and kind != "time":  # "Will Bob visit Rome?": plans count too
        main_pattern = main_pattern.model_copy(update={"modalities": ["planned", "happened", "ongoing"]})
    if kind == "count":
        sel = Selector(op="count")
    if conn and conn.startswith("gap_") and pq.anchor is not None:
        anchor_ref = subject_ref or (pq.entities[0] if pq.entities else None)
        steps.append(Step(id="anchor", pattern=_pattern(pq.anchor, "event", registry, pronoun_ref=anchor_ref),
                          time_var="t1", select=Selector(op="first"), description="the earlier event"))
        steps.append(Step(id="main", pattern=_pattern(main, "event", registry, pronoun_ref=anchor_ref),
                          time_var="t2", select=Selector(op="first"), depends_on=["anchor"],
                          description="the later event"))
        a, b = ("t1", "t2") if conn == "gap_after" else ("t2", "t1")
        measure = Measure(op="gap", a=a, b=b)
        return Plan(steps=steps, answer=AnswerSpec(step="main", kind="duration"), measure=measure, basis=basis,
                    question=pq.text, operators=[*pq.operators, "gap"])
    if conn and (pq.anchor is not None or pq.anchor_entity is not None):
        if pq.anchor_entity is not None:
            # the anchor entity's own occurrence of the same pattern ("... before China [did]")
            anchor_pattern = _pattern(main, target, registry, pronoun_ref=subject_ref,
                                      replace_answer=pq.anchor_entity)
            if anchor_pattern == main_pattern:  # no answer slot: the entity is the object ("after Kuwait")
                anchor_pattern = main_pattern.model_copy(update={"object": Slot(name=pq.anchor_entity)})
        else:
            assert pq.anchor is not None
            anchor_target = "fact" if relation_for(pq.anchor.verb, pq.anchor.text, registry) else "event"
            anchor_pattern = _pattern(pq.anchor, anchor_target, registry, pronoun_ref=subject_ref)
            if anchor_target == "fact" and not anchor_pattern.relations:
                anchor_pattern = _pattern(pq.anchor, "event", registry, pronoun_ref=subject_ref)
        op = {"before": "before", "prior": "before", "until": "before", "after": "after", "following": "after",
              "since": "after", "when": "overlaps", "while": "overlaps", "during": "overlaps"}.get(conn)
        anchor_sel = Selector(op="first") if op in ("before", "after") else Selector()
        steps.append(Step(id="anchor", pattern=anchor_pattern, time_var="t1", select=anchor_sel,
                          description=f"when: {pq.anchor.text if pq.anchor else pq.anchor_entity}"))
        if conn == "same":
            g = pq.same
            op_same = {Granularity.DAY: "same_day", Granularity.WEEK: "same_week", Granularity.MONTH: "same_month",
                       Granularity.YEAR: "same_year"}.get(g) if g else "overlaps"
            c = TimeConstraint(op=op_same or "overlaps", ref=TimeRef(var="t1"))
        else:
            c = TimeConstraint(op=op or "overlaps", ref=TimeRef(var="t1"))
        exclude = [pq.anchor_entity] if pq.anchor_entity else []
        if pq.anchor is not None and op == "after" and kind == "entity" and _ENDS & set(anchor_pattern.predicates):
            # "Where did Alice work after she left Orbital?": what the anchor ends is not the answer, though
            # its state may still overlap the time after (a leaving announced before the last day). Only
            # for ending verbs: after she moved to Berlin, she did live in Berlin.
            subject = (subject_ref or "").casefold()
            exclude += [slot.name for slot in (anchor_pattern.object, *anchor_pattern.roles.values())
                        if slot is not None and slot.name and slot.name.casefold() != subject]
        if sel.op == "all" and kind in ("entity", "event", "time") and op in ("before", "after") and target == "fact":
            sel = Selector(op="last" if op == "before" else "first")
        main_pattern = main_pattern.model_copy(update={"exclude": exclude})
        steps.append(Step(id="main", pattern=main_pattern, time_var="t2", constraints=[c, *constraints],
                          select=sel, depends_on=["anchor"], description="the answer"))
    else:
        present = bool(_PRESENT.search(pq.text)) and not constraints and sel.op == "all" and kind in (
            "entity", "yes_no", "event")
        steps.append(Step(id="main", pattern=main_pattern, time_var="t1", constraints=constraints, select=sel,
                          at_basis=present, description="the answer"))
    if kind == "duration":
        measure = Measure(op="duration", a=steps[-1].time_var or "t1")
    gran = pq.granularity
    return Plan(steps=steps, answer=AnswerSpec(step="main", kind=kind, var="?x" if kind == "entity" else None,
                                               granularity=gran),
                measure=measure, basis=basis, question=pq.text, operators=pq.operators)


__all__ = ["ParsedQuestion", "build_plans", "parse", "relation_for"]
