"""Temporal expressions in text, normalised to granular half-open intervals against a reference time.

Two layers. Duckling (Haskell, through `pyduckling-native`, ~0.5 ms a sentence) resolves explicit and
deictic expressions ("yesterday", "last Friday", "in 2019", "next month"). A rule layer in front of it
handles what Duckling gets wrong or cannot know: anaphora against earlier mentions ("the day after",
"that weekend"), weekends and seasons as whole granules, "N weeks ago" at week level, vague counts
("a few days ago"), durations and recurring sets, and the tense bias (Duckling resolves a bare
"Friday" or "in March" to the *next* one; in a past-tense sentence it is the last one).

Shared by extraction (ingest side) and the question parser (query side); a neutral top-level module.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from tkgmem.temporal import Granularity, Interval, as_utc, floor, step

Kind = Literal["point", "range", "duration", "set"]
Prefer = Literal["past", "future"]

G = Granularity


class TimeMention(BaseModel):
    """One temporal expression found in a text, with its normalised interval."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int
    end: int
    interval: Interval
    kind: Kind
    relative: bool


# -- vocabulary --------------------------------------------------------------------------------------
_NUM = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "couple of": 2,
    "a couple": 2, "a few": 3, "few": 3, "several": 3,
}
_VAGUE = {"a few", "few", "several", "a couple of", "couple of", "a couple"}
_NUM_RE = (r"(?:\d{1,3}|a couple of|a couple|couple of|a few|few|several|an?|one|two|three|four|five|six|"
           r"seven|eight|nine|ten|eleven|twelve)")
_UNIT = {"day": G.DAY, "week": G.WEEK, "month": G.MONTH, "year": G.YEAR, "weekend": G.WEEK}
_SEASON_START = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH_RE = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
             r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_FUTURE_CUE = re.compile(
    r"\b(will|won't|shall|gonna|going to|plan(?:s|ning|ned)? (?:to|on)|hope to|hoping to|want to|wanna|"
    r"looking forward|can't wait|next|tomorrow|upcoming|coming up|soon|thinking (?:of|about)|"
    r"scheduled|intend|about to|'ll)\b",
    re.IGNORECASE,
)
_PAST_CUE = re.compile(
    r"\b(was|were|did|had|went|got|came|made|took|saw|ago|last|yesterday|earlier|previous|past|"
    r"[a-z]{2,}ed)\b",
    re.IGNORECASE,
)
_DIRECTED = re.compile(r"\b(next|last|this|ago|coming|upcoming|past|previous|yesterday|today|tomorrow|"
                       r"tonight|before|after|later|earlier)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b")
_WEEKDAY_RE = re.compile(r"\b(mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?\b",
                         re.IGNORECASE)
_ORDINAL_DAY = re.compile(r"\b(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b", re.IGNORECASE)
_MONTH_WORD = re.compile(r"\b" + _MONTH_RE + r"\b", re.IGNORECASE)
# Duckling bodies that are not a time of anything worth recording.
_DROP_BODIES = {"now", "right now", "the week", "the day", "the moment", "at the moment", "currently",
                "the month", "the year", "a day", "one day", "the weekend", "some day", "someday", "sec",
                "a sec", "a second", "a minute", "the morning", "the evening", "the night", "tonight",
                "this morning", "this evening", "this afternoon", "morning", "evening", "night", "afternoon"}


# -- rule layer ----------------------------------------------------------------------------------------
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("anaphor_shift", re.compile(
        r"\b(?:the|that|a)\s+(day|week|weekend|month|year)\s+(before|after|prior|later)\b", re.IGNORECASE)),
    ("anaphor_next", re.compile(
        r"\bthe\s+(next|following|previous|prior)\s+(day|week|weekend|month|year)\b", re.IGNORECASE)),
    ("anaphor_same", re.compile(
        r"\b(?:that|the same)\s+(day|week|weekend|month|year|night|morning|evening|afternoon)\b",
        re.IGNORECASE)),
    ("ago", re.compile(
        r"\b(?:about\s+|around\s+|almost\s+|over\s+|nearly\s+)?(" + _NUM_RE
        + r")\s+(day|week|weekend|month|year)s?\s+(ago|back|earlier|before|later|after)\b",
        re.IGNORECASE)),
    ("weekend", re.compile(r"\b(last|this past|past|this|next|the|over the)\s+weekend\b", re.IGNORECASE)),
    ("season", re.compile(
        r"\b(?:(last|this|next|past|this past|early|late)\s+)?(summer|winter|spring|fall|autumn)"
        r"(?:\s+(?:of\s+)?((?:1[89]|20)\d{2}|['’]\d{2}))?\b", re.IGNORECASE)),
    ("day_range", re.compile(
        r"\b(?:between\s+)?(" + _MONTH_RE + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*(?:-|–|to|and|until)\s*"
        r"(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+((?:1[89]|20)\d{2}))?\b", re.IGNORECASE)),
    ("weekday_shift", re.compile(
        r"\b(?:the\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+(before|after)\b",
        re.IGNORECASE)),
    ("week_of_month", re.compile(
        r"\b(?:the\s+)?(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+week\s+of\s+(" + _MONTH_RE
        + r")\b(?:,?\s+((?:1[89]|20)\d{2})\b)?", re.IGNORECASE)),
    ("weekend_of_month", re.compile(
        r"\b(?:the\s+)?(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+weekend\s+(?:of|in)\s+(" + _MONTH_RE
        + r")\b(?:,?\s+((?:1[89]|20)\d{2})\b)?", re.IGNORECASE)),
    ("part_of", re.compile(
        r"\b(?:(?:in|at|during)\s+)?(?:the\s+)?(early|mid|middle\s+of|late|start\s+of)[\s-]*(?:(?:1[89]|20)\d{2}|"
        r"(?:last|this|next|the)\s+(?:year|month)|" + _MONTH_RE + r"(?:,?\s+(?:1[89]|20)\d{2})?)\b", re.IGNORECASE)),
    ("half_or_quarter", re.compile(
        r"\b(?:the\s+)?(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+(half|quarter)\s+of\s+(?:the\s+)?"
        r"((?:1[89]|20)\d{2}|(?:last|this|next)\s+year|year)\b|\b([QH])([1-4])\s*((?:1[89]|20)\d{2})\b",
        re.IGNORECASE)),
    ("decade", re.compile(
        r"\b(the\s+)?(?:(early|mid|late)[\s-]+)?['’]?(\d{2}|(?:1[89]|20)\d{2})s\b", re.IGNORECASE)),
    ("year_range", re.compile(
        r"\b(?:from|between)\s+((?:1[89]|20)\d{2})\s*(?:to|and|until|till|through|-|–)\s*((?:1[89]|20)\d{2})\b",
        re.IGNORECASE)),
    ("set", re.compile(
        r"\b(?:every|each)\s+(?:other\s+)?(day|morning|evening|night|week|weekend|month|year|summer|winter|"
        r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
        r"\bon\s+(mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays|weekends)\b|"
        r"\b(daily|weekly|monthly|yearly|annually)\b",
        re.IGNORECASE)),
    ("duration", re.compile(
        r"\b(?:for|over|in)\s+(?:the\s+(?:past|last)\s+)?(" + _NUM_RE + r")\s+(day|week|month|year)s?\b"
        r"|\b(?:the\s+)?(?:past|last)\s+(" + _NUM_RE + r")\s+(day|week|month|year)s\b",
        re.IGNORECASE)),
]


