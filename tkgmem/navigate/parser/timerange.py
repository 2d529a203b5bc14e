"""The question's own time range: "in March 2020", "last summer", "between April 1 and 9", "before May".

Time expressions come from `tkgmem.timex.find_times` (the shared normaliser). Until that module
exists, `_duckling_mentions` is a narrow stand-in (Duckling only, question text only). This module's
own job is the *combination*: a range from two points ("between A and B"), an open range from a
preposition ("before A" / "after A" / "since A" / "until A"), and, when the question names no time at
all, the tense ("When did ..." is about the past of the question time; "When is ... going to" about
its future).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from tkgmem.temporal import Granularity, Interval, as_utc, floor, step

_GRAIN = {"second": Granularity.INSTANT, "minute": Granularity.INSTANT, "hour": Granularity.INSTANT,
          "day": Granularity.DAY, "week": Granularity.WEEK, "month": Granularity.MONTH,
          "quarter": Granularity.MONTH, "year": Granularity.YEAR}
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
    """Time expressions of `text` resolved against `reference`."""
    try:
        from tkgmem.timex import find_times  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return _duckling_mentions(text, as_utc(reference))
    out = []
    for m in find_times(text, as_utc(reference)):
        out.append(Mention(m.text, m.start, m.end, m.interval, str(m.kind)))
    return [m for m in out if _TIMEY.search(m.text)]


@lru_cache(maxsize=1)
def _duckling() -> tuple[Any, Any, Any]:
    from duckling import Context, default_locale_lang, load_time_zones, parse_dimensions, parse_lang

    tz = load_time_zones("/usr/share/zoneinfo")
    locale = default_locale_lang(parse_lang("EN"))
    return tz, locale, (Context, parse_dimensions(["time"]))


def _ts(value: dict[str, Any]) -> tuple[datetime, Granularity]:
    return as_utc(value["value"]), _GRAIN.get(value.get("grain", "day"), Granularity.DAY)


def _duckling_mentions(text: str, reference: datetime) -> list[Mention]:
    from duckling import parse, parse_ref_time

    tz, locale, (context_cls, dims) = _duckling()
    ref = parse_ref_time(tz, "UTC", int(reference.timestamp()))
    out: list[Mention] = []
    for hit in parse(text, context_cls(ref, locale), dims, False):
        body = hit["body"]
        if not _TIMEY.search(body):
            continue  # "the third" and similar ordinals read as dates
        v = hit["value"]
        if v.get("type") == "interval":
            s = _ts(v["from"]) if "from" in v else None
            e = _ts(v["to"]) if "to" in v else None
            iv = Interval(start=s[0] if s else None, end=e[0] if e else None,
                          start_granularity=s[1] if s else Granularity.INSTANT,
                          end_granularity=e[1] if e else Granularity.INSTANT)
            kind = "range"
        elif "value" in v:
            t, g = _ts(v)
            end = t + _grain_delta(v.get("grain", "day"), t)
            iv = Interval(start=t, end=end, start_granularity=g, end_granularity=g)
            kind = "point"
        else:
            continue
        out.append(Mention(body, hit["start"], hit["end"], iv, kind))
    return out


def _grain_delta(grain: str, t: datetime) -> timedelta:
    match grain:
        case "second":
            return timedelta(seconds=1)
        case "minute":
            return timedelta(minutes=1)
        case "hour":
            return timedelta(hours=1)
        case "day":
            return timedelta(days=1)
        case "week":
            return timedelta(weeks=1)
        case "month":
            return step(floor(t, Granularity.MONTH), Granularity.MONTH) - t
        case "quarter":
            return step(floor(t, Granularity.MONTH), Granularity.MONTH, 3) - t
        case "year":
            return step(floor(t, Granularity.YEAR), Granularity.YEAR) - t
    return timedelta(days=1)


_BEFORE = re.compile(r"\b(?:before|prior\s+to|until|till|up\s+to|by|earlier\s+than)\s*$", re.I)
_AFTER = re.compile(r"\b(?:after|since|following|later\s+than|from)\s*$", re.I)
_BETWEEN = re.compile(r"\b(?:between|from)\b", re.I)
_LINK = re.compile(r"^\s*,?\s*(?:and|to|until|till|through|-|–)\s*$", re.I)
_N_BEFORE = re.compile(r"\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|\w+teen|twenty)\s+"
                       r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\s+before\b", re.I)
_FUTURE = re.compile(r"\b(?:will|going\s+to|gonna|plan(?:s|ning)?\s+to|upcoming|next|intend(?:s)?\s+to|"
                     r"(?:is|are|am)\s+\w+ing|(?:is|are)\s+(?:\w+\s+)?(?:scheduled|planned))\b", re.I)
_PAST = re.compile(r"\b(?:did|was|were|had|has|have|ago|last|previous(?:ly)?|used\s+to|\w+ed)\b", re.I)
_TIMELESS = re.compile(r"^\s*(?:which\s+of\s+the\s+following|how\s+(?:long|much\s+time)|what\s+(?:was|is)\s+the\s+"
                       r"(?:duration|time\s+interval|time\s+between))", re.I)


def question_range(question: str, reference: datetime, *, tense_default: bool = True) -> QuestionRange:
    """The period `question` asks about, relative to `reference` (when the question is asked)."""
    ref = as_utc(reference)
    mentions = sorted(find_mentions(question, ref), key=lambda m: m.start)
    if mentions:
        return _from_mentions(question, mentions, ref)
    if not tense_default or _TIMELESS.search(question):
        return QuestionRange(None, "none", [])
    if _FUTURE.search(question) and not re.search(r"\b(?:did|was|were|had)\b", question, re.I):
        return QuestionRange(Interval(start=ref), "tense:future", [])
    if _PAST.search(question) or re.match(r"\s*when\b", question, re.I):
        return QuestionRange(Interval(end=ref), "tense:past", [])
    return QuestionRange(None, "none", [])


def _from_mentions(q: str, mentions: list[Mention], ref: datetime) -> QuestionRange:
    # explicit ranges first: one range mention, or "between A and B" over two points
    for m in mentions:
        if m.kind == "range" and m.interval.start is not None and m.interval.end is not None:
            return QuestionRange(m.interval, "explicit:range", mentions)
    for a, b in zip(mentions, mentions[1:], strict=False):
        if _LINK.match(q[a.end:b.start]) and (_BETWEEN.search(q[max(0, a.start - 12):a.start + 1])
                                             or "between" in q[:a.start].lower()):
            return QuestionRange(_span(a.interval, b.interval), "explicit:between", mentions)
    m = mentions[0] if len(mentions) == 1 else max(mentions, key=lambda x: x.end - x.start)
    head = q[: m.start]
    iv = m.interval
    if m.kind == "range" and (iv.start is None) != (iv.end is None):  # duckling's "after X" / "before X"
        return QuestionRange(iv, "explicit:open", mentions)
    if _N_BEFORE.search(m.text) and iv.start is not None:
        # "in the 23 years before May 27, 2023": from the shifted point up to the anchor
        anchor = _anchor_after(m, mentions)
        return QuestionRange(Interval(start=iv.start, end=anchor, start_granularity=iv.start_granularity,
                                      end_granularity=iv.start_granularity), "explicit:n_before", mentions)
    if _BEFORE.search(head):
        return QuestionRange(Interval(end=iv.start, end_granularity=iv.start_granularity), "before", mentions)
    if _AFTER.search(head):
        return QuestionRange(Interval(start=iv.end if iv.end else iv.start,
                                      start_granularity=iv.end_granularity), "after", mentions)
    return QuestionRange(iv, "explicit", mentions)


def _anchor_after(m: Mention, mentions: list[Mention]) -> datetime | None:
    iv = m.interval
    text = m.text.lower()
    match = re.search(r"(\d+)\s+(second|minute|hour|day|week|month|year)s?\s+before", text)
    if match and iv.start is not None:
        n = int(match.group(1))
        unit = match.group(2)
        if unit in ("second", "minute", "hour", "day", "week"):
            return iv.start + timedelta(**{unit + "s": n})
        g = Granularity.MONTH if unit == "month" else Granularity.YEAR
        return step(iv.start, g, n)
    return iv.end


def _span(a: Interval, b: Interval) -> Interval:
    """From the start of `a` to the end of `b` ("between April 1 and April 9" includes the 9th)."""
    end = b.end or b.start
    if end is not None and a.start is not None and end < a.start:
        end = a.end
    return Interval(start=a.start, end=end, start_granularity=a.start_granularity, end_granularity=b.end_granularity)
