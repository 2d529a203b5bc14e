"""Temporal operator detection from the wording of a question (rules, no model).

Detects the operators a plan needs (before/after, first/last/n-th, same day/month/year, during/in,
between, start/finish, count, duration/gap) and maps them to the label sets used by MultiTQ (`qtype`)
and TimeQuestions (`Temporal signal`), so detection can be measured against both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tkgmem.temporal import Granularity

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
}
_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
           r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
_DATE_LIT = re.compile(
    rf"(?:\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}\b|\b\d{{1,4}}\s*-\s*\d{{1,2}}\s*-\s*\d{{1,4}}\b"
    rf"|\b(?:{_MONTHS})[a-z]*\.?,?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s*{_YEAR})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})[a-z]*\b(?:,?\s*{_YEAR})?"
    rf"|\b(?:{_MONTHS})[a-z]*\.?,?\s+(?:of\s+)?(?:the\s+year\s+(?:of\s+)?)?{_YEAR}\b"
    rf"|\bthe\s+{_YEAR}s\b|\b(?:the\s+)?[1-9]0['’]?s\b|\b\d{{1,2}}(?:st|nd|rd|th)\s+century\b|\b{_YEAR}\b)",
    re.I,
)
_TIME_WORDS = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|last\s+(?:week|weekend|month|year|summer|winter|spring|fall|autumn|"
    r"night|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|next\s+(?:week|weekend|month|year|summer|"
    r"winter|spring|fall|autumn)|this\s+(?:week|weekend|month|year|morning|evening)|ago|recently)\b",
    re.I,
)

_SAME = re.compile(r"\b(?:on|in|at|during)?\s*the\s+same\s+(day|week|month|year|time)\b|\bsimultaneous", re.I)
_BEFORE = re.compile(r"\b(?:before|prior\s+to|previous(?:ly)?\s+to|preced(?:ed|es|ing)|predecessor|earlier\s+than|"
                     r"until\s+(?:he|she|they)\s+became|ahead\s+of)\b", re.I)
_AFTER = re.compile(r"\b(?:after(?:wards)?|follow(?:ed|s|ing)?|succe(?:ed(?:ed|s)?|ssor)|replac(?:ed|es|ing)|"
                    r"later\s+than|since\s+(?:he|she|they|the)\b|subsequent(?:ly)?|comes?\s+after|next\s+to)\b",
                    re.I)
_FIRST = re.compile(r"\b(?:first|earliest|initial(?:ly)?|original(?:ly)?|maiden|debut|inaugural|oldest)\b", re.I)
_LAST = re.compile(r"\b(?:last|latest|final(?:ly)?|most\s+(?:recent(?:ly)?|current)|newest|youngest|previous\s+one)\b",
                   re.I)
_NTH = re.compile(r"\b(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
                  r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
                  r"\d+(?:st|nd|rd|th|h|d))\b(?!\s+century)",
                  re.I)
_BETWEEN = re.compile(r"\bbetween\b.+\band\b|\bfrom\b.+\b(?:to|until|till|through)\b", re.I)
# a "when" inside the question opens a clause ("president when X was born"); one followed by a verb, "and"
# or the end asks for a time ("what did he win and when did he get it") and is not "during"
_DURING = re.compile(r"\b(?:(?:during|while)(?!\s+(?:what|which))|"
                     r"(?<=\S\s)when(?!\s*(?:[?,]|$|and\b|did\b|was\b|were\b|is\b|does\b|do\b|will\b|has\b))|"
                     r"at\s+the\s+time\s+(?:of|when)|in\s+the\s+(?:time|period|era|course)\s+of|throughout|amid)\b",
                     re.I)
_START = re.compile(r"\b(?:start(?:ed|s|ing)?\s+(?:time|date|in|on|at)|start\s+time|began|begin(?:s|ning)?|since|"
                    r"established|founded|from\s+(?:the\s+)?(?:year\s+)?\d{3,4}|commenc|inception|opened)\b", re.I)
_FINISH = re.compile(r"\b(?:end(?:ed|s)?\s+(?:time|date|in|on)|end\s+time|until|till|up\s+to|ended|finish(?:ed)?|"
                     r"dissol|the\s+end\s+of|stopped|ceased|quit|left)\b", re.I)
_COUNT = re.compile(r"\bhow\s+(?:many|often|much\s+times)\b|\bnumber\s+of\b|\bcount\b", re.I)
_DURATION = re.compile(r"\bhow\s+long\b|\bduration\b|\bhow\s+much\s+time\b|\btime\s+interval\b|\btime\s+passed\b|"
                       r"\bfor\s+how\s+many\s+(?:days|weeks|months|years)\b", re.I)
_TEMPORAL_ANSWER = re.compile(r"^\s*(?:when|what\s+(?:time|date|day|year|month|decade|century)|"
                              r"(?:in|on|during|at)\s+(?:what|which)\s+(?:time|date|day|year|month|decade|point))\b|"
                              r"\b(?:what|which)\s+(?:year|date|month|time\s+period|point\s+in\s+time)\b", re.I)
_CONSTRAINT_BEFORE = re.compile(
    r"(?:\b(?:in|on|at|during|since|from|until|till|through|by|before|after|as\s+of|circa|around|year|of\s+the\s+year|"
    r"time\s+is|time\s+of|date\s+is|date\s+as|period\s+of|point\s+of|between|and|to|date\s+of|(?:beginning|start|end|middle)\s+of|starting|started|ended)\s*(?:the\s+)?(?:year\s+)?(?:of\s+)?(?:early\s+|late\s+|mid\s*-?\s*)?|^\s*)$",
    re.I,
)
_NAME_AFTER = re.compile(r"^\s*(?:[a-z]+\s+)?(?:olympic|world|cup|season|games|election|census|film|movie|series|"
                         r"championship|final|finals|award|awards|super|nba|nfl|afc|fifa|war|edition|draft|team|"
                         r"tournament|prize|grand|open|marathon|summer|winter)\b", re.I)


def _is_constraint(q: str, m: re.Match[str]) -> bool:
    """A date that constrains the question ("in 2011", "on May 3, 1999"), not part of a name
    ("the 2008 Olympic games", "the great comet of 1843")."""
    head = q[: m.start()]
    tail = q[m.end():]
    if _NAME_AFTER.match(tail):
        return False
    return bool(_CONSTRAINT_BEFORE.search(head)) or tail.strip().startswith(",")
_START_LABEL = re.compile(r"\bstart\s+time\s+is\b", re.I)
_END_LABEL = re.compile(r"\bend\s+time\s+is\b", re.I)
_ORDINAL_NOISE = re.compile(  # "january 1st, 2002", "10th april": dates, not ordinals
    rf"\b(?:\d+(?:st|nd|rd|th)\s*,?\s*(?:of\s+)?(?:(?:{_MONTHS})\b|\d{{4}})"
    rf"|(?:{_MONTHS})\.?\s+\d+(?:st|nd|rd|th))", re.I)
_ORDINAL_NAME = re.compile(  # "the 14th amendment", "the second world war", "third largest": names and ranks
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\w+teenth|\d+(?:st|nd|rd|th|d|h))\s+"
    r"(?:largest|biggest|smallest|highest|most|longest|tallest|richest|world\s+war|party\s+candidate|level|degree|"
    r"annual|ceremony|infantry|century|millennium)\b",
    re.I,
)
_REPLACED_BY = re.compile(r"\breplaced\s+by\b|\bbeing\s+replaced\b|\bsucceeded\s+by\b", re.I)
# "from" starts something only when a time follows ("from 1993"), not "graduated from Yale in 1948"
_START_CUE = re.compile(r"\b(?:marr(?:y|ied|iage)|wed|spouse|wife|husband|partner|twin(?:ned|s)?|join(?:ed|s)?|"
                        rf"beg[ia]n|start(?:ed|ing|s)?|since|from\s+(?=(?:the\s+)?(?:\d|{_MONTHS}))|found(?:ed)?|"
                        r"establish(?:ed)?|becam?e|elected|appointed|hired|sign(?:ed)?\s+(?:with|for)|beginning)\b",
                        re.I)
_FINISH_CUE = re.compile(r"\b(?:divorc(?:e|ed|es)|left|leave|ended|end|until|till|died|death|quit|resign(?:ed)?|"
                         r"retire(?:d)?|stop(?:ped)?|dissolv(?:e|ed)|abolish(?:ed)?|no\s+longer|up\s+to|recently)\b",
                         re.I)
_NOW = re.compile(r"\b(?:now|current(?:ly)?|present(?:ly)?|today|nowadays|these\s+days)\b", re.I)


@dataclass
class Signals:
    """What the wording says about time; `operators` in the order a plan applies them."""

    before: bool = False
    after: bool = False
    first: bool = False
    last: bool = False
    nth: int | None = None
    same: Granularity | None = None
    same_any: bool = False
    between: bool = False
    during: bool = False
    start: bool = False
    finish: bool = False
    count: bool = False
    duration: bool = False
    temporal_answer: bool = False
    explicit_time: bool = False
    time_constraint: bool = False
    relative_time: bool = False
    now: bool = False
    operators: list[str] = field(default_factory=list)


def detect(question: str) -> Signals:
    q = " ".join(question.split())
    s = Signals()
    m = _SAME.search(q)
    if m:
        s.same_any = True
        word = (m.group(1) or "time").lower()
        s.same = {"day": Granularity.DAY, "week": Granularity.WEEK, "month": Granularity.MONTH,
                  "year": Granularity.YEAR}.get(word)
    s.before = bool(_BEFORE.search(q))
    s.after = bool(_AFTER.search(q))
    s.first = bool(_FIRST.search(q))
    s.last = bool(_LAST.search(q))
    nth = _NTH.search(q)
    if nth:
        word = nth.group(1).lower()
        s.nth = _ORDINALS.get(word) or (int(re.sub(r"\D", "", word)) if re.sub(r"\D", "", word) else None)
    s.between = bool(_BETWEEN.search(q))
    s.during = bool(_DURING.search(q))
    s.start = bool(_START.search(q))
    s.finish = bool(_FINISH.search(q))
    s.count = bool(_COUNT.search(q))
    s.duration = bool(_DURATION.search(q))
    s.temporal_answer = bool(_TEMPORAL_ANSWER.search(q))
    s.explicit_time = bool(_DATE_LIT.search(q))
    s.time_constraint = any(_is_constraint(q, m) for m in _DATE_LIT.finditer(q))
    s.relative_time = bool(_TIME_WORDS.search(q))
    s.now = bool(_NOW.search(q))
    ops = []
    for name, on in (("same", s.same_any), ("between", s.between), ("before", s.before), ("after", s.after),
                     ("during", s.during), ("in", s.explicit_time or s.relative_time), ("first", s.first),
                     ("last", s.last), ("nth", s.nth is not None), ("count", s.count),
                     ("duration", s.duration), ("start", s.start), ("finish", s.finish)):
        if on:
            ops.append(name)
    s.operators = ops
    return s


def multitq_qtype(question: str, s: Signals | None = None) -> str:
    """MultiTQ's operator label: equal, before_after, first_last, after_first, before_last, equal_multi."""
    s = s or detect(question)
    ordinal = s.first or s.last
    if s.same_any:
        return "equal_multi"
    if (s.after or s.before) and ordinal:
        if s.after and s.first:
            return "after_first"
        if s.before and s.last:
            return "before_last"
        return "after_first" if s.after else "before_last"
    if s.before or s.after:
        return "before_after"
    if ordinal:
        return "equal_multi" if s.explicit_time else "first_last"
    return "equal"


