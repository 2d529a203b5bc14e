"""Answering "When ...?" from dialogue: pick the turn that reports the asked event, then read its time.

Candidates are the turns behind the plan's best events (a structural match) and the turns hybrid retrieval
finds. A turn is ranked by how much of the question it says, not counting the names of the people in the
conversation (a turn that addresses "Jon" by name is not about Jon's trip), plus a bonus when its speaker is
the question's subject (people report their own doings in the first person). The time is then read from the
chosen turn's sentence about the event (`turntime`), resolved against when the turn was said. An answer
the plan read from a fact (a state with its own valid time) is kept as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

from tkgmem.model import Episode, SearchHit
from tkgmem.navigate import operators as op
from tkgmem.navigate.answer import Answer, EvidenceItem
from tkgmem.navigate.executor import format_time
from tkgmem.navigate.parser import ParsedQuestion
from tkgmem.navigate.text import content_stems, stem, words
from tkgmem.navigate.turntime import TurnTime, question_stems, turn_time
from tkgmem.store.base import Store
from tkgmem.temporal import Granularity, Interval

Fallback = Callable[[str, int, Interval | None], list[SearchHit]]

# Weights of the turn ranking. The content-word share is in 0..1; the speaker bonus lets the subject's own
# turn win over the other speaker's turn that repeats the same words ("Paris?! That's great, Jon!"); the
# plan bonus breaks near-ties in favour of a turn whose extracted event matched subject and predicate.
SPEAKER_BONUS = 0.3
PLAN_BONUS = 0.15
# The asked event is named by its verb more than by its other words ("accepted for an internship" vs. "an
# interview for the internship"), and a turn that dates the matching sentence is the report of the event
# rather than a later mention of it ("Been reading that book" vs. "This book I read last year").
VERB_BONUS = 0.15
TIME_BONUS = 0.25
NAME_WEIGHT = 2.0
NARRATIVE_TURNS = 4  # how far back (in turns of the session) an undated report may take its time from
_PAST_Q = re.compile(r"^\s*(?:when|(?:in|on)\s+(?:what|which)\s+\w+)\s+(?:did|was|were|had)\b", re.I)
RANK_BONUS = 0.05
# An explicit correction supersedes what it corrects (the memory keeps the latest belief): "Correction: we
# actually moved in July, not August" must beat the earlier "we moved last month" that matches as well.
CORRECTION_BONUS = 0.3
_CORRECTION = re.compile(r"\b(?:correction|i meant|i was wrong|i misspoke|to correct)\b|"
                         r"\bactually\b[^.!?]*,\s*not\b", re.I)


def _match(a: str, b: str) -> bool:
    """Same stem, or one a derivation of the other ("mentor"/"mentorship", "design"/"designer")."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 5 and long_.startswith(short)


# Irregular past forms, so "won" matches "win" and "met" matches "meet" (the crude stemmer cannot know).
_IRREGULAR = {
    "won": "win", "went": "go", "got": "get", "made": "make", "took": "take", "saw": "see", "met": "meet",
    "bought": "buy", "ran": "run", "began": "begin", "begun": "begin", "gave": "give", "found": "find",
    "felt": "feel", "left": "leave", "wrote": "write", "written": "write", "taught": "teach",
    "brought": "bring", "built": "build", "drove": "drive", "driven": "drive", "flew": "fly", "flown": "fly",
    "fell": "fall", "held": "hold", "kept": "keep", "lost": "lose", "paid": "pay", "sold": "sell",
    "sent": "send", "spent": "spend", "told": "tell", "threw": "throw", "wore": "wear", "swam": "swim",
    "sang": "sing", "drew": "draw", "drawn": "draw", "ate": "eat", "eaten": "eat", "chose": "choose",
    "caught": "catch", "became": "become", "came": "come", "did": "do", "rode": "ride", "ridden": "ride",
    "shot": "shoot", "stood": "stand", "struck": "strike", "taken": "take", "understood":
    "understand", "woke": "wake", "broke": "break", "broken": "break", "forgot": "forget", "heard": "hear",
    "hid": "hide", "led": "lead", "lent": "lend", "slept": "sleep", "spoke": "speak", "spoken": "speak",
    "stole": "steal", "grew": "grow", "grown": "grow", "knew": "know", "dug": "dig", "fought": "fight",
    "sought": "seek", "sat": "sit", "hung": "hang", "fed": "feed", "bred": "breed",
}
_IRREGULAR_STEMS = {stem(k): stem(v) for k, v in _IRREGULAR.items()}


