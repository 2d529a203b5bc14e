"""Temporal operators on `Interval`s with granular and open ends (pure functions).

An unknown end is unbounded on that side: an interval with no start may have started at any time.
Comparisons are *certain* by default (true only when every reading of the open ends satisfies them);
`loose=True` compares starts only, which is what questions like "who visited X before Y" mean for
point-like events. Granularity is honoured: an interval known only to the month is never "on the same
day" as anything, and "in March 2020" is the whole month.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from tkgmem.temporal import Granularity, Interval, floor, step

T = TypeVar("T")

_MIN = datetime.min.replace(tzinfo=UTC)
_MAX = datetime.max.replace(tzinfo=UTC)


def lo(iv: Interval) -> datetime:
    """Earliest possible start (unknown start = unbounded past)."""
    return iv.start if iv.start is not None else _MIN


def hi(iv: Interval) -> datetime:
    """Latest possible end (unknown end = unbounded future)."""
    return iv.end if iv.end is not None else _MAX


def before(a: Interval, b: Interval, *, loose: bool = False) -> bool:
    """`a` lies before `b`: a ends no later than b starts (loose: a starts before b starts)."""
    if loose:
        return (a.start is not None and b.start is not None and a.start < b.start) or (
            a.end is not None and b.start is not None and a.end <= b.start
        )
    return a.end is not None and b.start is not None and a.end <= b.start


def after(a: Interval, b: Interval, *, loose: bool = False) -> bool:
    """`a` lies after `b`: a starts no earlier than b ends (loose: a starts after b starts)."""
    if loose:
        return (a.start is not None and b.start is not None and a.start > b.start) or (
            a.start is not None and b.end is not None and a.start >= b.end
        )
    return a.start is not None and b.end is not None and a.start >= b.end


def _coarse(x: datetime, gx: Granularity, y: datetime, gy: Granularity) -> tuple[datetime, datetime]:
    """Both instants floored to the coarser of their granularities, so "June 2019" is not before
    "15 June 2019"."""
    g = max(gx, gy, key=lambda v: v.rank)
    return floor(x, g), floor(y, g)


def holds_before(a: Interval, b: Interval) -> bool:
    """A state `a` held at some time before `b` began ("where did she live before ...")."""
    if a.start is None or b.start is None:
        return lo(a) < lo(b)
    x, y = _coarse(a.start, a.start_granularity, b.start, b.start_granularity)
    return x < y


def holds_after(a: Interval, b: Interval) -> bool:
    """A state `a` still held, or began, after `b` ended ("where did she live after ...")."""
    if a.end is None or b.end is None:
        return hi(a) > hi(b)
    x, y = _coarse(a.end, a.end_granularity, b.end, b.end_granularity)
    return x > y


def during(a: Interval, b: Interval) -> bool:
    """`a` lies entirely inside `b` ("in March 2020")."""
    return b.covers(a)


def overlaps(a: Interval, b: Interval) -> bool:
    """`a` and `b` share some time (open ends may overlap anything on their side)."""
    return not (a.is_empty or b.is_empty) and a.overlaps(b)


def between(a: Interval, start: Interval, end: Interval, *, loose: bool = True) -> bool:
    """`a` lies after `start` and before `end`."""
    return after(a, start, loose=loose) and before(a, end, loose=loose)


def _known_at(iv: Interval, g: Granularity) -> bool:
    return iv.start is not None and iv.start_granularity.rank <= g.rank


def same(a: Interval, b: Interval, g: Granularity) -> bool:
    """Both start in the same granule of `g` (same day / month / year), and both are known that finely."""
    if not (_known_at(a, g) and _known_at(b, g)):
        return False
    assert a.start is not None and b.start is not None
    return floor(a.start, g) == floor(b.start, g)


def same_day(a: Interval, b: Interval) -> bool:
    return same(a, b, Granularity.DAY)


def same_month(a: Interval, b: Interval) -> bool:
    return same(a, b, Granularity.MONTH)


def same_year(a: Interval, b: Interval) -> bool:
    return same(a, b, Granularity.YEAR)


def starts_in(a: Interval, b: Interval) -> bool:
    """`a` begins inside `b` ("married in 1984", "started in 2009")."""
    return a.start is not None and b.contains(a.start)


def ends_in(a: Interval, b: Interval) -> bool:
    """`a` ends inside `b` ("played until 2012"); the end is exclusive, so test the last instant."""
    return a.end is not None and b.contains(a.end - timedelta(microseconds=1))


def intersection(a: Interval, b: Interval) -> Interval | None:
    """The shared part of `a` and `b`, or None when they do not overlap."""
    if not overlaps(a, b):
        return None
    start, sg = (a.start, a.start_granularity) if lo(a) >= lo(b) else (b.start, b.start_granularity)
    end, eg = (a.end, a.end_granularity) if hi(a) <= hi(b) else (b.end, b.end_granularity)
    return Interval(start=start, end=end, start_granularity=sg, end_granularity=eg)


def hull(intervals: Sequence[Interval]) -> Interval:
    """The smallest interval containing all of `intervals` (open when any is open on that side)."""
    if not intervals:
        return Interval()
    first = min(intervals, key=lo)
    last = max(intervals, key=hi)
    return Interval(start=first.start, end=last.end, start_granularity=first.start_granularity,
                    end_granularity=last.end_granularity)


def coarsen(iv: Interval, g: Granularity) -> Interval:
    """The granule(s) of `g` covering `iv`, e.g. a day coarsened to its month (an answer "at month level")."""
    start = None if iv.start is None else floor(iv.start, g)
    end = None
    if iv.end is not None:
        last = floor(iv.end - timedelta(microseconds=1), g) if iv.end > (iv.start or _MIN) else floor(iv.end, g)
        end = step(last, g)
    elif start is not None and iv.start_granularity.rank <= g.rank:
        end = step(start, g)
    return Interval(start=start, end=end, start_granularity=g, end_granularity=g)


def duration(iv: Interval) -> timedelta | None:
    """Length of `iv`, or None when either end is open."""
    if iv.start is None or iv.end is None:
        return None
    return iv.end - iv.start


def gap(a: Interval, b: Interval) -> timedelta | None:
    """Time from `a` to `b`, start to start ("how long after the wedding did they buy the house");
    negative when `b` came first, None when either start is unknown."""
    if a.start is None or b.start is None:
        return None
    return b.start - a.start


def days(delta: timedelta | None) -> float | None:
    return None if delta is None else delta.total_seconds() / 86400.0


def order(items: Sequence[T], key: Callable[[T], Interval], *, by: str = "start") -> list[T]:
    """Items in time order; unknown starts first (by start) or unknown ends last (by end)."""
    if by == "end":
        return sorted(items, key=lambda x: hi(key(x)))
    return sorted(items, key=lambda x: lo(key(x)))


def first(items: Sequence[T], key: Callable[[T], Interval], *, by: str = "start") -> T | None:
    """Earliest item; items whose time is fully unknown are ignored."""
    dated = [x for x in items if key(x).start is not None or key(x).end is not None]
    ordered = order(dated, key, by=by)
    return ordered[0] if ordered else None


def last(items: Sequence[T], key: Callable[[T], Interval], *, by: str = "start") -> T | None:
    """Latest item; items whose time is fully unknown are ignored."""
    dated = [x for x in items if key(x).start is not None or key(x).end is not None]
    ordered = order(dated, key, by=by)
    return ordered[-1] if ordered else None


def nth(items: Sequence[T], key: Callable[[T], Interval], n: int, *, by: str = "start") -> T | None:
    """The n-th item in time order (1-based; negative counts from the end)."""
    dated = [x for x in items if key(x).start is not None or key(x).end is not None]
    ordered = order(dated, key, by=by)
    if n == 0 or abs(n) > len(ordered):
        return None
    return ordered[n - 1] if n > 0 else ordered[n]


def count(items: Sequence[object]) -> int:
    return len(items)


def as_granule(iv: Interval) -> Interval:
    """A point-like interval snapped to its own granularity (used to compare answers with gold dates)."""
    g = iv.granularity
    if iv.start is None or g is Granularity.INSTANT:
        return iv
    return Interval.granule(iv.start, g)
