"""Reading the time a dialogue turn gives to the asked event (`tkgmem.navigate.turntime`)."""

from __future__ import annotations

from tkgmem.navigate.turntime import sentences, turn_time
from tkgmem.temporal import Granularity, Interval, as_utc

SAID = as_utc("2023-06-09T19:55:00")  # a Friday


def test_the_expression_in_the_sentence_about_the_event_wins() -> None:
    text = ("I wanted to tell you about my school event last week. It was awesome! "
            "It made me reflect on how far I've come since I started transitioning three years ago.")
    got = turn_time(text, SAID, "When did Caroline give a speech at a school?")
    assert got.source == "expression"
    assert got.interval.start_granularity is Granularity.WEEK
    assert got.interval.start is not None and got.interval.start < as_utc("2023-06-05")
    other = turn_time(text, SAID, "When did Caroline start transitioning?")
    assert other.interval.start is not None and other.interval.start.year == 2020


def test_a_later_sentence_can_hold_the_time() -> None:
    text = "Thanks! My kids are so excited about summer break! We're thinking about going camping next month."
    got = turn_time(text, SAID, "When is Melanie planning on going camping?")
    assert got.interval == Interval.granule(as_utc("2023-07-01"), Granularity.MONTH)


def test_without_a_matching_sentence_the_first_time_is_the_news() -> None:
    text = "Yesterday, I tried my newest recipe and it was a winner! [shares a photo: a chocolate tart]"
    got = turn_time(text, SAID, "When did Joanna make a chocolate tart with raspberries?")
    assert got.interval == Interval.granule(as_utc("2023-06-08"), Granularity.DAY)


def test_a_perfect_with_a_duration_dates_the_start() -> None:
    got = turn_time("I've been playing for about four months now and it's been amazing.", SAID,
                    "When did Tim start playing the violin?")
    assert got.source == "duration"
    assert got.interval == Interval.granule(as_utc("2023-02-01"), Granularity.MONTH)
    years = turn_time("I've had them for 3 years now!", SAID, "When did Nate get his turtles?")
    assert years.interval == Interval.granule(as_utc("2020-01-01"), Granularity.YEAR)


def test_a_present_sentence_without_time_is_the_day_it_was_said() -> None:
    text = ("I'm expanding my dance studio's social media presence. I'm also hosting a dance competition "
            "next month.")
    got = turn_time(text, SAID, "When did Jon start expanding his studio's social media presence?")
    assert got.interval == Interval.granule(SAID, Granularity.DAY)
    assert got.source == "present"


def test_times_after_the_question_are_not_answers() -> None:
    got = turn_time("I left my IT job after 3 years.", SAID, "When did John leave his job?", latest=SAID)
    assert got.interval.start is not None and got.interval.start <= SAID


def test_no_time_at_all_is_the_day_said() -> None:
    got = turn_time("I just got accepted for a fashion internship!", SAID, "When did Gina get accepted?")
    assert got.interval == Interval.granule(SAID, Granularity.DAY)


def test_sentences_keep_offsets() -> None:
    text = "One. Two! Three?"
    assert [text[o:o + len(s)] for o, s in sentences(text)] == [s for _, s in sentences(text)]
    assert len(sentences(text)) == 3


def test_words_that_only_look_like_times_are_skipped() -> None:
    text = "Last weekend my girlfriend and I went fishing in one of the nearby lakes."
    got = turn_time(text, SAID, "When did Andrew go fishing?")
    assert got.interval.start is not None and got.interval.start < as_utc("2023-06-09")
    first = turn_time("I took the first step - I applied to adoption agencies!", SAID,
                      "When did Caroline apply to adoption agencies?")
    assert first.interval == Interval.granule(SAID, Granularity.DAY)