def _norm(stems: list[str]) -> list[str]:
    return [_IRREGULAR_STEMS.get(s, s) for s in stems]


def share(want: list[str], text: str, weights: dict[str, float] | None = None) -> float:
    """Weighted share of the question's content stems that `text` contains (derivations and irregular
    past forms count)."""
    if not want:
        return 0.0
    have = _norm(content_stems(text))
    w = weights or {}
    total = sum(w.get(x, 1.0) for x in want)
    return sum(w.get(x, 1.0) for x in want if any(_match(_IRREGULAR_STEMS.get(x, x), h) for h in have)) / total


def _name_weights(question: str, people: set[str]) -> dict[str, float]:
    """Names of things in the question ("Ireland", "Civilization") are its most specific words: a turn that
    says them is about the asked event far more often than one sharing a common word ("leave")."""
    out: dict[str, float] = {}
    for i, m in enumerate(re.finditer(r"[A-Za-z][\w'’]*", question)):
        word = m.group(0)
        if i > 0 and word[0].isupper() and word.casefold() not in people:
            out[stem(word)] = NAME_WEIGHT
    return out


def _first(name: str | None) -> str:
    return words(name)[0] if name and words(name) else ""


def _narrative(best: Episode, candidates: Iterable[Episode], said: dict[str, TurnTime]) -> Episode | None:
    """The speaker's own recent turn in the same session that dates what `best` goes on about ("Here's a
    pic from last Friday with some veterans" ... "We had a great time throwing a small party"): a report
    without a time of its own continues the last dated one, as within a turn."""
    if best.session is None:
        return None
    def dated_before(c: Episode) -> bool:
        start = said[c.id].interval.start
        return said[c.id].source == "expression" and start is not None and start <= best.reference_time

    prior = [c for c in candidates if c.session == best.session and c.speaker == best.speaker
             and 0 < best.seq - c.seq <= NARRATIVE_TURNS and dated_before(c)]
    return max(prior, key=lambda c: c.seq) if prior else None


