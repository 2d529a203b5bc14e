"""Filter evaluation and push-down, cursors, and page-size limits, without a server."""

from __future__ import annotations

import pytest

from tkgmem.errors import InputError
from tkgmem.graphql.connections import Cursor, PageArgs, page_basis, paginate
from tkgmem.graphql.filters import (
    DateTimeFilter,
    FactWhere,
    IDFilter,
    IntervalFilter,
    IntervalInput,
    StringFilter,
    fact_exact,
    fact_query,
    match_fact,
)
from tkgmem.graphql.limits import LimitExceeded, Limits
from tkgmem.graphql.values import BasisInput
from tkgmem.model import Fact
from tkgmem.temporal import Interval, as_utc


def fact(obj: str, start: str | None, end: str | None = None, subject: str = "en_a") -> Fact:
    return Fact(version_id=f"v_{obj}", lineage_id=f"fa_{obj}", subject_id=subject, relation="lives_in",
                object_id=f"en_{obj}", valid=Interval.between(start, end), recorded_at=as_utc("2020-01-01"))


PARIS, MUNICH, BERLIN = fact("paris", "2019-01-01", "2021-05-01"), fact("munich", "2021-05-01", "2022-02-01"), \
    fact("berlin", "2022-02-01")


def test_operators_and_boolean_combinators() -> None:
    assert match_fact(FactWhere(relation=StringFilter(eq="lives in")), PARIS)  # synonyms are canonicalised
    assert not match_fact(FactWhere(relation=StringFilter(eq="works_at")), PARIS)
    assert match_fact(FactWhere(object=IDFilter(in_=["en_x", "en_paris"])), PARIS)  # type: ignore[list-item]
    assert match_fact(FactWhere(relation=StringFilter(contains="LIVES")), PARIS)
    either = FactWhere(or_=[FactWhere(object=IDFilter(eq="en_paris")), FactWhere(object=IDFilter(eq="en_berlin"))])  # type: ignore[arg-type]
    assert [f.object_id for f in (PARIS, MUNICH, BERLIN) if match_fact(either, f)] == ["en_paris", "en_berlin"]
    neither = FactWhere(not_=either)
    assert [f.object_id for f in (PARIS, MUNICH, BERLIN) if match_fact(neither, f)] == ["en_munich"]
    both = FactWhere(and_=[FactWhere(subject=IDFilter(eq="en_a")), FactWhere(recorded_at=DateTimeFilter(  # type: ignore[arg-type]
        lt=as_utc("2020-01-02")))])
    assert match_fact(both, PARIS)


def test_interval_operators() -> None:
    def pick(f: IntervalFilter) -> list[str | None]:
        return [x.object_id for x in (PARIS, MUNICH, BERLIN) if match_fact(FactWhere(valid=f), x)]

    window = IntervalInput(start=as_utc("2021-01-01"), end=as_utc("2022-06-01"))
    assert pick(IntervalFilter(overlaps=window)) == ["en_paris", "en_munich", "en_berlin"]
    assert pick(IntervalFilter(during=window)) == ["en_munich"]
    assert pick(IntervalFilter(contains=as_utc("2021-05-01"))) == ["en_munich"]  # half-open: Paris ended
    assert pick(IntervalFilter(contains=as_utc("2030-01-01"))) == ["en_berlin"]  # open end


def test_push_down_uses_only_conjuncts() -> None:
    q, window = fact_query(FactWhere(subject=IDFilter(eq="en_a"), relation=StringFilter(eq="lives_in"),  # type: ignore[arg-type]
                                     valid=IntervalFilter(overlaps=IntervalInput(start=as_utc("2021-01-01")))))
    assert (q.subject_id, q.relation) == ("en_a", "lives_in")
    assert window is not None and window.start == as_utc("2021-01-01") and q.valid_overlaps == window
    q, window = fact_query(FactWhere(or_=[FactWhere(subject=IDFilter(eq="en_a"))]))  # type: ignore[arg-type]
    assert q.subject_id is None and window is None  # an OR branch never narrows the store read
    # a NOT of one id or relation field is an exclusion the store applies (and counts) itself
    where = FactWhere(relation=StringFilter(in_=["lives_in"]), not_=FactWhere(subject=IDFilter(eq="en_b")))  # type: ignore[arg-type]
    q, _ = fact_query(where)
    assert q.exclude_subject_ids == ["en_b"] and fact_exact(where)
    q, _ = fact_query(FactWhere(and_=[FactWhere(not_=FactWhere(object=IDFilter(in_=["en_x", "en_y"])))]))  # type: ignore[list-item]
    assert q.exclude_object_ids == ["en_x", "en_y"]
    for kept in (FactWhere(not_=FactWhere(subject=IDFilter(eq="en_b"), relation=StringFilter(eq="likes"))),  # type: ignore[arg-type]
                 FactWhere(not_=FactWhere(relation=StringFilter(contains="live"))),
                 FactWhere(not_=FactWhere(not_=FactWhere(subject=IDFilter(eq="en_b"))))):  # type: ignore[arg-type]
        q, _ = fact_query(kept)  # NOT (a AND b) is no exclusion of a or of b: evaluated by the API
        assert (q.exclude_subject_ids, q.exclude_relations) == (None, None) and not fact_exact(kept)
    with pytest.raises(InputError, match="do not overlap"):
        fact_query(FactWhere(valid=IntervalFilter(
            overlaps=IntervalInput(end=as_utc("2020-01-01")), during=IntervalInput(start=as_utc("2021-01-01")))))


