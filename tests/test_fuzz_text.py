"""Property-based fuzzing of the two free-text front ends: the time normaliser and the question parser.

Both see whatever a user or a document says. Contract: never raise (an unreadable time is simply not a
time), and what they return is well formed: mentions point at their own text, intervals are ordered,
plans validate.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tkgmem.navigate.parser import build_plans, parse
from tkgmem.navigate.plan import Plan
from tkgmem.timex import TimeMention, find_times

SCALE = float(os.environ.get("TKGMEM_FUZZ_EXAMPLES", "1"))
RANDOM = os.environ.get("TKGMEM_FUZZ_RANDOM") == "1"
CORPUS = Path(__file__).parent / "fuzz"


def budget(n: int) -> Any:
    # Fixed examples by default, so a CI run is reproducible; TKGMEM_FUZZ_RANDOM=1 explores new ones.
    return settings(max_examples=max(10, int(n * SCALE)), deadline=None, database=None, derandomize=not RANDOM,
                    suppress_health_check=[HealthCheck.too_slow])


WORDS = [
    "yesterday", "today", "tomorrow", "tonight", "last", "next", "this", "ago", "after", "before", "the", "day",
    "week", "weekend", "month", "year", "years", "decade", "since", "until", "from", "to", "between", "and", "in",
    "on", "at", "of", "May", "march", "Saturday", "Christmas", "summer", "noon", "midnight", "pm", "am", "UTC",
    "+14:00", "-12:00", "PST", "two", "three", "first", "second", "1st", "31st", "0", "1", "12", "13", "24", "25:61",
    "1999", "2019", "9999", "10000", "0001", "-5", "999999999999", "2023-05-08", "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00+14:00", "12/13/14", "'90s", "1900s", "did", "Alice", "Berlin", "move", "moved", "live",
    "where", "when", "what", "who", "how", "long", "many", "times", "?", ",", "(", ")", "'", '"', ";", "--",
    "DROP", "TABLE", "MATCH", "(n)", "$tenant", "\x00", "🙂", "\u202e", "İ",
]
PHRASES = st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join)
TEXT = st.one_of(PHRASES, PHRASES, st.text(max_size=80), st.text(alphabet="0123456789-:/ T+Z.", max_size=30))
OFFSETS = st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-14 * 60, 14 * 60))
REFERENCE = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31),
                         timezones=st.just(UTC) | OFFSETS)


def check_mentions(text: str, found: list[TimeMention]) -> None:
    assert isinstance(found, list)
    for m in found:
        assert isinstance(m, TimeMention)
        assert 0 <= m.start <= m.end <= len(text), (m, len(text))
        assert text[m.start:m.end] == m.text, (text, m)
        iv = m.interval
        assert iv.start is None or iv.end is None or iv.start <= iv.end


@budget(1000)
@given(TEXT, REFERENCE)
def test_time_normaliser_never_raises(text: str, reference: datetime) -> None:
    check_mentions(text, find_times(text, reference))


@budget(300)
@given(TEXT, TEXT, REFERENCE)
def test_time_normaliser_with_context(first: str, text: str, reference: datetime) -> None:
    """Anaphora ("the day after") against whatever an earlier sentence produced."""
    context = find_times(first, reference)
    check_mentions(text, find_times(text, reference, context=context))


QUESTION = st.one_of(
    PHRASES.map(lambda s: s + "?"),
    st.tuples(st.sampled_from(["Where did", "When did", "What did", "Who", "How long after", "How many times did"]),
              PHRASES).map(" ".join),
    st.text(max_size=100),
)


@budget(800)
@given(QUESTION, REFERENCE)
def test_question_parser_never_raises(question: str, now: datetime) -> None:
    pq = parse(question, now=now)
    plans = build_plans(pq)
    for plan in plans:
        assert isinstance(plan, Plan)
        Plan.model_validate(plan.model_dump())  # every plan is a valid plan, as the API would receive it


def _lines(name: str) -> list[str]:
    raw = (CORPUS / name).read_bytes().decode("utf-8", errors="surrogatepass")
    return raw.split("\n")


def test_corpus_times_and_questions() -> None:
    """The committed corpus: extremes of range, anaphora chains, injection strings, control characters."""
    refs = [datetime(2023, 5, 8, 13, 56, tzinfo=UTC), datetime(9998, 12, 31, tzinfo=UTC),
            datetime(2, 1, 1, tzinfo=UTC), datetime(2024, 2, 29, 23, 30, tzinfo=timezone(timedelta(hours=14)))]
    for ref in refs:
        for text in _lines("timex/inputs.txt"):
            check_mentions(text, find_times(text, ref))
        for question in _lines("questions/inputs.txt"):
            for plan in build_plans(parse(question, now=ref)):
                Plan.model_validate(plan.model_dump())