def when_answer(store: Store, tenant: str, pq: ParsedQuestion, fallback: Fallback, k: int,
                planned: Answer | None, asked_at: datetime) -> Answer:
    """The time of the asked event from the best turn among the plan's and retrieval's candidates."""
    plan_times: dict[str, Interval] = {}
    if planned is not None and not planned.abstained:
        step = planned.plan.answer.step if planned.plan else None
        main = [e for e in planned.evidence if e.step == step] or planned.evidence
        if main and main[0].fact_id is not None and main[0].event_id is None:
            return planned  # a state's valid time, not a turn's expression
        for e in main:
            if e.episode_id and e.event_id and e.valid is not None and e.episode_id not in plan_times:
                plan_times[e.episode_id] = e.valid
    tr = pq.time_range.interval if pq.time_range else None
    hits = fallback(pq.text, k, tr)
    ranks = {h.episode_id: i for i, h in enumerate(hits)}
    ids = list(dict.fromkeys([*plan_times, *ranks]))
    episodes = {e.id: e for e in store.episodes(tenant, ids)} if ids else {}
    if not episodes:
        return planned if planned is not None else Answer.abstain(
            "not in memory: no plan fits the question and retrieval found nothing either")
    people = {_first(e.speaker) for e in episodes.values()} | {_first(e.addressee) for e in episodes.values()}
    people.discard("")
    subject = {w for w in words(pq.main.subject or "") if w in people}
    people_stems = {stem(p) for p in people}
    want = [w for w in question_stems(pq.text) if w not in people_stems]

    verb = stem(pq.main.verb) if pq.main.verb else ""
    if verb not in want:
        # a light verb ("get", "go", "have" are stopwords) leaves the event to the next word: "get accepted",
        # "go camping", "have a party"
        at = re.search(rf"\b{re.escape(pq.main.verb)}\w*\b", pq.text, re.I) if pq.main.verb else None
        low = pq.text.casefold()
        after = sorted((i, k) for k in pq.main.keywords
                       if at is not None and (i := low.find(k.casefold(), at.end())) >= 0)
        verb = stem(after[0][1]) if after else ""
        verb = verb if verb in want else ""
    # a past question ("When did ...") is not answered by a time after it is asked; a future one may be
    latest = asked_at if _PAST_Q.match(pq.text) else None
    said = {e.id: turn_time(e.text, e.reference_time, pq.text, latest=latest) for e in episodes.values()}

    weights = _name_weights(pq.text, people)

    def score(ep: Episode) -> float:
        s = share(want, ep.text, weights)
        if verb and share([verb], ep.text):
            s += VERB_BONUS
        tt = said[ep.id]
        if tt.source in ("expression", "duration") and tt.match > 0:
            s += TIME_BONUS
        elif tt.source == "present" and tt.match > 0:
            s += TIME_BONUS / 2  # "I just got accepted": dated to now, but vaguer than a named time
        if subject and _first(ep.speaker) in subject:
            s += SPEAKER_BONUS
        if ep.id in plan_times:
            s += PLAN_BONUS
        if ep.id in ranks:
            s += RANK_BONUS / (ranks[ep.id] + 1)
        if tt.match > 0 and _CORRECTION.search(ep.text):
            s += CORRECTION_BONUS
        return s

    ranked = sorted(episodes.values(), key=lambda e: -score(e))
    best = ranked[0]
    tt = said[best.id]
    if tt.source == "said" and pq.granularity is not None:
        tt = turn_time(best.text, best.reference_time, pq.text, latest=latest, granularity=pq.granularity)
    t = tt.interval
    how = f"time read from {tt.source} in the best matching turn"
    earlier = _narrative(best, episodes.values(), said) if tt.source == "said" else None
    if earlier is not None:
        t, how = said[earlier.id].interval, "time of the speaker's earlier turn that this one continues"
    elif tt.source == "said" and best.id in plan_times and plan_times[best.id].start is not None:
        t, how = plan_times[best.id], "time of the matching event (the turn names none)"
    if t.start is not None and t.end is None:
        # "a pic from last Friday" read as an open range: a "when" answer is its start, as for states
        g = t.start_granularity if t.start_granularity is not Granularity.INSTANT else Granularity.DAY
        t = Interval.granule(t.start, g)
    if pq.granularity is not None and t.start is not None and pq.granularity.rank > t.start_granularity.rank:
        t = op.coarsen(t, pq.granularity)
    evidence = [EvidenceItem(step="when", episode_id=e.id, text=e.text, reference_time=e.reference_time,
                             score=round(score(e), 3), note="turn" if e is not best else f"answer: {tt.sentence}")
                for e in ranked[:5] if e is best or share(want, e.text, weights) > 0]  # no unrelated turns
    conf = min(1.0, score(best)) * (0.9 if best.id in plan_times else 0.6)
    basis = planned.basis if planned is not None else None
    plan = planned.plan if planned is not None else None
    return Answer(kind="time", value=format_time(t), time=t, confidence=round(conf, 3), evidence=evidence,
                  plan=plan, basis=basis, explanation=how)


__all__ = ["share", "when_answer"]
