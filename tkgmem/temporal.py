"""Time values of the model: granularities, half-open intervals with granular ends, and the read basis.

All datetimes are timezone-aware UTC. Naive inputs are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from tkgmem.errors import InputError


class Granularity(StrEnum):
    INSTANT = "instant"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"
    DECADE = "decade"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {g: i for i, g in enumerate(Granularity)}


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | date | str) -> datetime:
    """Coerce a datetime, date or ISO-8601 string to an aware UTC datetime."""
    if type(value) is datetime and value.tzinfo is UTC:  # the common case, on every decoded version
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise InputError("empty date/time; give an ISO-8601 value such as 2023-05-08 or 2023-05-08T13:56:00Z")
        try:
            parsed: datetime | date = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(
                f"cannot read {text!r} as a date/time; use ISO-8601 such as 2023-05-08 or 2023-05-08T13:56:00Z"
            ) from exc
        value = parsed
    if isinstance(value, datetime):
        try:
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except OverflowError as exc:  # 9999-12-31T23:00-05:00 is past the last representable instant
            raise InputError(f"{value.isoformat()} is out of range once converted to UTC; use years 1-9999"
                             ) from exc
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise InputError(f"expected a date/time, got {type(value).__name__}")


def floor(t: datetime, g: Granularity) -> datetime:
    """Start of the granule of `g` that contains `t` (weeks start on Monday, seasons are meteorological)."""
    t = as_utc(t)
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    match g:
        case Granularity.INSTANT:
            return t
        case Granularity.DAY:
            return day
        case Granularity.WEEK:
            return day - timedelta(days=day.weekday())
        case Granularity.MONTH:
            return day.replace(day=1)
        case Granularity.SEASON:
            month = 12 if t.month == 12 else ((t.month // 3) * 3 or 12)
            year = t.year if t.month != 1 and t.month != 2 else t.year - 1
            return datetime(year, month, 1, tzinfo=UTC)
        case Granularity.YEAR:
            return day.replace(month=1, day=1)
        case Granularity.DECADE:
            return day.replace(year=t.year - t.year % 10, month=1, day=1)
    raise AssertionError(g)


def step(t: datetime, g: Granularity, n: int = 1) -> datetime:
    """`t` moved by `n` granules of `g` (t is expected to be floored)."""
    match g:
        case Granularity.INSTANT:
            return t + timedelta(microseconds=n)
        case Granularity.DAY:
            return t + timedelta(days=n)
        case Granularity.WEEK:
            return t + timedelta(weeks=n)
        case Granularity.MONTH | Granularity.SEASON:
            months = n * (3 if g is Granularity.SEASON else 1)
            index = t.year * 12 + (t.month - 1) + months
            return t.replace(year=index // 12, month=index % 12 + 1)
        case Granularity.YEAR:
            return t.replace(year=t.year + n)
        case Granularity.DECADE:
            return t.replace(year=t.year + 10 * n)
    raise AssertionError(g)


class Interval(BaseModel):
    """Half-open `[start, end)`; `None` at either end means unknown/unbounded on that side.

    Each end carries the granularity it was known at: "in 2019" is
    `[2019-01-01, 2020-01-01)` at year granularity.
    """

    model_config = ConfigDict(frozen=True)

    start: datetime | None = None
    end: datetime | None = None
    start_granularity: Granularity = Granularity.INSTANT
    end_granularity: Granularity = Granularity.INSTANT

    @field_validator("start", "end", mode="before")
    @classmethod
    def _utc(cls, v: Any) -> datetime | None:
        return None if v is None or v == "" else as_utc(v)

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise InputError(
                f"interval ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()}); "
                "swap the two ends or leave one open"
            )
        return self

    # -- constructors ---------------------------------------------------------------------------
    @classmethod
    def granule(cls, t: datetime | date | str, g: Granularity) -> Interval:
        """The whole granule containing `t`, e.g. granule(2019-05-03, YEAR) = [2019-01-01, 2020-01-01)."""
        start = floor(as_utc(t), g)
        return cls(start=start, end=step(start, g), start_granularity=g, end_granularity=g)

    @classmethod
    def since(cls, t: datetime | date | str, g: Granularity = Granularity.INSTANT) -> Interval:
        return cls(start=floor(as_utc(t), g), start_granularity=g)

    @classmethod
    def between(
        cls,
        start: datetime | date | str | None,
        end: datetime | date | str | None,
        g: Granularity = Granularity.INSTANT,
    ) -> Interval:
        return cls(
            start=None if start is None else as_utc(start),
            end=None if end is None else as_utc(end),
            start_granularity=g,
            end_granularity=g,
        )

    @classmethod
    def always(cls) -> Interval:
        return cls()

    # -- predicates -----------------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return self.start is not None and self.end is not None and self.end <= self.start

    @property
    def granularity(self) -> Granularity:
        """The coarser of the two ends' granularities."""
        return max(self.start_granularity, self.end_granularity, key=lambda g: g.rank)

    def contains(self, t: datetime) -> bool:
        return (self.start is None or self.start <= t) and (self.end is None or t < self.end)

    def overlaps(self, other: Interval) -> bool:
        return (self.start is None or other.end is None or self.start < other.end) and (
            other.start is None or self.end is None or other.start < self.end
        )

    def covers(self, other: Interval) -> bool:
        """`other` lies entirely inside `self`."""
        starts_ok = self.start is None or (other.start is not None and self.start <= other.start)
        ends_ok = self.end is None or (other.end is not None and other.end <= self.end)
        return starts_ok and ends_ok

    def day_bounds(self) -> tuple[date | None, date | None]:
        """First and last day the interval touches, both inclusive, as people write ranges ("May 1 to 9"):
        a day/month end is exclusive (the next granule), an instant end is the moment itself."""
        last = None
        if self.end is not None:
            inclusive = self.end_granularity is Granularity.INSTANT or self.end == self.start
            last = (self.end if inclusive else self.end - timedelta(microseconds=1)).date()
        return (self.start.date() if self.start else None), last

    def with_end(self, end: datetime | None, g: Granularity | None = None) -> Interval:
        return self.model_copy(update={"end": end, "end_granularity": g or self.end_granularity})

    def with_start(self, start: datetime | None, g: Granularity | None = None) -> Interval:
        return self.model_copy(update={"start": start, "start_granularity": g or self.start_granularity})

    def __str__(self) -> str:
        def show(t: datetime | None, g: Granularity) -> str:
            if t is None:
                return "…"
            if g is Granularity.INSTANT:
                return t.isoformat()
            return t.date().isoformat()

        return f"[{show(self.start, self.start_granularity)}, {show(self.end, self.end_granularity)})"