def test_cursor_roundtrip_pins_basis_and_rejects_garbage() -> None:
    now = as_utc("2025-01-01T12:00:00Z")
    rb = page_basis(PageArgs(first=2), BasisInput(valid_at=as_utc("2021-08-01")), now)
    assert rb.as_of == now and rb.valid_at == as_utc("2021-08-01")
    conn = paginate([PARIS, MUNICH, BERLIN], PageArgs(first=2), rb, Limits(), lambda f: f.object_id)
    assert conn.nodes() == ["en_paris", "en_munich"] and conn.page_info.has_next_page
    later = as_utc("2025-02-01")
    again = page_basis(PageArgs(first=2, after=conn.page_info.end_cursor), None, later)
    assert (again.valid_at, again.as_of) == (rb.valid_at, rb.as_of)
    nxt = paginate([PARIS, MUNICH, BERLIN], PageArgs(first=2, after=conn.page_info.end_cursor), again, Limits(),
                   lambda f: f.object_id)
    assert nxt.nodes() == ["en_berlin"] and not nxt.page_info.has_next_page and nxt.page_info.has_previous_page
    with pytest.raises(InputError, match="another basis"):
        page_basis(PageArgs(after=conn.page_info.end_cursor), BasisInput(valid_at=as_utc("2000-01-01")), later)
    with pytest.raises(InputError, match="invalid cursor"):
        Cursor.decode("not-a-cursor")


def test_page_size_limits() -> None:
    limits = Limits(default_page_size=2, max_page_size=3)
    rb = page_basis(PageArgs(), None, as_utc("2025-01-01"))
    assert len(paginate([PARIS, MUNICH, BERLIN], PageArgs(), rb, limits, lambda f: f).edges) == 2
    with pytest.raises(LimitExceeded, match="maxPageSize=3"):
        paginate([PARIS], PageArgs(first=4), rb, limits, lambda f: f)
    with pytest.raises(InputError, match="not both"):
        paginate([PARIS], PageArgs(first=1, last=1), rb, limits, lambda f: f)


def test_scan_reads_about_a_page_when_no_count_is_asked() -> None:
    import asyncio

    from tkgmem.graphql.connections import scan

    data = list(range(1000))
    asked: list[int] = []

    async def read(limit: int) -> list[int]:  # a store read: the first `limit` rows in store order
        asked.append(limit)
        return data[:limit]

    limits = Limits(max_scan=500)
    rows, truncated = asyncio.run(scan(read, lambda r: r % 2 == 0, 6, limits))
    assert rows == list(range(0, 24, 2)) and not truncated and asked == [24]  # one read of 4 x the page
    asked.clear()
    rows, truncated = asyncio.run(scan(read, lambda r: r % 100 == 0, 6, limits))  # selective: reads grow
    assert asked == [24, 96, 384, 500] and rows == list(range(0, 500, 100)) and truncated  # up to maxScan
    asked.clear()
    rows, _ = asyncio.run(scan(read, lambda r: r >= 995, 3, Limits(max_scan=5000)))  # the store runs out
    assert rows == list(range(995, 1000)) and asked == [12, 48, 192, 768, 3072]
    asked.clear()
    rows, truncated = asyncio.run(scan(read, lambda r: r % 2 == 0, None, limits))  # a count: one full read
    assert asked == [500] and len(rows) == 250 and truncated
