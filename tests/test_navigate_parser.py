"""The rule-based question parser on real question shapes (MultiTQ, TimeQuestions, Time-Dialog, LoCoMo)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tkgmem.navigate.parser import build_plans, multitq_qtype, parse, question_range, timequestions_signals
from tkgmem.navigate.plan import Plan
from tkgmem.temporal import Granularity, Interval, as_utc

NOW = as_utc("2025-07-17T11:43:21")


@pytest.mark.parametrize(("question", "qtype"), [
    ("Who started negotiations with Tsai Ing-wen before China?", "before_after"),
    ("Who expressed the intention to negotiate with Malaysia before July 2005?", "before_after"),
    ("After Thailand, which country did the International Court of Justice reject?", "before_after"),
    ("When did Isaias Afewerki negotiate with the Sudanese envoy for the first time?", "first_last"),
    ("In which month did Thailand's media personnel last visit Cambodia?", "first_last"),
    ("After Kuwait, who was the first to visit Mahmoud Abbas?", "after_first"),
    ("To whom did the armed gang of Somalia first release people after Médecins Sans Frontières?", "after_first"),
    ("Before Zawahiri, which country was the last to condemn Benedict XVI?", "before_last"),
    ("Who visited China on 19 April 2013?", "equal"),
    ("In which year did Iraq criticise the Congress of the United States?", "equal"),
    ("Who would wish to visit China on the same day of the Admiral of Russia?", "equal_multi"),
    ("In 2008, which country made the first optimistic remarks about China?", "equal_multi"),
])
def test_multitq_operator_labels(question: str, qtype: str) -> None:
    assert multitq_qtype(question) == qtype


@pytest.mark.parametrize(("question", "signal"), [
    ("what did abraham lincoln do before he was president", "BEFORE"),
    ("who followed guy of lusignan as king of jerusalem", "AFTER"),
    ("what position did jean chrétien hold before being replaced by gerald regan", "BEFORE"),
    ("where did thomas eakins work in 1868", "OVERLAP"),
    ("who was u.s. president when alan rickman was born", "OVERLAP"),
    ("who did buster keaton marry on may 31, 1921", "START"),
    ("what is employer of galileo galilei that is start time is 1592-0-0", "START"),
    ("what sports team did stece nash play for until 2012", "FINISH"),
    ("who did alfred kinsey divorce in 1956", "FINISH"),
    ("what was the first movie julie andrews played in", "ORDINAL"),
    ("who was the thirteenth american president", "ORDINAL"),
    ("what is the point in time for louis kahn has award received as royal gold medal", "No signal"),
    ("what time is justin biebers birthday", "No signal"),
    ("who won the 2008 olympic games", "No signal"),
])
def test_timequestions_signals(question: str, signal: str) -> None:
    assert timequestions_signals(question)[0] == signal


def days(iv: Interval | None) -> tuple[str | None, str | None]:
    """Day bounds, the end inclusive."""
    start, last = iv.day_bounds() if iv is not None else (None, None)
    return (start.isoformat() if start else None), (last.isoformat() if last else None)


@pytest.mark.parametrize(("question", "start", "end"), [
    ("What activities did India Brown participate in between April 1, 2020, and April 9, 2020",
     "2020-04-01", "2020-04-09"),
    ("What did India Brown pursue between April 16, 2020, at 6:22 AM and April 19, 2020, at 7:22 AM",
     "2020-04-16", "2020-04-19"),
    ("What developments was Fahim Khan aware of between 6:10:33 and 6:18:32 on July 1, 2024",
     "2024-07-01", "2024-07-01"),
    # midnight is a day boundary: "before 12:00 am, May 27" stops with May 26
    ("What has Samantha visited in just 23 years before 12:00 am, May 27, 2023", "2000-05-27", "2023-05-26"),
    ("What was John's most recent job before 12:00 am, January 01, 2023", None, "2022-12-31"),
    ("What was Angela's most recent medical achievement after 4:49 pm, July 15, 2022", "2022-07-15", None),
    ("What was the second book Paola began reading in March 2024", "2024-03-01", "2024-03-31"),
    ("When did Sara join a local music club", None, "2025-07-17"),
    ("When is Cheryl taking coding classes", "2025-07-17", None),
    ("Which of the following two durations is longer", None, None),
    ("While Matt is taking guitar lessons, what is Tara's primary role in the music field", None, None),
])
def test_question_time_range(question: str, start: str | None, end: str | None) -> None:
    assert days(question_range(question, NOW).interval) == (start, end)


def test_relative_range_against_the_question_time() -> None:
    r = question_range("What did Gina do last summer?", datetime(2023, 10, 5))
    assert r.interval is not None and r.interval.start == as_utc("2023-06-01")
    assert r.interval.end == as_utc("2023-09-01")


def test_parse_reads_anchor_clause_and_entities() -> None:
    pq = parse("Where did Alice work before she moved to Berlin?", now=NOW)
    assert pq.kind == "entity" and pq.connective == "before"
    assert pq.main.subject == "Alice" and pq.main.verb == "work" and pq.main.object_is_answer
    assert pq.anchor is not None and pq.anchor.subject == "she" and pq.anchor.object == "Berlin"
    fact_plan, event_plan = build_plans(pq)
    main = fact_plan.step("main")
    assert main.pattern.target == "fact" and main.pattern.relations == ["works_at"]
    assert main.constraints[0].op == "before" and main.constraints[0].ref.var == "t1"
    anchor = fact_plan.step("anchor")
    assert anchor.pattern.subject is not None and anchor.pattern.subject.name == "Alice"  # "she" resolved
    assert event_plan.step("main").pattern.predicates == ["work"]


def test_parse_entity_anchor_and_shared_time() -> None:
    pq = parse("Who visited Paris in the same month as Carol?", now=NOW)
    assert pq.connective == "same" and pq.same is Granularity.MONTH and pq.anchor_entity == "Carol"
    plan = build_plans(pq)[0]
    assert plan.step("anchor").pattern.subject.name == "Carol"  # type: ignore[union-attr]
    assert plan.step("main").constraints[0].op == "same_month"
    assert plan.step("main").pattern.exclude == ["Carol"]


def test_literal_time_becomes_a_constraint_not_an_anchor() -> None:
    pq = parse("Who expressed the intention to negotiate with Malaysia before July 2005?", now=NOW)
    assert pq.anchor is None and pq.anchor_entity is None
    c = build_plans(pq)[0].step("main").constraints[0]
    assert c.op == "before" and c.ref.interval is not None and c.ref.interval.start == as_utc("2005-07-01")


@pytest.mark.parametrize(("question", "kind", "granularity"), [
    ("When did Caroline go to the LGBTQ support group?", "time", None),
    ("In which month did China first express its intention to negotiate with Yasuo Fukuda?", "time",
     Granularity.MONTH),
    ("How many times did Bob visit Rome in 2020?", "count", None),
    ("How long did Alice live in Paris?", "duration", None),
    ("Did Alice live in Paris?", "yes_no", None),
    ("What was the first thing Bob did after the merger?", "event", None),
    ("With whom did South Africa formally sign an agreement?", "entity", None),
])
def test_answer_kinds(question: str, kind: str, granularity: Granularity | None) -> None:
    plan = build_plans(parse(question, now=NOW))[0]
    assert plan.answer.kind == kind and plan.answer.granularity == granularity
    assert Plan.from_json(plan.to_json()) == plan


def test_shape_abstracts_entities() -> None:
    a = parse("Who visited Paris in the same month as Carol?", now=NOW).shape()
    b = parse("Who visited Rome in the same month as Bob?", now=NOW).shape()
    c = parse("Who visited Rome before Bob?", now=NOW).shape()
    assert a == b and a != c