def start_key(iv: Interval) -> datetime:
    """Sort key that puts unknown starts first."""
    return iv.start or datetime.min.replace(tzinfo=UTC)


class Basis(BaseModel):
    """The point of view of a read: `valid_at` on the world axis, `as_of` on the memory's own axis.

    `None` means the default: now for `valid_at`, the latest belief for `as_of`.
    """

    model_config = ConfigDict(frozen=True)

    valid_at: datetime | None = None
    as_of: datetime | None = None

    @field_validator("valid_at", "as_of", mode="before")
    @classmethod
    def _utc(cls, v: Any) -> datetime | None:
        return None if v is None or v == "" else as_utc(v)

    def resolved(self, now: datetime | None = None) -> ResolvedBasis:
        now = now or utcnow()
        return ResolvedBasis(valid_at=self.valid_at or now, as_of=self.as_of, evaluated_at=now)


class ResolvedBasis(BaseModel):
    """A basis with `valid_at` fixed; every answer reports the one it used."""

    model_config = ConfigDict(frozen=True)

    valid_at: datetime
    as_of: datetime | None  # None = latest
    evaluated_at: datetime

    def describe(self) -> str:
        belief = "latest belief" if self.as_of is None else f"belief as of {self.as_of.isoformat()}"
        return f"true at {self.valid_at.isoformat()}, {belief}"


_PARTIAL = (
    (4, Granularity.YEAR, "%Y"),
    (7, Granularity.MONTH, "%Y-%m"),
    (10, Granularity.DAY, "%Y-%m-%d"),
)


def parse_granular(value: str | datetime | date) -> tuple[datetime, Granularity]:
    """An ISO date/time with the granularity it was written at: "2019" is a year, "2019-05" a month,
    "2019-05-03" a day, anything with a time an instant."""
    if not isinstance(value, str):
        return as_utc(value), Granularity.INSTANT if isinstance(value, datetime) else Granularity.DAY
    text = value.strip()
    for length, g, fmt in _PARTIAL:
        if len(text) == length:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=UTC), g
            except ValueError:
                break
    return as_utc(text), Granularity.INSTANT
