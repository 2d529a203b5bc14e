"""The temporal-expression normaliser on real dialogue phrasing (reference: Monday 8 May 2023)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tkgmem.temporal import Granularity
from tkgmem.timex import TimeMention, find_times

REF = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)  # a Monday


def one(text: str, **kw: object) -> TimeMention:
    found = find_times(text, REF, **kw)  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


def span(m: TimeMention) -> tuple[str, str]:
    assert m.interval.start is not None and m.interval.end is not None
    return m.interval.start.date().isoformat(), m.interval.end.date().isoformat()


@pytest.mark.parametrize(
    ("text", "expected", "granularity"),
    [
        ("I went to a LGBTQ support group yesterday and it was so powerful.", ("2023-05-07", "2023-05-08"), "day"),
        ("I ran a charity race for mental health last Saturday.", ("2023-05-06", "2023-05-07"), "day"),
        ("I got a puppy two weeks ago!", ("2023-04-24", "2023-05-01"), "week"),
        ("I'm going camping next month.", ("2023-06-01", "2023-07-01"), "month"),
        ("I painted that lake sunrise in 2019.", ("2019-01-01", "2020-01-01"), "year"),
        ("Last summer we went to the beach.", ("2022-06-01", "2022-09-01"), "season"),
        ("I joined a gym last week!", ("2023-05-01", "2023-05-08"), "week"),
        ("I started volunteering here about a year ago.", ("2022-05-01", "2022-06-01"), "month"),
    ],
)
def test_relative_expressions(text: str, expected: tuple[str, str], granularity: str) -> None:
    m = one(text)
    assert span(m) == expected
    assert m.interval.granularity.value == granularity
    assert m.relative == ("2019" not in text)
    assert text[m.start:m.end] == m.text


def test_explicit_year_is_not_relative() -> None:
    assert not one("We met on May 7, 2022.").relative


def test_ranges() -> None:
    m = one("We travelled from May to July.")
    assert m.kind == "range" and span(m) == ("2023-05-01", "2023-08-01")
    m = one("I was away between April 1 and 9.")
    assert m.kind == "range" and span(m) == ("2023-04-01", "2023-04-10")


def test_weekends() -> None:
    assert span(one("Last weekend I went hiking with my church friends.")) == ("2023-05-06", "2023-05-08")
    assert span(one("We went camping two weekends ago.")) == ("2023-04-29", "2023-05-01")


def test_tense_decides_bare_weekdays_and_dates() -> None:
    assert span(one("I went there on Friday.")) == ("2023-05-05", "2023-05-06")
    assert span(one("I will go there on Friday.")) == ("2023-05-12", "2023-05-13")
    assert span(one("We went to the museum on 13 August.")) == ("2022-08-13", "2022-08-14")


def test_anaphora_within_text_and_from_context() -> None:
    found = find_times("On May 3 I went hiking, and the day after I rested.", REF)
    assert [span(m) for m in found] == [("2023-05-03", "2023-05-04"), ("2023-05-04", "2023-05-05")]
    earlier = find_times("We flew to Rome on April 20.", REF)
    m = one("The week before, I was sick.", context=earlier)
    assert span(m) == ("2023-04-13", "2023-04-20") or m.interval.granularity is Granularity.WEEK
    assert m.interval.start is not None and m.interval.start < datetime(2023, 4, 20, tzinfo=UTC)
    assert span(one("That weekend was wild.", context=earlier)) == ("2023-04-22", "2023-04-24")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the time counted from is stated after the phrase: not an earlier mention, not the time of speaking
        ("Where was Tim in the week before 16 November 2022?", ("2022-11-09", "2022-11-16")),  # the 7 days
        ("What did Tim do in the week after Christmas 2022?", ("2022-12-26", "2023-01-02")),
        ("What did Tim do the day after 3 May 2022?", ("2022-05-04", "2022-05-05")),
        ("What did Tim do two days before 16 November 2022?", ("2022-11-14", "2022-11-15")),
        ("Where was Tim the weekend before 16 November 2022?", ("2022-11-12", "2022-11-14")),
        ("Where was Tim in the month before June 2022?", ("2022-05-01", "2022-06-01")),
        ("We are meeting the day after tomorrow.", ("2023-05-10", "2023-05-11")),
        ("I saw her the day before yesterday.", ("2023-05-06", "2023-05-07")),
        ("We married a week after 3 May 2022.", ("2022-05-10", "2022-05-11")),  # a count from it: a day
        ("We hiked over the weekend of 13 May 2022.", ("2022-05-14", "2022-05-16")),
        ("It was the Friday before 15 July 2022.", ("2022-07-08", "2022-07-09")),  # 15 July 2022: a Friday
        ("We met the Sunday after 3 May 2022.", ("2022-05-08", "2022-05-09")),
        # "before last" counts back twice from now
        ("We left the week before last.", ("2023-04-24", "2023-05-01")),
        ("The weekend before last was fun.", ("2023-04-29", "2023-05-01")),
        ("I was ill the week before last Friday.", ("2023-04-28", "2023-05-05")),  # counted from last Friday
    ],
)
def test_before_and_after_a_stated_time(text: str, expected: tuple[str, str]) -> None:
    m = one(text)
    assert span(m) == expected
    assert text[m.start:m.end] == m.text and m.relative == ("2022" not in text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I saw a hummingbird in the first week of May.", ("2023-05-01", "2023-05-08")),  # days 1-7
        ("Where was Tim in the second week of November 2022?", ("2022-11-08", "2022-11-15")),
        ("We married in the last week of September 2022.", ("2022-09-24", "2022-10-01")),  # its last 7 days
        ("I went there the 3rd week of March.", ("2023-03-15", "2023-03-22")),
        ("I will travel in the first week of June.", ("2023-06-01", "2023-06-08")),
    ],
)
def test_weeks_of_a_month_are_counted_from_its_first_day(text: str, expected: tuple[str, str]) -> None:
    assert span(one(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We went out the day after my birthday on 3 May.", ("2023-05-04", "2023-05-05")),
        ("I met her two days after the concert on May 3rd.", ("2023-05-05", "2023-05-06")),
        ("We flew home the day after the conference in Lisbon on 14 April.", ("2023-04-15", "2023-04-16")),
        ("She called the day before her interview on Friday.", ("2023-05-04", "2023-05-05")),  # Friday 5 May
    ],
)
def test_before_and_after_something_dated_right_after_its_name(text: str, expected: tuple[str, str]) -> None:
    m = one(text)
    assert span(m) == expected and text[m.start:m.end] == m.text and m.text.startswith(("the", "two"))


def test_a_day_after_a_clause_break_belongs_to_something_else() -> None:
    found = find_times("I left the day after the party, and met Bob on 3 May.", REF,
                       context=[one("We had a party on 1 May.")])
    assert [(m.text, span(m)) for m in found] == [("the day after", ("2023-05-02", "2023-05-03")),
                                                  ("on 3 May", ("2023-05-03", "2023-05-04"))]


@pytest.mark.parametrize(
    ("text", "expected", "granularity"),
    [
        ("We moved there in late 2019.", ("2019-09-01", "2020-01-01"), "month"),  # as "the end of 2019"
        ("Early 2020 was hard.", ("2020-01-01", "2020-04-01"), "month"),  # as "the beginning of 2020"
        ("I started in mid-2021.", ("2021-04-01", "2021-09-01"), "month"),  # what lies between
        ("We met late last year.", ("2022-09-01", "2023-01-01"), "month"),
        ("I saw it in the middle of April.", ("2023-04-11", "2023-04-21"), "day"),  # ten days of a month
        ("It ended early last month.", ("2023-04-01", "2023-04-11"), "day"),
        ("We went on the first weekend of May.", ("2023-05-06", "2023-05-08"), "day"),  # its first Saturday
        ("We went during the first weekend of August 2022.", ("2022-08-06", "2022-08-08"), "day"),
        ("It rained the last weekend of April.", ("2023-04-29", "2023-05-01"), "day"),
        ("We sailed the second weekend in April.", ("2023-04-08", "2023-04-10"), "day"),
    ],
)
def test_parts_of_a_year_or_month_and_weekends_of_a_month(text: str, expected: tuple[str, str],
                                                          granularity: str) -> None:
    m = one(text)
    assert span(m) == expected and m.interval.granularity.value == granularity


@pytest.mark.parametrize(("part", "duckling"), [("early", "the beginning of"), ("late", "the end of")])
def test_early_and_late_read_as_the_beginning_and_end(part: str, duckling: str) -> None:
    for period in ("2019", "May"):
        assert one(f"It was {part} {period}.").interval == one(f"It was {duckling} {period}.").interval


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We saved a lot in the first half of 2021.", ("2021-01-01", "2021-07-01")),
        ("Sales fell in the last quarter of last year.", ("2022-10-01", "2023-01-01")),
        ("Revenue grew in Q3 2022.", ("2022-07-01", "2022-10-01")),
        ("The plan covers H2 2024.", ("2024-07-01", "2025-01-01")),
        ("I grew up in the 90s.", ("1990-01-01", "2000-01-01")),  # the latest such decade by now
        ("It was built in the late 1980s.", ("1987-01-01", "1990-01-01")),
        ("The house dates from the 1800s.", ("1800-01-01", "1900-01-01")),  # a century
        ("We lived there from 2018 to 2020.", ("2018-01-01", "2021-01-01")),  # both years whole
        ("I worked there between 2015 and 2017.", ("2015-01-01", "2018-01-01")),
        ("We went in the summer of '19.", ("2019-06-01", "2019-09-01")),
        ("It got busy at the start of the year.", ("2023-01-01", "2023-04-01")),  # as "the beginning of"
    ],
)
def test_halves_quarters_decades_and_spans_of_years(text: str, expected: tuple[str, str]) -> None:
    m = one(text)
    assert span(m) == expected and text[m.start:m.end] == m.text


def test_a_season_word_is_a_time_unless_it_names_a_kind_of_thing() -> None:
    text = "I ate spring rolls and fell asleep, my fall was bad. Summer was long. We met in the fall."
    assert [m.text for m in find_times(text, REF)] == ["Summer", "fall"]
    assert find_times("We went to summer camp before I fall asleep on a cold winter day.", REF) == []
    assert find_times("I got a summer job. The autumn colors are lovely.", REF) == []
    assert [m.text for m in find_times("I had an awesome summer with my friends.", REF)] == ["summer"]
    # a part of the season, or what filled it, leaves it a time
    assert find_times("I love reading on cold winter days.", REF) == []  # any winter's days
    for text in ("My kids are excited about summer break!", "I spent the summer hiking."):
        assert [m.interval.granularity.value for m in find_times(text, REF)] == ["season"], text


def test_an_age_or_a_temperature_is_not_a_decade() -> None:
    assert find_times("She was in her 20s and I was in my late 30s.", REF) == []
    assert find_times("The weather was in the 80s, it was hot.", REF) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I went home over Easter.", ("2023-04-09", "2023-04-10")),  # this year's Easter, which moved
        ("We were in Rome at Christmas.", ("2022-12-25", "2022-12-26")),
        ("I saw her on 5/3.", ("2023-05-03", "2023-05-04")),
        ("We will fly home at Christmas.", ("2023-12-25", "2023-12-26")),  # the future keeps the next one
    ],
)
def test_a_named_day_told_of_the_past_is_its_last_occurrence(text: str, expected: tuple[str, str]) -> None:
    assert span(one(text)) == expected


def test_late_and_early_without_a_time_are_not_times() -> None:
    assert find_times("Sorry I'm late, may I come in? I woke up early.", REF) == []


def test_a_stated_time_wins_over_an_earlier_mention() -> None:
    found = find_times("We flew to Rome on April 20. The week before 16 November 2022 I was sick.", REF)
    assert [span(m) for m in found] == [("2023-04-20", "2023-04-21"), ("2022-11-09", "2022-11-16")]


def test_durations_and_sets() -> None:
    m = one("I've lived here for three years.")
    assert m.kind == "duration"
    assert m.interval.start is not None and m.interval.start.year == 2020 and m.interval.end == REF
    s = one("We go hiking every Sunday.")
    assert s.kind == "set"


def test_since_is_open_ended() -> None:
    m = one("I have been painting since 2016.")
    assert m.interval.start == datetime(2016, 1, 1, tzinfo=UTC) and m.interval.end is None


def test_no_false_positives_on_chatter() -> None:
    assert find_times("I may go there, who knows.", REF) == []
    assert find_times("Thanks, that sounds great!", REF) == []


def test_bare_day_of_month_in_the_past() -> None:
    ref = datetime(2023, 8, 17, 10, 0, tzinfo=UTC)
    found = find_times("I met back up with my teammates on the 15th after my trip.", ref)
    assert [(m.interval.start.date().isoformat() if m.interval.start else None) for m in found] == ["2023-08-15"]
    found = find_times("I met them on the 20th.", ref)
    assert found[0].interval.start == datetime(2023, 7, 20, tzinfo=UTC)


# -- bounded parsing cost ----------------------------------------------------------------------------
# Inputs that took Duckling seconds to hours, or all memory, before the guards in timex._segments and
# timex._blank_big_numbers (times measured on the unguarded path).
COSTLY = [
    "the second the second the second the second the second the second today",  # 3.5 s
    "afternoon afternoon afternoon afternoon afternoon afternoon afternoon afternoon today",  # 2 s
    "2 pm 2 pm 2 pm 2 pm 2 pm 2 pm 2 pm 2 pm 2 pm 2 pm today",  # 5 s, x 12 far beyond
    "monday the 3rd monday the 3rd monday the 3rd monday the 3rd monday the 3rd",  # > 4 s
    "after evening from 1 o'clock from this quarter monday - june",  # 3 s with only 5 time words
    "half lunch afternoon june after midnight now june since second tomorrow on mid today morning lunch",
]
HUGE_COUNTS = [  # Duckling walks N steps: "next 9999999 days" 13 s / 2.4 GB, these exhaust any memory
    "next 999999999999 day",  # from the fuzz vocabulary: the CI run that was OOM-killed
    "last 10000000 hours",
    "next 9,999,999 days",
    "next two million days",
    "the 9999999th day of 2019",
    "9999999 sundays from now",
]


def _pieces(text: str) -> list[str]:
    from tkgmem import timex

    duckling, tz, locale, dims = timex._duckling()
    context = duckling.Context(duckling.parse_ref_time(tz, "UTC", int(REF.timestamp())), locale)
    return [p for _, p in timex._segments(text, lambda ws: timex._time_words(ws, duckling, context, dims))]


@pytest.mark.parametrize("text", COSTLY)
def test_no_piece_handed_to_duckling_chains_too_many_time_words(text: str) -> None:
    from tkgmem import timex

    duckling, tz, locale, dims = timex._duckling()
    context = duckling.Context(duckling.parse_ref_time(tz, "UTC", int(REF.timestamp())), locale)
    pieces = _pieces(text)
    assert "".join(pieces) == text  # offsets stay valid
    for piece in pieces:
        words = [m.group() for m in timex._TOKEN.finditer(piece)]
        timeish = timex._time_words({w.casefold() for w in words}, duckling, context, dims)
        n_time = sum(w.isdigit() or w.casefold() in timeish or bool(timex._MAYBE_TIME.fullmatch(w)) for w in words)
        assert n_time <= timex._MAX_TIME_TOKENS, piece
        assert len(words) <= timex._MAX_RUN_TOKENS, piece  # these texts are one run: no other word breaks it


def test_words_duckling_reads_as_times_count_as_time_words() -> None:
    from tkgmem import timex

    duckling, tz, locale, dims = timex._duckling()
    context = duckling.Context(duckling.parse_ref_time(tz, "UTC", int(REF.timestamp())), locale)
    words = {"second", "afternoon", "lunch", "now", "immediately", "two", "boss", "the", "alice", "of"}
    assert timex._time_words(words, duckling, context, dims) >= {"second", "afternoon", "lunch", "now", "two"}
    assert not timex._time_words({"the", "alice", "of"}, duckling, context, dims)


def test_costly_inputs_still_resolve() -> None:
    for text in COSTLY[:4]:
        assert find_times(text, REF), text
    assert span(one("I'll be back on the 3rd of June, 2023 at noon.")) == ("2023-06-03", "2023-06-04")


@pytest.mark.parametrize("text", HUGE_COUNTS)
def test_huge_counts_are_not_walked(text: str) -> None:
    from tkgmem import timex

    duckling, tz, locale, _ = timex._duckling()
    context = duckling.Context(duckling.parse_ref_time(tz, "UTC", int(REF.timestamp())), locale)
    blanked = timex._blank_big_numbers(text, duckling, context)
    assert len(blanked) == len(text) and not re.search(r"\d{5}|\d,\d|million", blanked), blanked
    assert isinstance(find_times(text, REF), list)


def test_ordinary_counts_and_years_are_kept() -> None:
    assert span(one("We moved there in 2019.")) == ("2019-01-01", "2020-01-01")
    assert find_times("The trip took 10000 steps and 3 days ago we started.", REF)
