"""The question's own time range: between/from ranges, conditions, midnight bounds, present-tense anchors."""

from __future__ import annotations

import pytest

from tkgmem.navigate.parser.timerange import question_range
from tkgmem.temporal import Interval, as_utc

NOW = as_utc("2025-07-17T11:43:21")


def days(iv: Interval | None) -> tuple[str | None, str | None]:
    """Day bounds, the end inclusive."""
    start, last = iv.day_bounds() if iv is not None else (None, None)
    return (start.isoformat() if start else None), (last.isoformat() if last else None)


@pytest.mark.parametrize(("question", "start", "end"), [
    # a leading condition's date is a premise; the range asked is the one in the question proper
    ("If Kylie admired the painting in April 2022, what did Kylie and Tiffany do between May 1, 2022, "
     "and May 15, 2022", "2022-05-01", "2022-05-15"),
    ("If Kevin did not watch a fight on January 11, 2024, what did Kevin do between January 10, 2024, "
     "and January 11, 2024", "2024-01-10", "2024-01-11"),
    # ... unless the condition holds the only range and the question refers back to it
    ("If Tom did not draw between April 11, 2022, and April 25, 2022, what did Tom do during that time",
     "2022-04-11", "2022-04-25"),
    # a trailing condition's date is a premise too
    ("What did Ned do between October 2, 2022, and October 9, 2022, if Ned bought a car on October 5, 2022",
     "2022-10-02", "2022-10-09"),
    # both ends keep their clock times, even when the normaliser cuts "at 15:29" short
    ("If Matt did not get a ball in April 2023, what did Matt do between April 9, 2023, at 15:29 and "
     "April 20, 2023, at 13:31", "2023-04-09", "2023-04-20"),
    ("What did James do from December 7, 2023, at 06:17 AM to December 14, 2023", "2023-12-07", "2023-12-14"),
    # a bare clock time as the second end is on the first end's day
    ("What happened between January 8, 2024, at 04:31:27 and 13:44:23", "2024-01-08", "2024-01-08"),
    # one year written once covers both ends
    ("What did Amy do between May 3 and May 9, 2022", "2022-05-03", "2022-05-09"),
    # midnight is a day boundary for "before"; a clock time is an instant on its day
    ("What was Paul's most recent activity before 12:00 am, March 01, 2023", None, "2023-02-28"),
    ("What was Paul's most recent activity before 7:52 pm, August 07, 2023", None, "2023-08-07"),
    ("What did Gina have in just 21 days before 12:00 am, May 10, 2023", "2023-04-19", "2023-05-09"),
    ("What did Angela share in just 3 days before 4:49 pm, July 15, 2022", "2022-07-12", "2022-07-15"),
    ("What did Molly do in just 19 days after 12:00 am, May 23, 2022", "2022-05-23", "2022-06-11"),
    # a length of time is not a date
    ("During Fahim's challenge to finish 52 books in a year, what did Muhhamed read", None, "2025-07-17"),
    # a leading clause counted from is a premise when the question proper names its own time
    ("After the snake incident in June 2023, what was the first event Tom experienced in July 2023",
     "2023-07-01", "2023-07-31"),
    ("After John's truck broke down in March 2021, what did he buy", "2021-03-01", "2021-03-31"),
    # a season word naming a kind of thing is not a time: the stated date is the range
    ("What did Akib do during his winter fishing trip on January 15, 2024", "2024-01-15", "2024-01-15"),
])
def test_explicit_ranges(question: str, start: str | None, end: str | None) -> None:
    assert days(question_range(question, NOW).interval) == (start, end)


@pytest.mark.parametrize("question", [
    "At the same time as Megan works at a non-profit, what is Jeff doing to relax",
    "At the same time that Andrew finds spending time with animals rewarding, what is Audrey's pet like",
    "During the time Jennifer is collaborating with her partner on an art show, what did Sharon explore",
    "When Doug finds the gym difficult but inspiring, what does Charlie encounter near him",
    "What time does Alex make prayer part of his daily routine",
])
def test_present_states_and_habits_are_not_placed_in_time(question: str) -> None:
    assert question_range(question, NOW).interval is None


@pytest.mark.parametrize("question", [
    "At the same time as Samantha went hiking at a national park, what was James doing",
    "When Charlie explored the history of classic cars, what did Doug share",
    "When did Doug's friend visit him",  # "Doug" starts with "do" but is not the verb "do"
])
def test_past_anchors_stay_in_the_past(question: str) -> None:
    qr = question_range(question, NOW)
    assert qr.interval is not None and qr.interval.start is None and qr.interval.end == NOW