_DESCRIPTION = re.compile(
    rf"\b(?:founded|established|formed|(?:that|who)\s+(?:started|began)\s+(?:his|her|their)\s+career|"
    rf"(?:held|holds)\s+(?:his|her|their)\s+(?:\w+\s+)?position|(?:started|began)\s+(?:his|her|their)\s+career)\s+"
    rf"(?:in|on|from|since|before|prior\s+to|after)\s+(?:the\s+year\s+)?(?:{_DATE_LIT.pattern})(?:\s+and\b)?",
    re.I)
_TIME_LEFT = re.compile(rf"{_DATE_LIT.pattern}|\b(?:now|current(?:ly)?|today|this\s+year|during|when)\b", re.I)


def _only_names(q: str) -> bool:
    """Every ordinal word in `q` is part of a name or a rank ("the second world war", "third largest")."""
    words = re.findall(r"\b(?:first|last|latest|earliest|final|most\s+recent|second|third|fourth|fifth|sixth|seventh|"
                       r"eighth|ninth|tenth|\w+teenth|\d+(?:st|nd|rd|th|d|h)|oldest|youngest|newest|initial(?:ly)?|"
                       r"originally|original)\b", q, re.I)
    named = _ORDINAL_NAME.findall(q)
    return bool(words) and len(named) >= len(words)