def _count(word: str) -> int:
    w = word.casefold()
    return int(w) if w.isdigit() else _NUM.get(w, 1)


def _weekend_of(day: datetime) -> Interval:
    """The Saturday–Sunday weekend of the week containing `day`."""
    sat = floor(day, G.WEEK) + timedelta(days=5)
    return Interval(start=sat, end=sat + timedelta(days=2), start_granularity=G.DAY, end_granularity=G.DAY)


def _last_weekend(ref: datetime) -> Interval:
    """The most recent weekend that has started by `ref` (the current one on a Saturday or Sunday)."""
    day = floor(ref, G.DAY)
    if day.weekday() >= 5:
        return _weekend_of(day)
    return _weekend_of(day - timedelta(days=7))


def _shift(iv: Interval, g: G, n: int) -> Interval:
    """The granule of `g`, `n` granules away from the start of `iv` (weekends keep their shape)."""
    anchor = iv.start or iv.end
    assert anchor is not None
    weekend = iv.end is not None and iv.start is not None and (iv.end - iv.start) == timedelta(days=2)
    if g is G.WEEK and weekend and iv.start is not None and iv.end is not None:
        return Interval(start=iv.start + timedelta(weeks=n), end=iv.end + timedelta(weeks=n),
                        start_granularity=G.DAY, end_granularity=G.DAY)
    base = floor(anchor, g)
    return Interval.granule(step(base, g, n), g)


def _years(first: int, end: int) -> Interval:
    """Whole years from `first` up to (not including) `end`."""
    return Interval(start=datetime(first, 1, 1, tzinfo=UTC), end=datetime(end, 1, 1, tzinfo=UTC),
                    start_granularity=G.YEAR, end_granularity=G.YEAR)


# A season word alone is a time unless another word makes it a kind of thing or an action: a noun right after it
# ("spring rolls", "a summer job", "autumn colors", "cold winter days", "I fall asleep"; not a part of the
# season, "summer break", nor what filled it, "the summer hiking"), or for "fall" and "spring", which are verbs and
# nouns too, no word before it that marks a time ("in the fall", "that spring", "Fall was long."). Modifiers
# ("last summer") and years ("winter 2022") always make it a time.
_SEASON_MARK = re.compile(r"(?:\b(?:in|during|over|the|this|that|last|next|past|early|late|by|until|till|since|"
                          r"before|after|of|all|through|throughout|for)\s+|^\s*|[.!?]\s+)$", re.IGNORECASE)
