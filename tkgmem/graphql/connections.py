"""Relay connections with `totalCount`, server-enforced page sizes, and cursors that carry the basis.

A cursor encodes the item's offset and the resolved basis of the page it came from. When the client
gave no `asOf`, the first page pins `asOf` to its own evaluation time, and later pages read at that
pinned basis: data ingested while a client pages through does not shift or duplicate items.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from tkgmem.errors import InputError
from tkgmem.graphql.limits import Limits, check_page_size
from tkgmem.graphql.values import BasisInput, BasisType
from tkgmem.temporal import Interval, ResolvedBasis, as_utc

T = TypeVar("T")
M = TypeVar("M")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    total_count: int = strawberry.field(description="all items matching the filter at this basis")
    page_info: PageInfo
    edges: list[Edge[T]]
    basis: BasisType = strawberry.field(description="the basis every item of this page was read at")
    truncated: bool = strawberry.field(
        default=False, description="true when more items matched than the server reads for one connection "
        "(its maxScan limit): the pages then cover only the first maxScan, and so does totalCount unless the "
        "store counted the matches itself (facts filtered by subject, object, relation and valid, and a NOT of one "
        "subject, object or relation field, only); "
        "narrow the filter")

    @strawberry.field(description="the page's nodes without their cursors")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


@dataclass(frozen=True)
class Cursor:
    offset: int
    valid_at: datetime
    as_of: datetime

    def encode(self) -> str:
        raw = json.dumps({"o": self.offset, "v": self.valid_at.isoformat(), "a": self.as_of.isoformat()})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            return cls(offset=int(raw["o"]), valid_at=as_utc(raw["v"]), as_of=as_utc(raw["a"]))
        except Exception as exc:
            raise InputError(f"invalid cursor {text[:40]!r}; use a cursor returned by this API") from exc


@dataclass(frozen=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


def page_basis(args: PageArgs, basis: BasisInput | None, now: datetime) -> ResolvedBasis:
    """The basis of this page: the cursor's if paging on, else the client's with `asOf` pinned to `now`."""
    token = args.after or args.before
    if token is None:
        valid_at = basis.valid_at if basis and basis.valid_at else now
        as_of = basis.as_of if basis and basis.as_of else now
        return ResolvedBasis(valid_at=valid_at, as_of=as_of, evaluated_at=now)
    cursor = Cursor.decode(token)
    if basis is not None and (
        (basis.valid_at is not None and basis.valid_at != cursor.valid_at)
        or (basis.as_of is not None and basis.as_of != cursor.as_of)
    ):
        raise InputError(
            "the cursor was issued for another basis (validAt "
            f"{cursor.valid_at.isoformat()}, asOf {cursor.as_of.isoformat()}); drop `basis` when paging "
            "with a cursor, or start again without one"
        )
    return ResolvedBasis(valid_at=cursor.valid_at, as_of=cursor.as_of, evaluated_at=now)


def wants_total(info: strawberry.Info) -> bool:
    """Whether the client selected `totalCount` or `truncated` (through fragments too)."""

    def walk(selections: list[Selection]) -> bool:
        for sel in selections:
            if isinstance(sel, SelectedField):
                if sel.name in ("totalCount", "truncated"):
                    return True
            elif walk(sel.selections):
                return True
        return False

    return any(walk(f.selections) for f in info.selected_fields)


def prefix_limit(args: PageArgs, limits: Limits) -> int | None:
    """Rows to read for a forward page when no count is needed: up to one past the page's end."""
    if args.last is not None or args.before is not None:
        return None
    start = Cursor.decode(args.after).offset + 1 if args.after is not None else 0
    return min(limits.max_scan, start + check_page_size(args.first, limits) + 1)


async def scan(read: Callable[[int], Awaitable[Sequence[M]]], keep: Callable[[M], bool], need: int | None,
               limits: Limits) -> tuple[list[M], bool]:
    """The rows `read(limit)` gives that `keep` accepts (a filter the store cannot apply: NOT, OR, contains),
    and whether the read stopped at maxScan. With `need` (rows up to one past a forward page, no count
    asked) reads start at 4 x need and grow fourfold only while fewer rows are kept: such a page costs
    about a page, not maxScan. Without it, one read of maxScan."""
    limit = limits.max_scan if need is None else min(limits.max_scan, 4 * need)
    while True:
        found = await read(limit)
        rows = [r for r in found if keep(r)]
        if need is None or len(rows) >= need or len(found) < limit or limit >= limits.max_scan:
            return rows, len(found) >= limits.max_scan
        limit = min(limits.max_scan, 4 * limit)


def paginate(items: Sequence[M], args: PageArgs, rb: ResolvedBasis, limits: Limits,
             to_node: Callable[[M], T], window: Interval | None = None, truncated: bool = False,
             total: int | None = None) -> Connection[T]:
    """One page of `items`. `total` is the count of all matches when the store counted them and `items`
    holds only the rows up to one past the page (see `prefix_limit`)."""
    if args.first is not None and args.last is not None:
        raise InputError("give either `first` or `last`, not both")
    start, end = 0, len(items)
    if args.after is not None:
        start = max(start, Cursor.decode(args.after).offset + 1)
    if args.before is not None:
        end = min(end, Cursor.decode(args.before).offset)
    end = max(start, end)
    if args.last is not None:
        size = check_page_size(args.last, limits, "last")
        lo, hi = max(start, end - size), end
    else:
        size = check_page_size(args.first, limits, "first")
        lo, hi = start, min(end, start + size)
    assert rb.as_of is not None
    edges = [
        Edge(cursor=Cursor(i, rb.valid_at, rb.as_of).encode(), node=to_node(items[i])) for i in range(lo, hi)
    ]
    info = PageInfo(has_next_page=hi < len(items), has_previous_page=lo > 0,
                    start_cursor=edges[0].cursor if edges else None,
                    end_cursor=edges[-1].cursor if edges else None)
    return Connection(total_count=len(items) if total is None else total, page_info=info, edges=edges,
                      basis=BasisType.of(rb, window),
                      truncated=truncated)
