"""Small value types of the schema: the basis echoed in every response, intervals, input basis."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tkgmem.temporal import Basis, Interval, ResolvedBasis


@strawberry.input(description="The point of view of a read. validAt: when it is true in the world (default now); "
                  "asOf: what the memory believed at that time (default: the latest belief).")
class BasisInput:
    valid_at: datetime | None = None
    as_of: datetime | None = None

    def to_basis(self) -> Basis:
        return Basis(valid_at=self.valid_at, as_of=self.as_of)


@strawberry.type(name="Interval", description="A half-open interval [start, end); null ends are unknown/open. "
                 "Each end has the granularity it was known at (instant, day, week, month, season, year, decade).")
class IntervalType:
    start: datetime | None
    end: datetime | None
    start_granularity: str
    end_granularity: str
    text: str = strawberry.field(description="human-readable form, e.g. [2019-01-01, 2020-01-01)")

    @classmethod
    def of(cls, iv: Interval) -> IntervalType:
        return cls(start=iv.start, end=iv.end, start_granularity=iv.start_granularity.value,
                   end_granularity=iv.end_granularity.value, text=str(iv))


@strawberry.type(name="Basis", description="The basis a result was read at: every response reports it.")
class BasisType:
    valid_at: datetime = strawberry.field(description="the world-time instant the answer is true at")
    as_of: datetime | None = strawberry.field(
        description="the memory-time instant the answer was believed at; null = latest belief")
    evaluated_at: datetime = strawberry.field(description="when the server evaluated the read")
    valid_window: IntervalType | None = strawberry.field(
        default=None, description="set when a valid-time filter replaced the validAt point with a window")

    @strawberry.field(description="the basis in words")
    def description(self) -> str:
        belief = "latest belief" if self.as_of is None else f"belief as of {self.as_of.isoformat()}"
        when = f"true at {self.valid_at.isoformat()}" if self.valid_window is None else \
            f"true during {self.valid_window.text}"
        return f"{when}, {belief}"

    @classmethod
    def of(cls, rb: ResolvedBasis, window: Interval | None = None) -> BasisType:
        return cls(valid_at=rb.valid_at, as_of=rb.as_of, evaluated_at=rb.evaluated_at,
                   valid_window=IntervalType.of(window) if window is not None else None)
