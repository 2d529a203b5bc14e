"""The question's own time range: "in March 2020", "last summer", "between April 1 and 9", "before May".

Time expressions come from `tkgmem.timex.find_times` (the shared normaliser); this module's own job
is the *combination*: a range from two points ("between A and B"), an open range from a
preposition ("before A" / "after A" / "since A" / "until A"), and, when the question names no time at
all, the tense ("When did ..." is about the past of the question time; "When is ... going to" about
its future).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from tkgmem.errors import InputError
from tkgmem.temporal import Granularity, Interval, as_utc, floor, step

_TIMEY = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|"
    r"\b(?:yesterday|today|tonight|tomorrow|week|weekend|month|year|summer|winter|spring|fall|autumn|morning|"
    r"evening|night|afternoon|ago|decade|now)\b",
    re.I,
)


@dataclass
class Mention:
    text: str
    start: int
    end: int
    interval: Interval
    kind: str = "point"  # point | range | duration | set


@dataclass
class QuestionRange:
    """The period a question is about; `source` says how it was found (explicit, before, tense...)."""

    interval: Interval | None
    source: str
    mentions: list[Mention]


def find_mentions(text: str, reference: datetime) -> list[Mention]:
    """Time expressions of `text` resolved against `reference` (by the shared normaliser)."""
    from tkgmem.timex import find_times

    out = [Mention(m.text, m.start, m.end, m.interval, str(m.kind)) for m in find_times(text, as_utc(reference))]
    return [m for m in out if _TIMEY.search(m.text) and m.kind != "set"]


_BEFORE = re.compile(r"\b(?:before|prior\s+to|until|till|up\s+to|by|earlier\s+than)\s*$", re.I)
_AFTER = re.compile(r"\b(?:after|since|following|later\s+than|from)\s*$", re.I)
_BETWEEN = re.compile(r"\b(?:between|from)\b", re.I)
_LINK = re.compile(r"^\s*,?\s*(?:and|to|until|till|through|-|–)\s*$", re.I)
_FUTURE = re.compile(r"\b(?:will|going\s+to|gonna|plan(?:s|ning)?\s+to|upcoming|next|intend(?:s)?\s+to|"
                     r"(?:is|are|am)\s+(?:\w+\s+)?(?:scheduled|planned))\b|^\s*when\s+(?:is|are)\b", re.I)
_TIMELESS = re.compile(r"^\s*which\s+of\s+the\s+following\b", re.I)


_FACTS = re.compile(r"^\s*(?:For\s+Fact1:.*?,\s*(?=which\b)|Below\s+are\s+\d+\s+facts.*$)", re.I | re.S)
_N_SHIFT = re.compile(r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
                      r"(second|minute|hour|day|week|month|year)s?\s+(before|after)\s+(.+)$", re.I | re.S)
_SPLIT = re.compile(r"^\s*(?:between|from)\s+(.+?)\s*,?\s+(?:and|to|until|till|through)\s+(.+)$", re.I | re.S)
_BETWEEN_EVENTS = re.compile(r"^\s*(?:how\s+(?:long|much\s+time)|what\s+(?:was|is)\s+the\s+(?:duration|time\s+"
                             r"(?:interval|gap|difference)))\b", re.I)
_SIMULTANEOUS = re.compile(r"\s*(?:while|at\s+the\s+same\s+time\s+(?:as|that|when)|during\s+the\s+(?:period|time)"
                          r"(?:\s+(?:when|that))?|when(?=\s+(?!(?:did|does|do|is|was|will|are)\b)\w+))", re.I)
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.I)
_WORDNUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}


def question_range(question: str, reference: datetime, *, tense_default: bool = True) -> QuestionRange:
    """The period `question` asks about, relative to `reference` (when the question is asked)."""
    ref = as_utc(reference)
    q = _FACTS.sub("", question).strip() or "Which one happened earlier?"
    if _BETWEEN_EVENTS.search(q):  # "how long was it from A last Friday to B": times describe the events
        return QuestionRange(Interval(end=ref) if tense_default else None, "tense:past", [])
    shifted = _shift_range(q, ref)
    if shifted is not None:
        return shifted
    lo, hi = _main_clause(q)
    between = _explicit_between(q, ref, lo, hi)
    if between is not None:
        return between
    mentions = sorted(find_mentions(q, ref), key=lambda m: m.start)
    mentions = [m for m in mentions if not _DURATION_ONLY.match(m.text)]
    if any(lo <= m.start < hi for m in mentions):  # "If X did Y on May 3, what ...": the date is a condition
        mentions = [m for m in mentions if lo <= m.start < hi]
    if mentions:
        return _from_mentions(q, mentions, ref)
    if not tense_default or _TIMELESS.search(q):
        return QuestionRange(None, "none", [])
    if _FUTURE.search(q) and not re.search(r"\b(?:did|was|were|had)\b", q, re.I):
        return QuestionRange(Interval(start=ref), "tense:future", [])
    if _HABITUAL.match(q):
        return QuestionRange(None, "tense:habitual", [])
    sim = _SIMULTANEOUS.match(q)
    if sim and "," in q and _present(q[sim.end(): q.find(",")]):
        # "While X is doing Y / At the same time as X works at Z, what ...": anchored to a present state,
        # which holds now and before, so the question is not placed before or after the question time
        return QuestionRange(None, "tense:present", [])
    return QuestionRange(Interval(end=ref), "tense:past", [])


_HABITUAL = re.compile(r"\s*(?:when|what\s+time|how\s+often)\s+(?:does|do)\b", re.I)
# a length of time, not a date: "finish 52 books in a year", "twice in a month"
_DURATION_ONLY = re.compile(r"^\s*(?:in|within)\s+(?:a|an|one)\s+(?:day|week|month|year)\s*$", re.I)
_IRREGULAR_PAST = (
    r"was|were|did|had|went|took|made|got|saw|came|gave|found|felt|ran|ate|met|left|began|bought|brought|thought|"
    r"told|said|won|lost|wrote|sang|swam|drove|flew|kept|held|sent|spent|built|taught|caught|fell|broke|chose|"
    r"grew|knew|led|paid|sat|slept|spoke|stood|wore|rode|became|forgot|heard")
_PAST_VERB = re.compile(rf"\b(?:{_IRREGULAR_PAST}|\w+ed)\b", re.I)
# "-ed" words that are adjectives or participles of a present verb: "is interested", "has gained", "feels tired"
_PARTICIPLE = re.compile(r"\b(?:is|are|am|be|been|being|has|have|feels?|gets?|seems?)\s+(?:\w+ly\s+)?\w+ed\b",
                         re.I)


def _present(clause: str) -> bool:
    """A clause in the present tense: no past-tense verb once present participles are set aside."""
    return not _PAST_VERB.search(_PARTICIPLE.sub(" ", clause))


# a leading condition or anchoring clause ("If X did Y on May 3, ...", "After the move in June, ...")
_COND_HEAD = re.compile(r"^\s*(?:if|assuming|given\s+that|suppose|supposing|after|before|since|following|once)\b.*?,"
                        r"\s*(?=(?:what|which|who|whom|how|where|when|did|does|do|was|were|is|are|has|have)\b)",
                        re.I | re.S)
_COND_TAIL = re.compile(r",\s*(?:if|assuming|given\s+that)\b", re.I)


def _main_clause(q: str) -> tuple[int, int]:
    """Where the question proper lies, without a leading or trailing condition ("If X did Y on May 3, what
    ...", "... between A and B, if X did Y on C") or a leading clause it is counted from ("After the move in
    June, what did X do in July?"): their dates are premises, not the range asked, when the question proper
    names a time of its own."""
    lo = 0
    head = _COND_HEAD.match(q)
    if head:
        lo = head.end()
    tail = _COND_TAIL.search(q, lo)
    return lo, (tail.start() if tail else len(q))


def _explicit_between(q: str, ref: datetime, lo: int, hi: int) -> QuestionRange | None:
    """"between A and B" / "from A to B" with a time on both sides; the one in the main clause wins over
    one in a condition ("If X did not do Y between A and B, what did X do during that time" keeps it)."""
    found: list[tuple[int, Interval]] = []
    for k in re.finditer(r"\b(?:between|from)\b", q, re.I):
        try:
            iv = _split_range(Mention(q[k.start():], k.start(), len(q), Interval()), q, ref)
        except InputError:  # the two ends read in the wrong order: not a range we can trust
            continue
        if iv is not None and iv.start is not None and iv.end is not None:
            found.append((k.start(), iv))
    if not found:
        return None
    inside = [iv for pos, iv in found if lo <= pos < hi]
    return QuestionRange((inside or [iv for _, iv in found])[0], "explicit:between", [])


def _shift_range(q: str, ref: datetime) -> QuestionRange | None:
    """"in just 12 days before 2:35 pm, March 16, 2023": the N units up to (or from) the anchor."""
    m = _N_SHIFT.search(q)
    if m is None:
        return None
    anchors = find_mentions(m.group(4), ref)
    if not anchors or anchors[0].interval.start is None:
        return None
    a = anchors[0].interval
    assert a.start is not None
    at = _with_clock(a.start, m.group(4))
    n = int(m.group(1)) if m.group(1).isdigit() else _WORDNUM.get(m.group(1).lower(), 1)
    unit = m.group(2).lower()
    if unit in ("month", "year"):
        months = n * (12 if unit == "year" else 1)
        other = _add_months(at, -months if m.group(3).lower() == "before" else months)
    else:
        delta = timedelta(**{unit + "s": n})
        other = at - delta if m.group(3).lower() == "before" else at + delta
    lo_, hi_ = (other, at) if other <= at else (at, other)
    # "N days before 12:00 am, May 3" stops at a day boundary: the N days before May 3, not May 3 itself;
    # "N days after X" reaches the moment N days later and includes it
    g = Granularity.DAY if hi_ == at and at == floor(at, Granularity.DAY) else Granularity.INSTANT
    return QuestionRange(Interval(start=lo_, end=hi_, end_granularity=g), f"explicit:n_{m.group(3).lower()}", anchors)


def _add_months(t: datetime, n: int) -> datetime:
    index = t.year * 12 + (t.month - 1) + n
    year, month = divmod(index, 12)
    last_day = (step(datetime(year, month + 1, 1, tzinfo=t.tzinfo), Granularity.MONTH) - timedelta(days=1)).day
    return t.replace(year=year, month=month + 1, day=min(t.day, last_day))


def _with_clock(day: datetime, text: str) -> datetime:
    """`day` at the clock time written in `text` ("2:35 pm"), when there is one."""
    c = _CLOCK.search(text)
    if c is None or day != day.replace(hour=0, minute=0, second=0, microsecond=0):
        return day
    hour, minute, sec = int(c.group(1)), int(c.group(2)), int(c.group(3) or 0)
    ampm = (c.group(4) or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or sec > 59:
        return day
    return day.replace(hour=hour, minute=minute, second=sec)


def _split_range(m: Mention, q: str, ref: datetime) -> Interval | None:
    """Re-read "between A and B" as two points, so each end keeps its own day and clock time;
    "between 06:01 and 06:07 on January 12, 2024" takes the day from the date that follows."""
    parts = _SPLIT.match(q[m.start:])  # from the question, not the mention: the normaliser may cut it short
    if parts is None:
        return None
    first = parts.group(1)
    second = re.split(r"[?!;]|\s+(?:if|when|while|where|what|who|which|because)\b|,\s+(?!\d|at\b)", parts.group(2))[0]
    if _CLOCK.fullmatch(first.strip()) or re.fullmatch(r"\s*\d{1,2}(?::\d{2})*\s*(?:[ap]\.?m\.?)?\s*", first, re.I):
        dated = [x for x in find_mentions(q, ref) if re.search(r"\d{4}", x.text) and x.interval.start is not None]
        after = [x for x in dated if x.start >= m.start]
        day = after[:1] or dated[-1:]  # "between 06:01 and 06:07 on May 2, 2024" or "on May 2, 2024, between ..."
        if not day or day[0].interval.start is None:
            return None
        d = day[0].interval.start.replace(hour=0, minute=0, second=0, microsecond=0)
        return Interval(start=_with_clock(d, first), end=_with_clock(d, second.split(" on ")[0]))
    year = re.search(r"\b(?:1[89]|20)\d{2}\b", second)
    if year and not re.search(r"\b(?:1[89]|20)\d{2}\b", first) and not _CLOCK.search(first):
        first = f"{first.strip().rstrip(',')}, {year.group()}"  # "between May 3 and May 9, 2022": one year
    a = find_mentions(first, ref)
    if not a or a[0].interval.start is None:
        return None
    ai = a[0].interval
    if re.fullmatch(r"\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*", second, re.I) and ai.start is not None:
        # "between January 8, 2024, at 04:31:27 and 13:44:23": the second clock time is on the same day
        d = floor(ai.start, Granularity.DAY)
        return Interval(start=_with_clock(d, first), end=_with_clock(d, second))
    b = find_mentions(second, ref)
    if not b:
        return None
    bi = b[0].interval
    if _CLOCK.search(first) and _CLOCK.search(second) and bi.start is not None:
        assert ai.start is not None
        return Interval(start=_with_clock(ai.start, first), end=_with_clock(bi.start, second))
    if _CLOCK.search(first) and ai.start is not None:
        ai = ai.model_copy(update={"start": _with_clock(ai.start, first), "start_granularity": Granularity.INSTANT})
    return _span(ai, bi)


def _from_mentions(q: str, mentions: list[Mention], ref: datetime) -> QuestionRange:
    # explicit ranges first: one range mention, or "between A and B" over two points
    for m in mentions:
        if m.kind == "range" and m.interval.start is not None and m.interval.end is not None:
            return QuestionRange(_split_range(m, q, ref) or m.interval, "explicit:range", mentions)
    for a, b in itertools.pairwise(mentions):
        opened = list(re.finditer(r"\b(?:between|from)\b", q[: a.start + 8], re.I))
        if _LINK.match(q[a.end:b.start]) and opened:
            k = opened[-1].start()
            whole = Mention(q[k:b.end], k, b.end, a.interval, "range")
            return QuestionRange(_split_range(whole, q, ref) or _span(a.interval, b.interval), "explicit:between",
                                 mentions)
    m = mentions[0]
    head = q[: m.start]
    iv = m.interval
    if m.kind == "range" and (iv.start is None) != (iv.end is None):  # "since X" / "until X"
        if _CLOCK.search(m.text):  # "before 7:52 pm, August 07, 2023": the instant, not the whole day
            if iv.end is not None:
                day_of = floor(iv.end - timedelta(microseconds=1), Granularity.DAY)
                at = _with_clock(day_of, m.text)
                # "before 12:00 am, May 3": midnight is a day boundary, so May 3 itself is not included
                iv = Interval(end=iv.end, end_granularity=Granularity.DAY) if at == day_of else Interval(end=at)
            elif iv.start is not None:
                iv = Interval(start=_with_clock(iv.start, m.text))
        return QuestionRange(iv, "explicit:open", mentions)
    if _BEFORE.search(head) or re.match(r"\s*(?:before|until|till|by)\b", m.text, re.I):
        assert iv.start is not None
        end = _with_clock(iv.start, m.text)
        g = Granularity.INSTANT if end != iv.start else iv.start_granularity
        return QuestionRange(Interval(end=end, end_granularity=g), "before", mentions)
    if _AFTER.search(head) or re.match(r"\s*(?:after|since)\b", m.text, re.I):
        assert iv.start is not None
        start = _with_clock(iv.start, m.text)
        return QuestionRange(Interval(start=start, start_granularity=iv.start_granularity), "after", mentions)
    return QuestionRange(iv, "explicit", mentions)


def _span(a: Interval, b: Interval) -> Interval:
    """From the start of `a` to the end of `b` ("between April 1 and April 9" includes the 9th)."""
    end = b.end or b.start
    if end is not None and a.start is not None and end < a.start:
        end = a.end
    return Interval(start=a.start, end=end, start_granularity=a.start_granularity, end_granularity=b.end_granularity)
