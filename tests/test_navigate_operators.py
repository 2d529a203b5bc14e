"""Temporal operators on intervals with granularity and open ends (pure functions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tkgmem.navigate import operators as op
from tkgmem.temporal import Granularity, Interval, as_utc

G = Granularity


def day(s: str) -> Interval:
    return Interval.granule(s, G.DAY)


def month(s: str) -> Interval:
    return Interval.granule(s, G.MONTH)


def year(s: str) -> Interval:
    return Interval.granule(s, G.YEAR)


OPEN_END = Interval(start=as_utc("2020-01-01"), start_granularity=G.DAY)
OPEN_START = Interval(end=as_utc("2020-01-01"), end_granularity=G.DAY)


def test_before_after_strict_and_loose() -> None:
    a, b = day("2020-03-01"), day("2020-03-02")
    assert op.before(a, b) and op.after(b, a)
    assert not op.before(b, a) and not op.after(a, b)
    # a month that contains the day: not strictly before it, but it starts earlier
    assert not op.before(month("2020-03-01"), day("2020-03-15"))
    assert op.before(month("2020-03-01"), day("2020-03-15"), loose=True)
    assert not op.before(a, a) and not op.before(a, a, loose=True)


def test_open_ends_are_never_certainly_ordered() -> None:
    assert not op.before(OPEN_END, day("2030-01-01"))  # may go on past 2030
    assert op.before(OPEN_START, day("2020-01-01"))  # ends when the other starts
    assert not op.after(OPEN_START, day("1900-01-01"))  # may have started before 1900
    assert op.after(OPEN_END, day("2019-12-31"))
    assert not op.before(Interval(), day("2020-01-01"), loose=True)


def test_during_overlaps_and_starts_ends_in() -> None:
    assert op.during(day("2020-03-05"), month("2020-03-01"))
    assert not op.during(month("2020-03-01"), day("2020-03-05"))
    assert op.overlaps(OPEN_END, year("2025-01-01")) and op.overlaps(OPEN_START, year("1999-01-01"))
    assert not op.overlaps(OPEN_START, year("2020-01-01"))  # half-open: ends as 2020 begins
    assert op.starts_in(OPEN_END, year("2020-06-01")) and not op.starts_in(OPEN_START, year("2019-01-01"))
    assert op.ends_in(OPEN_START, year("2019-01-01")) and not op.ends_in(OPEN_END, year("2020-01-01"))
    assert op.ends_in(month("2020-03-01"), month("2020-03-01"))


def test_between_uses_both_sides() -> None:
    assert op.between(day("2020-03-05"), day("2020-03-01"), day("2020-03-09"))
    assert not op.between(day("2020-03-10"), day("2020-03-01"), day("2020-03-09"))


def test_same_granule_respects_known_granularity() -> None:
    assert op.same_day(day("2021-03-10"), Interval(start=as_utc("2021-03-10T15:00"), end=as_utc("2021-03-10T16:00")))
    assert op.same_month(day("2021-03-10"), day("2021-03-31"))
    assert not op.same_month(day("2021-03-31"), day("2021-04-01"))
    assert op.same_year(month("2021-03-01"), day("2021-12-31"))
    # known only to the month: cannot be "the same day" as anything
    assert not op.same_day(month("2021-03-01"), day("2021-03-01"))
    assert not op.same_month(Interval(), day("2021-03-01"))


def test_intersection_hull_coarsen() -> None:
    assert op.intersection(month("2020-03-01"), day("2020-03-05")) == day("2020-03-05")
    assert op.intersection(day("2020-03-01"), day("2020-03-02")) is None
    h = op.hull([day("2020-03-05"), day("2020-01-01")])
    assert h.start == as_utc("2020-01-01") and h.end == as_utc("2020-03-06")
    assert op.hull([day("2020-01-01"), OPEN_END]).end is None
    assert op.coarsen(day("2020-03-05"), G.MONTH) == month("2020-03-01")
    assert op.coarsen(Interval.between("2020-03-05", "2020-05-02", G.DAY), G.MONTH) == Interval.between(
        "2020-03-01", "2020-06-01", G.MONTH)


def test_duration_and_gap() -> None:
    assert op.duration(month("2020-02-01")) == timedelta(days=29)
    assert op.duration(OPEN_END) is None
    assert op.gap(day("2021-06-12"), day("2022-03-12")) == timedelta(days=273)
    assert op.gap(day("2022-03-12"), day("2021-06-12")) == timedelta(days=-273)
    assert op.gap(OPEN_START, day("2020-01-01")) is None
    assert op.days(timedelta(hours=36)) == 1.5


def test_selectors_ignore_undated_and_count() -> None:
    items = [("b", day("2020-02-01")), ("undated", Interval()), ("a", day("2020-01-01")), ("c", OPEN_END)]

    def key(x: tuple[str, Interval]) -> Interval:
        return x[1]

    assert op.first(items, key) == ("a", day("2020-01-01"))
    assert op.last(items, key) == ("b", day("2020-02-01"))  # OPEN_END starts 2020-01-01
    assert op.last(items, key, by="end") == ("c", OPEN_END)  # open end sorts last by end
    assert op.nth(items, key, 2)[0] == "c"  # type: ignore[index]
    assert op.nth(items, key, -1)[0] == "b"  # type: ignore[index]
    assert op.nth(items, key, 4) is None and op.nth(items, key, 0) is None
    assert op.first([], key) is None and op.count(items) == 4


days_ = st.integers(min_value=0, max_value=3000)


@given(days_, st.integers(min_value=1, max_value=400), days_, st.integers(min_value=1, max_value=400))
def test_before_after_are_converse_and_exclusive(a0: int, alen: int, b0: int, blen: int) -> None:
    base = as_utc("2000-01-01")
    a = Interval(start=base + timedelta(days=a0), end=base + timedelta(days=a0 + alen))
    b = Interval(start=base + timedelta(days=b0), end=base + timedelta(days=b0 + blen))
    assert op.before(a, b) == op.after(b, a)
    assert not (op.before(a, b) and op.overlaps(a, b))
    assert op.before(a, b) or op.after(a, b) or op.overlaps(a, b)
    if op.during(a, b):
        assert op.overlaps(a, b)


@pytest.mark.parametrize("g", [G.DAY, G.WEEK, G.MONTH, G.YEAR])
def test_coarsen_contains_the_original(g: Granularity) -> None:
    iv = Interval.between("2021-02-27T10:00", "2021-03-02T09:00")
    c = op.coarsen(iv, g)
    assert c.covers(iv) and c.granularity is g