def timequestions_signals(question: str, s: Signals | None = None) -> list[str]:
    """TimeQuestions' `Temporal signal` labels (BEFORE, AFTER, OVERLAP, START, FINISH, ORDINAL, No signal)."""
    q = question
    described = _DESCRIPTION.sub(" ", q)
    if described != q and _TIME_LEFT.search(described):
        # "for what team founded in 1914 did ronaldo play in 2003", "who held his position from january 3,
        # 1993 and is the current senator": a founding date or tenure start that identifies an entity is a
        # description, not the question's own time; classify what is left
        q, s = described, None
    s = s or detect(q)
    out: list[str] = []
    if _START_LABEL.search(q):
        return ["START"]
    if _END_LABEL.search(q):
        return ["FINISH"]
    if (s.first or s.last or s.nth is not None) and not _ORDINAL_NOISE.search(q) and not _only_names(q):
        out.append("ORDINAL")
    if _REPLACED_BY.search(q) or (s.before and not s.after):
        out.append("BEFORE")
    elif s.after:
        out.append("AFTER")
    if out:
        return out
    if s.time_constraint:
        if _FINISH_CUE.search(q):
            return ["FINISH"]
        if _START_CUE.search(q):
            return ["START"]
        return ["OVERLAP"]
    if s.during and not s.temporal_answer:
        return ["OVERLAP"]
    return ["No signal"]
