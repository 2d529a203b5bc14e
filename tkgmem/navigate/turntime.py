"""The time a dialogue turn gives to the event a question asks about.

A turn often holds several time expressions ("I went to a conference two days ago ... since I started
transitioning three years ago"); the one that dates the asked event is the one in the sentence that talks
about it. So: split the turn into sentences, rank them by how many of the question's content words they
contain, and take the time expression of the best sentence that has one (nearest to the matched words),
resolved against when the turn was said. Durations of a perfect ("I've been playing for four months now")
date the start of a state: the reference time minus the duration, at the duration's unit. A turn without
any usable expression is dated to the day it was said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from tkgmem.navigate.text import content_stems, stem
from tkgmem.temporal import Granularity, Interval, floor, step
from tkgmem.timex import TimeMention, find_times

_WORD = re.compile(r"[A-Za-z0-9]+")
_SENT = re.compile(r"[^.!?\n]+[.!?]*")
_UNITS = {"day": Granularity.DAY, "week": Granularity.WEEK, "month": Granularity.MONTH, "year": Granularity.YEAR}
_NUMS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3}
# "for (about) four months now", "the past 3 years": how long a state has held by the time of speaking
_SINCE_FOR = re.compile(
    r"\b(?:for|past|last)\s+(?:about\s+|around\s+|almost\s+|nearly\s+|over\s+|like\s+)?"
    r"(\d{1,2}|an?|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|couple of|a few|few)\s+"
    r"(day|week|month|year)s?\b", re.I)
# a perfect or a present state: the duration runs up to the time of speaking
_PERFECT = re.compile(r"\b(?:[’']ve|have|has|been|now|since|so far)\b", re.I)

# a sentence about the time of speaking: present progressive, "just" + past, "now", "currently"
_PRESENT = re.compile(r"\b(?:i[’']m|i am|we[’']re|we are|just|currently|right now|these days|today)\b", re.I)


# Words of the question's form ("in which month", "what date"), not of the asked event.
_FORM = frozenset({"month", "week", "weekend", "year", "day", "date", "dat", "which", "period", "season"})


def question_stems(question: str) -> list[str]:
    """Content stems of a question that describe the asked event."""
    return [w for w in content_stems(question) if w not in _FORM]


@dataclass(frozen=True)
class TurnTime:
    """A time read from a turn, with the sentence it came from and how well that sentence matched."""

    interval: Interval
    sentence: str
    match: float
    source: str  # "expression" | "duration" | "present" (a sentence about the time of speaking) | "said"


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a crude split is enough to keep expressions with their clause."""
    return [(m.start(), m.group(0)) for m in _SENT.finditer(text) if m.group(0).strip()]


def _duration_start(sentence: str, said: datetime) -> Interval | None:
    """'I've had them for 3 years now' said in 2022: the state began in 2019 (at year granularity)."""
    m = _SINCE_FOR.search(sentence)
    if m is None or not _PERFECT.search(sentence):
        return None
    word = m.group(1).casefold()
    n = int(word) if word.isdigit() else _NUMS.get(word, 1)
    g = _UNITS[m.group(2).casefold()]
    if g in (Granularity.DAY, Granularity.WEEK):
        start = floor(said, Granularity.DAY) - timedelta(days=n * (7 if g is Granularity.WEEK else 1))
        return Interval.granule(start, Granularity.DAY if g is Granularity.DAY else Granularity.WEEK)
    months = n * (12 if g is Granularity.YEAR else 1)
    start = step(floor(said, Granularity.MONTH), Granularity.MONTH, -months)
    return Interval.granule(start, g if g is Granularity.YEAR else Granularity.MONTH)


# Words a normaliser reads as times that, on their own, name none: "the first step", "a summer breeze",
# "in one of the lakes" (a bare number after a preposition).
# A season is a time only with a determiner or preposition ("last summer", "in the fall").
_NOT_A_TIME = re.compile(r"^(?:the\s+)?(?:first|second|third|last|\d{1,2}(?:st|nd|rd|th))$|"
                         r"^(?:summer|winter|spring|fall|autumn)$|"
                         r"^(?:in|at|on|by)\s+(?:one|two|three|four|five|an?|\d{1,2})$", re.I)  # "in one of the lakes"


def _usable(m: TimeMention, latest: datetime | None) -> bool:
    """A dated point or range, not after the moment the question is asked (a past question cannot be
    answered by a time still to come: "after 3 years" misread as a future year)."""
    if m.kind not in ("point", "range") or m.interval.start is None:
        return False
    if _NOT_A_TIME.match(m.text.strip()):
        return False
    return latest is None or m.interval.start <= latest


def turn_time(text: str, said: datetime, question: str, *, latest: datetime | None = None,
              granularity: Granularity | None = None) -> TurnTime:
    """The time `text` (said at `said`) gives to the event `question` asks about.

    Every dated expression of the turn is a candidate, scored by the share of the question's content words
    in its sentence; the best wins and ties go to the earliest (a turn's first time is usually its news:
    "Yesterday I tried a new recipe! [a photo of a tart]"); within a sentence the expression nearest the
    question's words wins. `latest`: the latest start an answer may have
    (the asking time, for a past question)."""
    want = question_stems(question)
    sents = sentences(text)
    mentions = [m for m in find_times(text, said) if _usable(m, latest)]
    candidates: list[tuple[float, int, Interval, str, str]] = []
    for off, s in sents:
        have = set(content_stems(s))
        share = sum(1 for w in want if w in have) / len(want) if want else 0.0
        inside = [m for m in mentions if off <= m.start < off + len(s)]
        hits = [off + h.start() for h in _WORD.finditer(s) if stem(h.group(0)) in want]
        dur = _duration_start(s, said)
        if dur is not None:
            # "for about four months now": the duration dates the start; its parts are no times of their own
            span = _SINCE_FOR.search(s)
            assert span is not None
            lo, hi = off + span.start(), off + span.end()
            inside = [m for m in inside if not (lo <= m.start < hi or lo < m.end <= hi)]
            near = min((abs(h - off - span.start()) for h in hits), default=off + span.start())
            candidates.append((share, near, dur, s, "duration"))
        for m in inside:
            # within a sentence, the expression nearest the question's words ("a quiet weekend after we went
            # camping two weekends ago": the camping is two weekends ago)
            near = min((abs(h - m.start) for h in hits), default=m.start)
            candidates.append((share, near, m.interval, s, "expression"))
        if not inside and dur is None and share > 0 and _PRESENT.search(s):
            # "I'm expanding my studio's social media presence": what is going on as the turn is said
            candidates.append((share, 10**6, Interval.granule(said, granularity or Granularity.DAY), s, "present"))
    if candidates:
        share, _, iv, s, source = max(candidates, key=lambda c: (c[0], -c[1]))
        return TurnTime(iv, s, share, source)
    return TurnTime(Interval.granule(said, granularity or Granularity.DAY), text, 0.0, "said")


__all__ = ["TurnTime", "question_stems", "sentences", "turn_time"]