# Duckling's reading of a season word with only prepositions or an article before it ("after winter [break]")
_BARE_SEASON = re.compile(r"\s*(?:(?:about|around|after|before|since|until|till|in|during|for|over|by|the)\s+)*"
                          r"(summer|winter|spring|fall|autumn)\s*", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s*([a-z]+)\b")
# words after a season word that leave it a time: function words, verbs, and parts of the season
_KEEPS_A_SEASON_A_TIME = frozenset({
    "with", "in", "at", "on", "of", "and", "or", "but", "was", "is", "were", "has", "had", "have", "will", "would",
    "we", "i", "you", "he", "she", "they", "it", "when", "while", "before", "after", "until", "till", "to", "for",
    "from", "by", "so", "because", "the", "a", "an", "this", "that", "my", "our", "your", "his", "her", "their",
    "too", "also", "again", "then", "there", "here", "if", "as", "already", "yet", "though", "although", "since",
    "are", "be", "been", "seems", "feels", "looks", "comes", "came", "went", "goes", "ended", "started",
    # a part of the season itself ("cold winter days", in the plural, are any winter's: not a time)
    "break", "vacation", "holiday", "holidays", "term", "semester", "season", "solstice", "time",
})


def _season_is_time(text: str, start: int, end: int) -> bool:
    """Whether the bare season word at `text[start:end]` names a time (see `_SEASON_MARK`)."""
    marked = _SEASON_MARK.search(text[:start]) is not None
    nxt = _NEXT_WORD.match(text, end)
    if nxt is not None and nxt.group(1) not in _KEEPS_A_SEASON_A_TIME and not (marked and nxt.group(1).endswith("ing")):
        return False  # "the summer hiking" is a time, "his winter fishing trip" a kind of trip
    return marked or text[start:end].casefold() not in ("fall", "spring")


def _season(start_month: int, year: int) -> Interval:
    start = datetime(year, start_month, 1, tzinfo=UTC)
    return Interval.granule(start, G.SEASON)


_BEFORE_LAST = re.compile(r"\s+last\b", re.IGNORECASE)
# between "the day after" and "on 3 May": the name of what is counted from ("my birthday", "the party")
_NAMED_THING = re.compile(r"\s+(?:[\w'’-]+\s+){0,4}[\w'’-]+\s+")
_CLAUSE_WORDS = frozenset({"and", "but", "or", "then", "so", "because", "until", "till", "since", "when", "while",
                           "before", "after", "which", "that"})
# early / mid / late parts of a year and of a month, read as Duckling reads "the beginning of" and "the end of"
# them, so that either wording gives the same range: a year's first three months and its last four (and the
# five between), a month's first ten days, the ten after, and the rest
_PART = {"early": 0, "start of": 0, "mid": 1, "middle of": 1, "late": 2}
_YEAR_PARTS = ((0, 3), (3, 8), (8, 12))  # months from the year's start
_TEMPERATURE = re.compile(r"\b(?:degrees?|temperatures?|temps?|weather|hot|cold|warm|cool|chilly|freezing|"
                          r"fahrenheit|celsius|humid)\b|°", re.IGNORECASE)
_ORDINAL = {"fir": 0, "1st": 0, "sec": 1, "2nd": 1, "thi": 2, "3rd": 2}  # "fourth" / "4th": 3; "last" apart
_OF = re.compile(r"\s+of\s+", re.IGNORECASE)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around `text[start:end]`, without it."""
    left = max(text.rfind(".", 0, start), text.rfind("!", 0, start), text.rfind("?", 0, start)) + 1
    rights = [i for i in (text.find(".", end), text.find("!", end), text.find("?", end)) if i >= 0]
    right = min(rights) if rights else len(text)
    return text[left:start] + " " + text[end:right]


def _prefer(text: str, start: int, end: int) -> Prefer:
    """Tense of the clause around a mention: future cues win, else past (dialogue mostly reports)."""
    if _FUTURE_CUE.search(_sentence(text, start, end)):
        return "future"
    return "past"


class _Rules:
    def __init__(self, text: str, ref: datetime, context: Sequence[TimeMention],
                 explicit: Sequence[TimeMention] = ()) -> None:
        self.text = text
        self.ref = ref
        self.day = floor(ref, G.DAY)
        self.context = list(context)
        self.explicit = list(explicit)
        self.pos = 0

    def anchor(self, found: list[TimeMention]) -> Interval | None:
        """The latest earlier mention, in this text or the given context, that anaphora can refer to."""
        earlier = sorted([m for m in [*found, *self.explicit] if m.end <= self.pos], key=lambda m: m.start)
        for m in reversed(earlier):
            if m.kind in ("point", "range") and m.interval.start is not None:
                return m.interval
        for m in reversed(self.context):
            if m.kind in ("point", "range") and m.interval.start is not None:
                return m.interval
        return None

    def stated(self, m: re.Match[str]) -> tuple[Interval, int] | None:
        """The time a "before"/"after" phrase counts from when the text states it right after the phrase
        ("the week before 16 November 2023", "two days after Christmas"), and where that time ends. Duckling
        reads the whole phrase as one span; the part after the rule's match is the anchor."""
        span = max((e for e in self.explicit if e.start < m.end() < e.end), key=lambda e: e.end, default=None)
        if span is None:
            return self._day_of_named(m)
        tail = self.text[m.end():span.end]
        lead = len(tail) - len(tail.lstrip())
        hits = [h for h in _duck_parse(tail, self.ref) if h.get("dim") == "time" and int(h["start"]) <= lead]
        best = max(hits, key=lambda h: int(h["end"]), default=None)
        if best is None or (iv := _value_interval(best["value"])) is None or iv.start is None:
            return None
        body = tail[int(best["start"]):int(best["end"])]
        return _debias(body, iv, self.ref, _prefer(self.text, m.start(), span.end)), m.end() + int(best["end"])

    def _day_of_named(self, m: re.Match[str]) -> tuple[Interval, int] | None:
        """"The day after my birthday on 3 May", "two days after the party on Friday": what the phrase counts
        from is named in a few words, then dated with "on" and a day. A clause break or a conjunction in
        between ("the day after, and on 3 May ...") means the day belongs to something else."""
        nxt = min((e for e in self.explicit if e.start >= m.end()), key=lambda e: e.start, default=None)
        if nxt is None or not nxt.text.casefold().startswith("on ") or nxt.interval.granularity is not G.DAY:
            return None
        gap = self.text[m.end():nxt.start]
        if not _NAMED_THING.fullmatch(gap) or not _CLAUSE_WORDS.isdisjoint(gap.casefold().split()):
            return None
        return nxt.interval, nxt.end

    def run(self) -> list[TimeMention]:
        hits: list[tuple[int, int, str, re.Match[str]]] = []
        for name, rx in _RULES:
            for m in rx.finditer(self.text):
                hits.append((m.start(), m.end(), name, m))
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out: list[TimeMention] = []
        taken_until = -1
        for start, end, name, m in hits:
            if start < taken_until:
                continue
            self.pos = start
            mention = getattr(self, f"_{name}")(m, out)
            if mention is not None:
                out.append(mention)
                taken_until = max(end, mention.end)
        return out

    def _mk(self, m: re.Match[str], iv: Interval, kind: Kind = "point", relative: bool = True,
            end: int | None = None) -> TimeMention:
        """A mention of the rule's match, or up to `end` when it takes in the time it counts from."""
        end = m.end() if end is None else end
        return TimeMention(text=self.text[m.start():end], start=m.start(), end=end, interval=iv, kind=kind,
                           relative=relative and not _YEAR.search(self.text[m.end():end]))

    def _anaphor_shift(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        unit, direction = m.group(1).casefold(), m.group(2).casefold()
        n = -1 if direction in ("before", "prior") else 1
        if m.group(0)[:2].casefold() == "a " and direction in ("before", "after"):
            return None  # "a week after 3 May" counts a week from it (`_ago`), "the week after" is a span
        stated = self.stated(m)
        anchor, end = stated if stated is not None else (self.anchor(found), None)
        if stated is None and direction == "before" and (last := _BEFORE_LAST.match(self.text, m.end())):
            # "the week before last": two weeks before this one, whatever was said before
            anchor, n, end = Interval.granule(self.day, G.DAY), -2, last.end()
        if anchor is None:
            # No antecedent: "the week before" is relative to the time of speaking.
            anchor = Interval.granule(self.day, G.DAY)
        if unit == "weekend":
            base = anchor.start or self.day
            wk = _weekend_of(base)
            if n < 0 and wk.start is not None and wk.start >= base:
                wk = _shift(wk, G.WEEK, -1)
            if n > 0 and wk.start is not None and wk.start <= base:
                wk = _shift(wk, G.WEEK, 1)
            if n == -2:
                wk = _shift(wk, G.WEEK, -1)
            return self._mk(m, wk, end=end)
        if unit == "week" and n in (-1, 1) and anchor.granularity is G.DAY and anchor.start and anchor.end:
            # "the week before Christmas" is the seven days leading up to it, not the calendar week before
            # the one it falls in (which, for a Sunday, ends a week early)
            seven = timedelta(days=7)
            iv = (Interval(start=anchor.start - seven, end=anchor.start, start_granularity=G.DAY,
                           end_granularity=G.DAY) if n < 0 else
                  Interval(start=anchor.end, end=anchor.end + seven, start_granularity=G.DAY, end_granularity=G.DAY))
            return self._mk(m, iv, end=end)
        return self._mk(m, _shift(anchor, _UNIT[unit], n), end=end)

    def _anaphor_next(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        direction, unit = m.group(1).casefold(), m.group(2).casefold()
        n = -1 if direction in ("previous", "prior") else 1
        anchor = self.anchor(found) or Interval.granule(self.day, G.DAY)
        if unit == "weekend":
            wk = _weekend_of(anchor.start or self.day)
            return self._mk(m, _shift(wk, G.WEEK, n))
        return self._mk(m, _shift(anchor, _UNIT[unit], n))

    def _anaphor_same(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        unit = m.group(1).casefold()
        anchor = self.anchor(found)
        if anchor is None or anchor.start is None:
            if unit == "weekend" and _prefer(self.text, m.start(), m.end()) == "past":
                return self._mk(m, _last_weekend(self.ref))
            return None
        if unit in ("night", "morning", "evening", "afternoon", "day"):
            return self._mk(m, Interval.granule(anchor.start, G.DAY))
        if unit == "weekend":
            return self._mk(m, _weekend_of(anchor.start))
        return self._mk(m, Interval.granule(anchor.start, _UNIT[unit]))

    def _ago(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        count_word, unit, direction = m.group(1).casefold(), m.group(2).casefold(), m.group(3).casefold()
        n = _count(count_word)
        g = _UNIT[unit]
        sign = 1 if direction in ("later", "after") else -1
        end = None
        if direction in ("before", "later", "after", "earlier"):
            stated = self.stated(m) if direction in ("before", "after") else None
            anchor_iv, end = stated if stated is not None else (self.anchor(found), None)
            if direction == "earlier" and anchor_iv is None:
                anchor_iv = None  # "two days earlier" without antecedent = ago
            base = anchor_iv.start if anchor_iv is not None and anchor_iv.start is not None else self.day
            if anchor_iv is None and direction in ("later", "after"):
                return None  # "two days later" with nothing to count from
        else:
            base = self.day
        if count_word in _VAGUE:
            lo = base + sign * _delta(g, n + 2)
            hi = base + sign * _delta(g, 1)
            lo, hi = min(lo, hi), max(lo, hi)
            iv = Interval(start=floor(lo, G.DAY), end=floor(hi, G.DAY) + timedelta(days=1),
                          start_granularity=G.DAY, end_granularity=G.DAY)
            return self._mk(m, iv, kind="range", end=end)
        if unit == "weekend":
            wk = _last_weekend(base) if sign < 0 else _weekend_of(base + timedelta(days=7))
            return self._mk(m, _shift(wk, G.WEEK, sign * (n - 1)), end=end)
        if g in (G.DAY, G.WEEK):
            # counted from a stated day, the result is a day too ("a week after 3 May": 10 May)
            g_out = G.DAY if end is not None and anchor_iv is not None and anchor_iv.granularity is G.DAY else g
            return self._mk(m, Interval.granule(base + sign * _delta(g, n), g_out), end=end)
        # "a year ago" said in August 2023 is around August 2022: keep the month.
        target = step(floor(base, G.MONTH), G.MONTH, sign * n * (12 if g is G.YEAR else 1))
        return self._mk(m, Interval.granule(target, G.MONTH), end=end)

    def _weekend(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        which = m.group(1).casefold()
        last = _last_weekend(self.ref)
        if which in ("last", "this past", "past"):
            if floor(self.ref, G.DAY).weekday() >= 5 and which == "last":
                last = _shift(last, G.WEEK, -1)
            return self._mk(m, last)
        if which == "next":
            return self._mk(m, _weekend_of(self.day + timedelta(days=7)))
        if which in ("the", "over the"):
            of = _OF.match(self.text, m.end())
            named = next((e for e in self.explicit if of and e.start == of.end()), None)
            if named is not None and named.interval.start is not None:  # "the weekend of 13 May"
                return self._mk(m, _weekend_of(named.interval.start), end=named.end)
            anchor = self.anchor(found)
            if anchor is not None and anchor.start is not None:
                return self._mk(m, _weekend_of(anchor.start))
        # "this weekend": the coming one, unless the sentence is in the past tense.
        if _prefer(self.text, m.start(), m.end()) == "past" and self.day.weekday() in (0, 5, 6):
            return self._mk(m, last)
        return self._mk(m, _weekend_of(self.day))

    def _season(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        which = (m.group(1) or "").casefold()
        if not which and not m.group(3) and not _season_is_time(self.text, m.start(2), m.end(2)):
            return None
        start_month = _SEASON_START[m.group(2).casefold()]
        if m.group(3):
            year = int(m.group(3).lstrip("'’"))
            if year < 100:  # "the summer of '19": the latest such year by now
                year += 2000 if 2000 + year <= self.ref.year else 1900
            # "winter 2022" starts in December 2022 under meteorological seasons.
            return self._mk(m, _season(start_month, year), relative=False)
        current = floor(self.ref, G.SEASON)
        # The most recent season of this name that has started by the reference time.
        year = self.ref.year
        cand = _season(start_month, year)
        if cand.start is not None and cand.start > self.ref:
            cand = _season(start_month, year - 1)
        if which in ("last", "past", "this past"):
            if cand.start == current:  # we are in it: "last summer" is the one before
                cand = _season(start_month, year - 1 if cand.start and cand.start.year == year else year - 2)
            return self._mk(m, cand)
        if which == "next" or (not which and _prefer(self.text, m.start(), m.end()) == "future") or (
            which == "this" and _prefer(self.text, m.start(), m.end()) == "future"
        ):
            if cand.start == current:
                return self._mk(m, cand)
            assert cand.start is not None
            return self._mk(m, _season(start_month, cand.start.year + 1))
        return self._mk(m, cand)

    def _day_range(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        month = _MONTHS.get(m.group(1).casefold().rstrip("."))
        d1, d2 = int(m.group(2)), int(m.group(3))
        if month is None or not (1 <= d1 <= d2 <= 31):
            return None
        year = int(m.group(4)) if m.group(4) else None
        if year is None:
            year = self.ref.year
            tense = _prefer(self.text, m.start(), m.end())
            today = (self.ref.month, self.ref.day)
            if tense == "past" and (month, d1) > today:
                year -= 1
            elif tense == "future" and (month, d2) < today:
                year += 1
        try:
            start = datetime(year, month, d1, tzinfo=UTC)
            end = datetime(year, month, d2, tzinfo=UTC) + timedelta(days=1)
        except ValueError:
            return None
        iv = Interval(start=start, end=end, start_granularity=G.DAY, end_granularity=G.DAY)
        return self._mk(m, iv, kind="range", relative=m.group(4) is None)

    def _weekday_shift(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        """"The Friday before 15 July 2023": the nearest such weekday before (after) the stated day. Without a
        stated day it is left to Duckling ("the Friday after next")."""
        stated = self.stated(m)
        if stated is None or stated[0].start is None:
            return None
        (anchor, end), first = stated, stated[0].start
        wanted = _WEEKDAYS.index(m.group(1).casefold())
        if m.group(2).casefold() == "before":
            day = floor(first, G.DAY) - timedelta(days=(first.weekday() - wanted) % 7 or 7)
        else:
            last = floor((anchor.end or first + timedelta(days=1)) - timedelta(microseconds=1), G.DAY)
            day = last + timedelta(days=(wanted - last.weekday()) % 7 or 7)
        return self._mk(m, Interval.granule(day, G.DAY), end=end)

    def _week_of_month(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        """"The second week of November" as people count it: days 8-14, not the second Monday-started week;
        the last week is the month's last seven days."""
        month = _MONTHS.get(m.group(2).casefold())
        if month is None:
            return None
        first = datetime(self._month_year(m, month, m.group(3)), month, 1, tzinfo=UTC)
        which = m.group(1).casefold()[:3]
        if which == "las":
            start = step(first, G.MONTH, 1) - timedelta(days=7)
        else:
            start = first + timedelta(days=7 * _ORDINAL.get(which, 3))
        iv = Interval(start=start, end=start + timedelta(days=7), start_granularity=G.DAY, end_granularity=G.DAY)
        return self._mk(m, iv, relative=m.group(3) is None)

    def _month_year(self, m: re.Match[str], month: int, year: str | None) -> int:
        """The year of a month named without one: this year's, or the nearest one in the clause's tense."""
        if year:
            return int(year)
        tense = _prefer(self.text, m.start(), m.end())
        if tense == "past" and month > self.ref.month:
            return self.ref.year - 1
        if tense == "future" and month < self.ref.month:
            return self.ref.year + 1
        return self.ref.year

    def _weekend_of_month(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        """"The first weekend of August": the month's first Saturday and the Sunday after; the last weekend
        is the one of its last Saturday."""
        month = _MONTHS.get(m.group(2).casefold())
        if month is None:
            return None
        first = datetime(self._month_year(m, month, m.group(3)), month, 1, tzinfo=UTC)
        which = m.group(1).casefold()[:3]
        saturday = first + timedelta(days=(5 - first.weekday()) % 7)
        if which == "las":
            while step(first, G.MONTH, 1) - saturday > timedelta(days=7):
                saturday += timedelta(days=7)
        else:
            saturday += timedelta(days=7 * _ORDINAL.get(which, 3))
        iv = Interval(start=saturday, end=saturday + timedelta(days=2), start_granularity=G.DAY,
                      end_granularity=G.DAY)
        return self._mk(m, iv, relative=m.group(3) is None)

    def _part_of(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        """"Late 2019", "early last year", "the middle of May": the start, middle or end of a year or month."""
        part = _PART[" ".join(m.group(1).casefold().split())]
        rest = " ".join(self.text[m.end(1):m.end()].strip(" -").casefold().split())
        year = _YEAR.search(rest)
        if rest.endswith(("year", "month")):
            g = G.YEAR if rest.endswith("year") else G.MONTH
            shift = {"last": -1, "this": 0, "the": 0, "next": 1}[rest.split()[0]]
            start = step(floor(self.ref, g), g, shift)
        elif year is not None and year.start() == 0:
            g, start = G.YEAR, datetime(int(year.group()), 1, 1, tzinfo=UTC)
        else:
            word = rest.split()[0].strip(",")
            month = _MONTHS.get(word)
            if month is None or "may" in self.text[m.end(1):m.end()]:  # "it's late, may I ...": a verb
                return None
            g = G.MONTH
            start = datetime(self._month_year(m, month, year.group() if year else None), month, 1, tzinfo=UTC)
        if g is G.YEAR:
            lo, hi = (step(start, G.MONTH, n) for n in _YEAR_PARTS[part])
            iv = Interval(start=lo, end=hi, start_granularity=G.MONTH, end_granularity=G.MONTH)
        else:
            lo = start + timedelta(days=10 * part)
            hi = step(start, G.MONTH, 1) if part == 2 else lo + timedelta(days=10)
            iv = Interval(start=lo, end=hi, start_granularity=G.DAY, end_granularity=G.DAY)
            # "late May" told on 8 May is last year's, as Duckling's "the end of May" is
            iv = _debias(m.group(0), iv, self.ref, _prefer(self.text, m.start(), m.end()))
        return self._mk(m, iv, kind="range", relative=not year)

    def _half_or_quarter(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        """"The first half of 2021", "the last quarter of this year", "Q3 2022", "H1 2022"."""
        if m.group(4):
            size, n, year_text = (6 if m.group(4).upper() == "H" else 3), int(m.group(5)), m.group(6)
            if size == 6 and n > 2:
                return None
        else:
            size = 6 if m.group(2).casefold() == "half" else 3
            which = m.group(1).casefold()[:3]
            n = 12 // size if which == "las" else _ORDINAL.get(which, 3) + 1
            year_text = m.group(3).casefold()
            if n > 12 // size:
                return None
        if _YEAR.fullmatch(year_text):
            start = datetime(int(year_text), 1, 1, tzinfo=UTC)
        else:
            shift = {"last": -1, "next": 1}.get(year_text.split()[0], 0)
            start = step(floor(self.ref, G.YEAR), G.YEAR, shift)
        lo = step(start, G.MONTH, size * (n - 1))
        iv = Interval(start=lo, end=step(lo, G.MONTH, size), start_granularity=G.MONTH, end_granularity=G.MONTH)
        return self._mk(m, iv, kind="range", relative=not _YEAR.fullmatch(year_text))

    def _decade(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        """"The 90s", "the late 1980s", "the 1800s" (a century); "in my 20s" is an age, not a time."""
        digits = m.group(3)
        if not digits.endswith("0") or (len(digits) == 2 and not m.group(1)):
            return None
        if len(digits) == 2 and _TEMPERATURE.search(_sentence(self.text, m.start(), m.end())):
            return None  # "it was in the 80s all week": degrees
        if len(digits) == 2:
            start_year = 2000 + int(digits) if 2000 + int(digits) <= self.ref.year else 1900 + int(digits)
        else:
            start_year = int(digits)
        length = 100 if len(digits) == 4 and digits.endswith("00") and start_year < 2000 else 10
        lo, hi = {"early": (0, 4), "mid": (4, 7), "late": (7, 10)}.get((m.group(2) or "").casefold(), (0, 10))
        if length == 100:
            lo, hi = lo * 10, hi * 10
        return self._mk(m, _years(start_year + lo, start_year + hi), kind="range", relative=False)

    def _year_range(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        """"From 2018 to 2020": both years whole (Duckling leaves the end open)."""
        first, last = int(m.group(1)), int(m.group(2))
        return self._mk(m, _years(first, last + 1), kind="range", relative=False) if last >= first else None

    def _set(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        return self._mk(m, Interval(), kind="set")

    def _duration(self, m: re.Match[str], found: list[TimeMention]) -> TimeMention | None:
        count_word = m.group(1) or m.group(3)
        unit = (m.group(2) or m.group(4)).casefold()
        text = m.group(0).casefold()
        n = _count(count_word)
        g = _UNIT[unit]
        if text.startswith("in ") and _prefer(self.text, m.start(), m.end()) == "future":
            # "in two weeks": a point in the future, not a duration.
            target = self.day + _delta(g, n) if g in (G.DAY, G.WEEK) else step(floor(self.day, g), g, n)
            return self._mk(m, Interval.granule(target, g))
        if _prefer(self.text, m.start(), m.end()) == "future":
            iv = Interval(start=self.ref, end=self.ref + _delta(g, n), start_granularity=G.INSTANT,
                          end_granularity=g)
        else:
            iv = Interval(start=self.ref - _delta(g, n), end=self.ref, start_granularity=g,
                          end_granularity=G.INSTANT)
        return self._mk(m, iv, kind="duration")


def _delta(g: G, n: int) -> timedelta:
    days = {G.DAY: 1, G.WEEK: 7, G.MONTH: 30, G.SEASON: 91, G.YEAR: 365}[g]
    return timedelta(days=days * n)


# -- Duckling layer ------------------------------------------------------------------------------------
_duck_lock = threading.Lock()
_GRAIN = {"day": G.DAY, "week": G.WEEK, "month": G.MONTH, "year": G.YEAR}


def _zoneinfo_dir() -> str:
    """The system time-zone database, else the one shipped in the `tzdata` package."""
    import os

    if os.path.isdir("/usr/share/zoneinfo"):
        return "/usr/share/zoneinfo"
    try:
        import tzdata
    except ImportError as exc:
        from tkgmem.errors import ConfigError

        raise ConfigError("no time-zone database for Duckling: install the OS tzdata or `pip install tzdata`") from exc
    return os.path.join(os.path.dirname(tzdata.__file__), "zoneinfo")


@lru_cache(maxsize=1)
def _duckling() -> tuple[Any, Any, Any, Any]:
    import duckling

    with _duck_lock:
        duckling.init()
        tz = duckling.load_time_zones(_zoneinfo_dir())
        locale = duckling.default_locale_lang(duckling.parse_lang("EN"))
        dims = duckling.parse_dimensions(["time"])
    return duckling, tz, locale, dims


def _duck_parse(text: str, ref: datetime) -> list[dict[str, Any]]:
    duckling, tz, locale, dims = _duckling()
    ref_time = duckling.parse_ref_time(tz, "UTC", int(ref.timestamp()))
    # NUL panics the Rust side and lone surrogates cannot cross into it; same-length stand-ins keep offsets.
    safe = _UNSAFE.sub(" ", text)
    context = duckling.Context(ref_time, locale)
    safe = _blank_big_numbers(safe, duckling, context)
    result: list[dict[str, Any]] = []
    for offset, segment in _segments(safe, lambda words: _time_words(words, duckling, context, dims)):
        for hit in duckling.parse(segment, context, dims, False):
            hit["start"], hit["end"] = int(hit["start"]) + offset, int(hit["end"]) + offset
            result.append(hit)
    return result


_UNSAFE = re.compile("[\x00\ud800-\udfff]")
# Duckling resolves "next N days", "the Nth day of", "N Sundays from now" by walking N steps and holding them:
# "next 9999999 days" takes 13 s and 2.4 GB, "next 999999999999 day" exhausts any memory (a CI fuzz run was
# OOM-killed). No count a conversation dates by is that large, so numbers beyond _MAX_COUNT are blanked.
_MAX_COUNT = 9999
# Cheap pre-check for a number Duckling may read as > _MAX_COUNT (digits, "9,999,999", "1M", "ten thousand").
_BIG_NUMBER_HINT = re.compile(
    r"\d{5}|\d[,.]\d|\d\s*[kmgb]\b|hundred|thousand|lakh|million|crore|billion|trillion|dozen", re.IGNORECASE)


def _blank_big_numbers(text: str, duckling: Any, context: Any) -> str:
    """`text` with every number or ordinal Duckling reads as beyond ±_MAX_COUNT replaced by spaces."""
    if not _BIG_NUMBER_HINT.search(text):
        return text
    chars = list(text)
    for hit in duckling.parse(text, context, _number_dims(), False):
        value = hit.get("value", {}).get("value")
        if isinstance(value, int | float) and abs(value) > _MAX_COUNT:
            chars[int(hit["start"]):int(hit["end"])] = " " * (int(hit["end"]) - int(hit["start"]))
    return "".join(chars)


@lru_cache(maxsize=1)
def _number_dims() -> Any:
    duckling = _duckling()[0]
    return duckling.parse_dimensions(["number", "ordinal"])


# Words Duckling reads as a time on their own (latent ones included: "two", "second", "lunch", "boss" for
# boss's day, "carnival"), learnt per word; bounded so a stream of new words cannot grow it without end.
_WORD_IS_TIME: dict[str, bool] = {}
_WORD_CACHE_SIZE = 1 << 16
# Between words classified in one call, so that none can combine with its neighbours.
_ISOLATE = " ; zqxj ; "


def _time_words(words: set[str], duckling: Any, context: Any, dims: Any) -> set[str]:
    """The casefolded `words` that Duckling parses as a time when alone."""
    new = sorted(w for w in words if w not in _WORD_IS_TIME)
    if new:
        joined = _ISOLATE.join(new)
        spans = {(h["start"], h["end"]) for h in duckling.parse(joined, context, dims, True)}
        if len(_WORD_IS_TIME) + len(new) > _WORD_CACHE_SIZE:
            _WORD_IS_TIME.clear()
        pos = 0
        for w in new:
            _WORD_IS_TIME[w] = (pos, pos + len(w)) in spans
            pos += len(w) + len(_ISOLATE)
    return {w for w in words if _WORD_IS_TIME.get(w)}


_SENTENCE_END = re.compile(r"[.!?;]+(?=\s+[A-Z])|\n+")
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
# Duckling's work grows about fivefold with each extra time word it can chain ("tomorrow" x 10 takes
# seconds, x 20 hours), so a text is parsed in windows of at most this many time words: any word Duckling
# reads as a time by itself, not only _MAYBE_TIME's ("the second" x 6 + "today" took 3.5 s, "afternoon"
# x 8 + "today" 2 s, "2 pm" x 10 5 s while only _MAYBE_TIME words were counted).
_MAX_TIME_TOKENS = 6
# Connectives and modifiers of Duckling's time grammar chain time words too ("after evening from 1 o'clock
# from this quarter monday - june" has 5 time words and took 3 s), so a run of time words and these,
# unbroken by any other word, is also cut after this many tokens. Other words end a run: Duckling cannot
# build across them, so prose with many short runs stays whole.
_MAX_RUN_TOKENS = 10
_GLUE = re.compile(
    r"the|an?|of|at|on|in|to|from|and|or|till?|until|through|thru|between|before|after|since|by|for|during|"
    r"within|around|about|approx(?:imately)?|exactly|sharp|this|that|next|last|past|previous|coming|"
    r"upcoming|following|ago|hence|later|earlier|early|late|mid|middle|end|beginning|start|rest|clock|"
    r"quarter|half|hours?|hrs?|minutes?|mins?|secs?|seconds?|every|each|other|current|\w{1,2}",
    re.IGNORECASE,
)
_ZONE = re.compile(r"[A-Z]{2,5}")  # EST, UTC, CEST: Duckling attaches zones to times


def _segments(text: str, time_words: Callable[[set[str]], set[str]] | None = None) -> list[tuple[int, str]]:
    """(offset, piece) of `text`: the whole text when it is cheap for Duckling, else sentences, and within
    a sentence windows of at most _MAX_TIME_TOKENS time words and runs of at most _MAX_RUN_TOKENS.

    `time_words(words) -> subset` names the words (casefolded) Duckling reads as times; digits and
    _MAYBE_TIME words always count."""
    tokens = list(_TOKEN.finditer(text))
    if len(tokens) <= _MAX_TIME_TOKENS:
        return [(0, text)]
    timeish = time_words({t.group().casefold() for t in tokens}) if time_words else set()

    def kind(w: str) -> int:  # 2 time word, 1 glue, 0 any other word
        if w.isdigit() or w.casefold() in timeish or _MAYBE_TIME.fullmatch(w):
            return 2
        return int(bool(_GLUE.fullmatch(w) or _ZONE.fullmatch(w)))

    def cuts(a: int, b: int) -> list[int]:
        out, n_time, n_run = [], 0, 0
        for m in _TOKEN.finditer(text, a, b):
            k = kind(m.group())
            if not k:
                n_run = 0
                continue
            if n_time + (k == 2) > _MAX_TIME_TOKENS or n_run == _MAX_RUN_TOKENS:
                out.append(m.start())
                n_time = n_run = 0
            n_time += k == 2
            n_run += 1
        return out

    if sum(kind(t.group()) == 2 for t in tokens) <= _MAX_TIME_TOKENS and not cuts(0, len(text)):
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = 0
    ends = [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    for end in ends:
        if end <= start:
            continue
        bounds = [start, *cuts(start, end), end]
        out.extend((a, text[a:b]) for a, b in itertools.pairwise(bounds) if b > a)
        start = end
    return out


def _ts(s: str) -> datetime:
    return as_utc(datetime.fromisoformat(s))


def _value_interval(v: dict[str, Any]) -> Interval | None:
    if v.get("type") == "interval":
        frm, to = v.get("from"), v.get("to")
        start = _ts(frm["value"]) if frm else None
        end = _ts(to["value"]) if to else None
        gs = _GRAIN.get(frm["grain"], G.DAY) if frm else G.DAY
        ge = _GRAIN.get(to["grain"], G.DAY) if to else G.DAY
        if frm and frm["grain"] in ("hour", "minute", "second"):
            # Evening-to-midnight or weekend spans: keep whole days.
            assert start is not None
            start = floor(start, G.DAY) + (timedelta(days=1) if start.hour >= 17 and end and
                                           (end - start) > timedelta(days=1) else timedelta())
            gs = G.DAY
        if to and to["grain"] in ("hour", "minute", "second"):
            assert end is not None
            end = floor(end, G.DAY) + (timedelta(days=1) if end != floor(end, G.DAY) else timedelta())
            ge = G.DAY
        if start is not None and end is not None and end <= start:
            end = start + timedelta(days=1)
        return Interval(start=start, end=end, start_granularity=gs, end_granularity=ge)
    if "value" not in v:
        return None
    t = _ts(v["value"])
    grain = v.get("grain", "day")
    if grain == "quarter":
        start = floor(t, G.MONTH)
        return Interval(start=start, end=step(start, G.MONTH, 3), start_granularity=G.MONTH,
                        end_granularity=G.MONTH)
    if grain in _GRAIN:
        return Interval.granule(t, _GRAIN[grain])
    # hour / minute / second: the day it falls on is what events are dated by.
    return Interval.granule(t, G.DAY)


def _debias(body: str, iv: Interval, ref: datetime, prefer: Prefer) -> Interval:
    """Move a bare "Friday" / "in March" / "13 August" to the past occurrence in a past-tense clause."""
    if prefer != "past" or _DIRECTED.search(body) or _YEAR.search(body) or iv.start is None:
        return iv
    today_end = floor(ref, G.DAY) + timedelta(days=1)
    if iv.start < today_end:
        return iv
    if "weekend" in body.casefold():
        return _last_weekend(ref)
    if _WEEKDAY_RE.search(body) and not _MONTH_WORD.search(body):
        weeks = (iv.start - floor(ref, G.DAY)).days // 7 + 1
        return _shift_days(iv, -7 * weeks)
    if _ORDINAL_DAY.search(body) and not _MONTH_WORD.search(body) and iv.granularity is G.DAY:
        # "on the 15th" in a past clause: this month's or the latest earlier month's 15th
        day_of_month = iv.start.day
        month = floor(iv.start, G.MONTH)
        for _ in range(13):
            month = step(month, G.MONTH, -1) if month.replace(day=1) >= floor(iv.start, G.MONTH) else month
            try:
                candidate = month.replace(day=day_of_month)
            except ValueError:  # the 31st in a 30-day month
                month = step(month, G.MONTH, -1)
                continue
            if candidate < today_end:
                return Interval.granule(candidate, G.DAY)
            month = step(month, G.MONTH, -1)
        return iv
    if _MONTH_WORD.search(body) and iv.granularity in (G.DAY, G.MONTH, G.WEEK):
        out = iv
        while out.start is not None and out.start >= today_end:
            out = _shift_years(out, -1)
        return out
    if _CALENDAR_NAME.search(body):
        return _year_before(body, iv, ref, today_end)
    return iv


# a day named by the calendar rather than counted from now ("over Easter", "on 5/3"): in a past clause, its last
# occurrence, not its next one
_CALENDAR_NAME = re.compile(r"\b(?:christmas|easter|halloween|thanksgiving|new year|valentine)|\b\d{1,2}/\d{1,2}\b",
                            re.IGNORECASE)


def _year_before(body: str, iv: Interval, ref: datetime, today_end: datetime) -> Interval:
    """The occurrence a year earlier, read again from a reference a year back (Easter moves), when it has begun by
    now; else `iv` as it was."""
    hits = [h for h in _duck_parse(body, ref - timedelta(days=365)) if h.get("dim") == "time"]
    best = max(hits, key=lambda h: int(h["end"]) - int(h["start"]), default=None)
    earlier = _value_interval(best["value"]) if best is not None else None
    return earlier if earlier is not None and earlier.start is not None and earlier.start < today_end else iv


def _shift_days(iv: Interval, days: int) -> Interval:
    d = timedelta(days=days)
    return iv.model_copy(update={"start": iv.start + d if iv.start else None,
                                 "end": iv.end + d if iv.end else None})


def _shift_years(iv: Interval, years: int) -> Interval:
    def mv(t: datetime | None) -> datetime | None:
        if t is None:
            return None
        try:
            return t.replace(year=t.year + years)
        except ValueError:  # 29 February
            return t.replace(year=t.year + years, day=28)

    return iv.model_copy(update={"start": mv(iv.start), "end": mv(iv.end)})


_MAYBE_TIME = re.compile(
    r"\d|\b(yesterday|today|tonight|tomorrow|ago|last|next|this|past|weeks?|weekends?|months?|years?|morning|"
    r"night|evening|days?|since|until|till|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
    r"june|july|august|september|october|november|december|christmas|easter|halloween|thanksgiving|"
    r"new year|valentine|summer|winter|spring|fall|autumn|noon|midnight|later|earlier)\b",
    re.IGNORECASE,
)


def find_times(
    text: str, reference: datetime, *, context: Sequence[TimeMention] = (), prefer: Prefer | None = None
) -> list[TimeMention]:
    """Temporal expressions of `text`, in order, resolved against `reference`.

    `context` holds earlier mentions of the same episode or session, for anaphora ("the day after",
    "that weekend"). `prefer` forces the tense used to resolve bare expressions; by default it is read
    from the clause around each mention.
    """
    if not text or not _MAYBE_TIME.search(text):
        return []
    ref = as_utc(reference)
    explicit: list[TimeMention] = []
    for hit in _duck_parse(text, ref):
        start, end = int(hit["start"]), int(hit["end"])
        body = text[start:end]  # the caller's own characters (the parser saw sanitised ones)
        if hit.get("dim") != "time" or body.casefold().strip() in _DROP_BODIES:
            continue
        if body.islower() and body in _MONTHS:  # "may", "march", "sat" as words
            continue
        bare = _BARE_SEASON.fullmatch(body)
        if bare is not None and not _season_is_time(text, start + bare.start(1), start + bare.end(1)):
            continue  # "spring rolls", "fall asleep", "excited about summer break"
        try:
            iv = _value_interval(hit["value"])
            if iv is None:
                continue
            iv = _debias(body, iv, ref, prefer or _prefer(text, start, end))
        except (ValueError, OverflowError):  # beyond years 1-9999 ("in 9999", "3000 years ago"): not a time
            continue
        kind: Kind = "range" if hit["value"].get("type") == "interval" else "point"
        if body.casefold().startswith(("since", "from")) and iv.end is None:
            kind = "range"
        relative = not _YEAR.search(body)
        explicit.append(TimeMention(text=body, start=start, end=end, interval=iv, kind=kind,
                                    relative=relative))
    try:
        found = _Rules(text, ref, context, explicit).run()
    except (ValueError, OverflowError):  # a rule stepped past year 9999 or before year 1
        found = []
    taken = [(m.start, m.end) for m in found]
    found += [m for m in explicit if not any(s < m.end and m.start < e for s, e in taken)]
    found.sort(key=lambda m: m.start)
    return found


__all__ = ["TimeMention", "find_times"]
