"""The navigator end to end on a hand-built graph written through the store protocol (SQLiteStore).

Known answers for every operator: multi-hop chains, shared time variables, open intervals, measures,
selectors, the basis, and abstention.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from tkgmem.model import Batch, Entity, Episode, Event, FactInput, Modality, Participant, SearchHit, Span, stable_id
from tkgmem.navigate import (
    AnswerSpec,
    Executor,
    ExperienceMemory,
    Measure,
    Pattern,
    Plan,
    Selector,
    Slot,
    Step,
    TimeConstraint,
    TimeRef,
    ask,
    explain,
    run_plan,
)
from tkgmem.navigate import executor as executor_module
from tkgmem.navigate.parser import parse
from tkgmem.store import Store, open_store
from tkgmem.temporal import Basis, Granularity, Interval, as_utc

T = "nav"
NOW = as_utc("2024-06-01T12:00:00")
G = Granularity


def t(s: str) -> datetime:
    return as_utc(s)


def ent(name: str, type_: str) -> Entity:
    eid = Entity.make_id(T, name, type_)
    return Entity(version_id=f"{eid}_v1", lineage_id=eid, tenant=T, name=name, type=type_,
                  recorded_at=t("2000-01-01"))


def day(s: str) -> Interval:
    return Interval.granule(s, G.DAY)


class Story:
    """Builds the graph: each fact/event gets its own episode as provenance."""

    def __init__(self) -> None:
        names = {"Alice": "person", "Bob": "person", "Carol": "person", "Dave": "person", "Paris": "place",
                 "Berlin": "place", "Rome": "place", "Oslo": "place", "Acme": "org", "Globex": "org"}
        self.e = {n: ent(n, ty) for n, ty in names.items()}
        self.batch = Batch(tenant=T, entities=list(self.e.values()))

    def id(self, name: str) -> str:
        return self.e[name].lineage_id

    def episode(self, text: str, when: str) -> Episode:
        ref = t(when)
        ep = Episode(id=Episode.make_id(T, "chat", text, ref), tenant=T, source="chat", speaker="Alice",
                     text=text, reference_time=ref)
        self.batch.episodes.append(ep)
        return ep

    def fact(self, s: str, rel: str, o: str, start: str | None, end: str | None, said: str) -> None:
        ep = self.episode(f"{s} {rel.replace('_', ' ')} {o}", said)
        self.batch.facts.append(FactInput(subject_id=self.id(s), relation=rel, object_id=self.id(o),
                                          valid=Interval.between(start, end, G.MONTH),
                                          provenance=(Span(episode_id=ep.id, start=0, end=len(ep.text)),)))

    def event(self, pred: str, summary: str, when: Interval, said: str, modality: Modality = Modality.HAPPENED,
              **roles: str) -> None:
        ep = self.episode(summary, said)
        parts = tuple(Participant(entity_id=self.id(n), role=r) for r, n in roles.items() if r != "place")
        lid = stable_id("ev", T, summary)
        self.batch.events.append(Event(
            version_id=f"{lid}_v1", lineage_id=lid, tenant=T, predicate=pred, summary=summary,
            participants=parts, place_id=self.id(roles["place"]) if "place" in roles else None, valid=when,
            recorded_at=t(said), modality=modality, provenance=(Span(episode_id=ep.id, start=0, end=len(summary)),)))


def build() -> Batch:
    s = Story()
    s.fact("Alice", "works_at", "Acme", "2015-01-01", "2019-03-01", "2019-04-01")
    s.fact("Alice", "works_at", "Globex", "2019-09-01", None, "2019-10-01")
    s.fact("Alice", "lives_in", "Paris", "2014-01-01", "2019-06-01", "2019-07-01")
    s.fact("Alice", "lives_in", "Berlin", "2019-06-01", None, "2019-07-02")
    s.fact("Dave", "lives_in", "Rome", None, "2020-01-01", "2021-01-01")  # open start
    s.event("move", "Alice moved to Berlin", day("2019-06-15"), "2019-06-20", agent="Alice", destination="Berlin")
    # said while the job still ran: Acme's works_at fact overlaps the time after the leaving
    s.event("leave", "Alice left Acme", day("2019-02-15"), "2019-02-16", agent="Alice", theme="Acme")
    s.event("visit", "Carol visited Paris", day("2021-03-10"), "2021-03-11", agent="Carol", place="Paris")
    s.event("visit", "Bob visited Paris for a conference", day("2021-03-25"), "2021-03-26", agent="Bob",
            place="Paris")
    s.event("visit", "Dave visited Paris", day("2021-05-02"), "2021-05-03", agent="Dave", place="Paris")
    s.event("visit", "Bob visited Rome", day("2020-02-01"), "2020-02-02", agent="Bob", place="Rome")
    s.event("visit", "Bob visited Rome again", day("2020-08-01"), "2020-08-02", agent="Bob", place="Rome")
    s.event("visit", "Bob visited Rome with friends", day("2022-01-05"), "2022-01-06", agent="Bob", place="Rome")
    s.event("complete", "Acme and Globex completed the merger", day("2020-01-15"), "2020-01-16", agent="Acme",
            theme="Globex")
    s.event("visit", "Bob visited Berlin, not Oslo", day("2022-05-01"), "2022-05-02", Modality.NEGATED, agent="Bob",
            place="Oslo")  # what a correction ("..., not Oslo") leaves of the visit it denies
    s.event("hire", "Bob hired new staff", day("2019-12-01"), "2019-12-02", agent="Bob")
    s.event("join", "Bob joined the board of Globex", day("2020-02-10"), "2020-02-11", agent="Bob")
    s.event("resign", "Bob resigned from the board", day("2020-06-01"), "2020-06-02", agent="Bob")
    s.event("marry", "Alice and Bob celebrated their wedding", day("2021-06-12"), "2021-06-13", agent="Alice",
            partner="Bob")
    s.event("buy", "Alice and Bob bought a house", day("2022-03-12"), "2022-03-13", agent="Alice", partner="Bob")
    s.event("start", "Alice started a pottery course", Interval(start=t("2023-01-01"), start_granularity=G.MONTH),
            "2023-01-05", agent="Alice")  # open end
    return s.batch


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("nav") / "memory.db"
    s = open_store(f"sqlite:///{path}")
    s.write(build(), recorded_at=t("2024-01-01"))
    yield s
    s.close()


def q(store: Store, question: str, **kw: object):
    return ask(store, T, question, now=NOW, **kw)  # type: ignore[arg-type]


# -- multi-hop, shared time, selectors, measures ------------------------------------------------------
def test_multi_hop_before_a_clause(store: Store) -> None:
    a = q(store, "Where did Alice work before she moved to Berlin?")
    assert a.kind == "entity" and a.value == "Acme"
    assert [s.id for s in a.plan.order()] == ["anchor", "main"]  # leaves first
    steps = {e.step for e in a.evidence}
    assert steps == {"anchor", "main"}  # evidence path covers both hops
    assert any(e.text == "Alice moved to Berlin" for e in a.evidence)
    assert a.basis is not None and a.basis.valid_at == NOW


def test_after_a_clause_takes_the_first_fact_after(store: Store) -> None:
    assert q(store, "Where did Alice work after she moved to Berlin?").value == "Globex"


def test_what_the_anchor_names_is_not_the_answer(store: Store) -> None:
    a = q(store, "Where did Alice work after she left Acme?")
    assert a.value == "Globex" and a.plan.step("main").pattern.exclude == ["Acme"]


def test_shared_time_variable_same_month(store: Store) -> None:
    a = q(store, "Who visited Paris in the same month as Carol?")
    assert a.kind == "entity" and a.value == "Bob"  # Dave came in May; Carol herself is excluded


def test_first_event_after_an_event(store: Store) -> None:
    a = q(store, "What was the first thing Bob did after the merger?")
    assert a.kind == "event" and a.value == "Bob visited Rome"  # 2020-02-01, before he joined the board


def test_gap_between_two_events(store: Store) -> None:
    a = q(store, "How long after the wedding did they buy the house?")
    assert a.kind == "duration" and a.duration_days == 273


def test_count_in_a_year(store: Store) -> None:
    a = q(store, "How many times did Bob visit Rome in 2020?")
    assert a.kind == "count" and a.count == 2


def test_when_returns_the_event_time(store: Store) -> None:
    a = q(store, "When did Alice move to Berlin?")
    assert a.kind == "time" and a.time == day("2019-06-15") and a.value == "2019-06-15"


def test_time_answer_at_the_asked_granularity(store: Store) -> None:
    a = q(store, "In which year did Bob resign from the board?")
    assert a.time == Interval.granule("2020-01-01", G.YEAR) and a.value == "2020"


def test_before_a_literal_time_and_last(store: Store) -> None:
    assert q(store, "Who visited Paris before April 2021?").value == "Carol, Bob"
    assert q(store, "Who last visited Paris before April 2021?").value == "Bob"
    assert q(store, "Who first visited Paris?").value == "Carol"


def test_duration_of_closed_and_open_facts(store: Store) -> None:
    a = q(store, "How long did Alice live in Paris?")
    assert a.kind == "duration" and a.duration_days == pytest.approx(1977)
    open_ended = q(store, "How long did Alice live in Berlin?")
    assert open_ended.abstained  # still ongoing: the duration is unknown, so we do not guess


def test_present_tense_reads_at_the_basis_point(store: Store) -> None:
    assert q(store, "Where does Alice live?").value == "Berlin"
    assert q(store, "Where did Alice live?").value == "Paris, Berlin"
    assert q(store, "Where did Alice live in 2016?").value == "Paris"
    assert q(store, "Where does Alice live?", basis=Basis(valid_at=t("2016-05-01"))).value == "Paris"
    # a span counted from a stated day: the week before 1 June 2019 is in May (Paris), the week after in June
    assert q(store, "Where did Alice live the week before 1 June 2019?").value == "Paris"
    assert q(store, "Where did Alice live the week after 1 June 2019?").value == "Berlin"


def test_states_before_and_after_a_clause_respect_granularity(store: Store) -> None:
    """Berlin is known from June 2019 (month), the move on 15 June: Berlin did not hold *before* the move."""
    assert q(store, "Where did Alice live before she moved to Berlin?").value == "Paris"
    assert q(store, "Where did Alice live after she moved to Berlin?").value == "Berlin"


def test_yes_no_questions(store: Store) -> None:
    assert q(store, "Did Alice live in Paris in 2016?").value == "yes"
    assert q(store, "Did Alice live in Paris in 2021?").value == "no"  # known, but not then
    assert q(store, "Does Alice live in Paris?").value == "no"
    assert q(store, "Does Alice live in Oslo?").abstained  # nothing known at all


def test_an_event_known_not_to_have_happened(store: Store) -> None:
    when = q(store, "When did Bob visit Oslo?")
    assert when.abstained and "did not happen" in when.explanation
    assert when.evidence and when.evidence[0].text == "Bob visited Berlin, not Oslo"
    assert q(store, "Did Bob visit Oslo?").value == "no"
    assert q(store, "When did Bob visit Lisbon?").explanation.startswith("not in memory: ")  # never mentioned


def test_a_name_no_entity_has_resolves_by_its_words(store: Store) -> None:
    assert q(store, "Did Alice Smith live in Paris in 2016?").value == "yes"  # "Alice": all its words are asked
    executor = Executor(store, T)
    assert executor.resolve("alice  SMITH") == [Story().id("Alice")]
    assert executor.resolve("Atlantis") == []
    assert q(store, "Did Bob visit Atlantis?").abstained  # a place the memory has never heard of


def test_a_name_many_entities_share_names_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        leos = [ent(f"Leo {x}", "person") for x in "ABCD"]
        s.write(Batch(tenant=T, entities=leos), recorded_at=t("2024-01-01"))
        assert Executor(s, T).resolve("Dr Leo B") == [leos[1].lineage_id]  # its words hold "Leo B" only
        assert sorted(Executor(s, T).resolve("Leo")) == sorted(e.lineage_id for e in leos)
        monkeypatch.setattr(executor_module, "_NEAR_NAMES", 3)
        assert Executor(s, T).resolve("Leo") == []  # four Leos, none of them more "Leo" than another
        why = ask(s, T, "Where did Leo live in 2020?", now=NOW).explanation
        assert "'Leo' names more than 3 entities (such as Leo A, Leo B, Leo C); ask with the full name" in why
    finally:
        s.close()


def test_abstains_when_nothing_matches(store: Store) -> None:
    a = q(store, "Where did Erin work before she moved to Oslo?")
    assert a.abstained and a.kind == "abstain" and "not in memory" in a.explanation
    b = q(store, "Who visited Paris in the same month as Dave?")
    assert b.abstained  # nobody else came in May 2021


def test_profile_of_an_entity(store: Store) -> None:
    now = q(store, "Who is Alice?")
    assert now.kind == "profile" and now.plan is not None and now.plan.operators == ["profile"]
    # present tense: the facts true now, and the most recent events first
    assert now.value.startswith("lives in Berlin; works at Globex; latest events: Alice started a pottery course")
    assert "Acme" not in now.value and "Paris" not in now.value.split("latest events")[0]
    assert {e.fact_id for e in now.evidence if e.fact_id} and {e.event_id for e in now.evidence if e.event_id}
    ever = q(store, "Who was Alice?")
    assert "works at Acme" in ever.value and "lives in Paris" in ever.value
    # in the past, at the basis: what held then
    then = q(store, "Tell me about Alice", basis=Basis(valid_at=t("2016-05-01")))
    assert then.value.startswith("lives in Paris; works at Acme")
    assert q(store, "What do you know about Bob?").value.startswith("latest events: Alice and Bob bought a house")
    assert q(store, "Who is Erin?").abstained  # no retrieval fallback here: nothing known, nothing guessed
    assert parse("Who is the CEO of Acme?", now=NOW).kind != "profile"  # a relation question, not a name
    assert [parse(x, now=NOW).entities for x in ("who's Bob", "Tell me about Alice Smith.")] == [
        ["Bob"], ["Alice Smith"]]


# -- plans given directly: every operator -------------------------------------------------------------
def visits(subject: Slot, place: str = "Paris", **kw: object) -> Step:
    return Step(id=str(kw.pop("id", "main")), pattern=Pattern(target="event", subject=subject,
                object=Slot(name=place), predicates=["visit"]), **kw)


def lit(iv: Interval) -> TimeRef:
    return TimeRef(interval=iv)


@pytest.mark.parametrize(("op", "ref", "ref2", "expected"), [
    ("before", Interval.granule("2021-03-20", G.DAY), None, "Carol"),
    ("after", Interval.granule("2021-04-01", G.DAY), None, "Dave"),
    ("in", Interval.granule("2021-03-01", G.MONTH), None, "Carol, Bob"),
    ("during", Interval.granule("2021-05-01", G.MONTH), None, "Dave"),
    ("overlaps", Interval(start=t("2021-03-20")), None, "Bob, Dave"),  # open end
    ("between", Interval.granule("2021-03-11", G.DAY), Interval.granule("2021-05-01", G.DAY), "Bob"),
    ("same_day", Interval.granule("2021-05-02", G.DAY), None, "Dave"),
    ("same_month", Interval.granule("2021-03-31", G.DAY), None, "Carol, Bob"),
    ("same_year", Interval.granule("2021-12-31", G.DAY), None, "Carol, Bob, Dave"),
])
def test_each_time_operator(store: Store, op: str, ref: Interval, ref2: Interval | None, expected: str) -> None:
    c = TimeConstraint(op=op, ref=lit(ref), ref2=lit(ref2) if ref2 else None)
    plan = Plan(steps=[visits(Slot(var="?x"), constraints=[c])], answer=AnswerSpec(step="main", var="?x"))
    assert run_plan(store, T, plan, now=NOW).value == expected


@pytest.mark.parametrize(("select", "expected"), [
    (Selector(op="first"), "2020-02-01"), (Selector(op="last"), "2022-01-05"),
    (Selector(op="nth", n=2), "2020-08-01"), (Selector(op="nth", n=-2), "2020-08-01"),
])
def test_selectors(store: Store, select: Selector, expected: str) -> None:
    plan = Plan(steps=[visits(Slot(name="Bob"), "Rome", select=select)], answer=AnswerSpec(step="main", kind="time"))
    assert run_plan(store, T, plan, now=NOW).value == expected


def test_nth_beyond_the_end_abstains(store: Store) -> None:
    plan = Plan(steps=[visits(Slot(name="Bob"), "Rome", select=Selector(op="nth", n=9))],
                answer=AnswerSpec(step="main", kind="time"))
    assert run_plan(store, T, plan, now=NOW).abstained


def test_yes_no_and_open_start_fact(store: Store) -> None:
    """Dave's Rome fact has no known start: it overlaps 2019; it held after 2010 (state reading), but it did
    not certainly begin after 2010 (strict reading)."""
    fact = Pattern(target="fact", subject=Slot(name="Dave"), object=Slot(name="Rome"), relations=["lives_in"])
    in_2019 = Plan(steps=[Step(id="main", pattern=fact, constraints=[
        TimeConstraint(op="in", ref=lit(Interval.granule("2019-05-01", G.YEAR)))])],
        answer=AnswerSpec(step="main", kind="yes_no"))
    def after_2010(loose: bool) -> Plan:
        return Plan(steps=[Step(id="main", pattern=fact, constraints=[
            TimeConstraint(op="after", ref=lit(Interval.granule("2010-01-01", G.YEAR)), loose=loose)])],
            answer=AnswerSpec(step="main", kind="yes_no"))

    assert run_plan(store, T, in_2019, now=NOW).value == "yes"
    assert run_plan(store, T, after_2010(loose=True), now=NOW).value == "yes"
    assert run_plan(store, T, after_2010(loose=False), now=NOW).value == "no"


def test_shared_time_variable_declared_on_two_steps(store: Store) -> None:
    """Two steps bind the same time variable: the second keeps only matches overlapping the first's."""
    plan = Plan(steps=[visits(Slot(name="Carol"), id="carol", time_var="t"),
                       visits(Slot(var="?x"), id="main", time_var="t", depends_on=["carol"])],
                answer=AnswerSpec(step="main", var="?x"))
    assert run_plan(store, T, plan, now=NOW).value == "Carol"  # same day: only Carol herself


def test_gap_measure_and_json_round_trip(store: Store) -> None:
    plan = Plan(steps=[visits(Slot(name="Carol"), id="a", time_var="t1"),
                       visits(Slot(name="Dave"), id="main", time_var="t2")],
                answer=AnswerSpec(step="main", kind="duration"), measure=Measure(op="gap", a="t1", b="t2"))
    again = Plan.from_json(plan.to_json())
    assert again == plan
    assert run_plan(store, T, again, now=NOW).duration_days == 53


def test_basis_as_of_hides_later_beliefs(store: Store, tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        batch = build()
        early = Batch(tenant=T, entities=batch.entities, episodes=batch.episodes[:1], facts=batch.facts[:1])
        s.write(early, recorded_at=t("2019-04-01"))
        s.write(Batch(tenant=T, episodes=batch.episodes[1:], facts=batch.facts[1:], events=batch.events),
                recorded_at=t("2020-01-01"))
        now_answer = ask(s, T, "Where did Alice work after she moved to Berlin?", now=NOW)
        then = ask(s, T, "Where did Alice work after she moved to Berlin?", now=NOW,
                   basis=Basis(as_of=t("2019-05-01")))
        assert now_answer.value == "Globex"
        assert then.abstained and then.basis is not None and then.basis.as_of == t("2019-05-01")
    finally:
        s.close()


# -- explanation, fallback, experience ----------------------------------------------------------------
def test_explain_shows_plan_and_evidence(store: Store) -> None:
    text = explain(q(store, "Where did Alice work before she moved to Berlin?"))
    assert "answer  entity: Acme" in text and "before t1" in text and "Alice moved to Berlin" in text
    assert "basis" in text and "evidence path" in text


def test_fallback_to_retrieval_when_no_plan_fits(store: Store) -> None:
    def fallback(question: str, k: int, time_range: Interval | None) -> list[SearchHit]:
        return store.search_text(T, "pottery course", k)

    a = q(store, "When did Zed take up ceramics?", fallback=fallback)
    assert a.kind == "time" and a.time is not None and a.evidence and "pottery" in a.evidence[0].text
    b = q(store, "Why is the sky blue?", fallback=lambda *_: [])
    assert b.abstained


class HashEncoder:
    """Deterministic bag-of-words vectors: enough to tell question templates apart in tests."""

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in text.lower().split():
                out[i, sum(map(ord, w)) % 64] += 1.0
        return out


def test_experience_reuses_a_plan_for_the_same_shape(store: Store, tmp_path: Path) -> None:
    mem = ExperienceMemory(tmp_path / "exp.json", encoder=HashEncoder())
    first = q(store, "Who visited Paris in the same month as Carol?", experience=mem)
    assert first.value == "Bob" and len(mem.items) == 1
    # same shape, other entities: the remembered plan is re-bound, not rebuilt
    again = q(store, "Who visited Paris in the same month as Bob?", experience=mem)
    assert again.value == "Carol" and "reused" in again.explanation
    reloaded = ExperienceMemory(tmp_path / "exp.json", encoder=HashEncoder())
    assert reloaded.items[0].shape == parse("Who visited Rome in the same month as Bob?", now=NOW).shape()


class RefusingEncoder:
    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        raise AssertionError("the encoder was loaded for a question no remembered plan shares a shape with")


def test_experience_needs_no_encoder_until_a_shape_repeats(store: Store, tmp_path: Path) -> None:
    mem = ExperienceMemory(tmp_path / "exp.json", encoder=RefusingEncoder())
    assert q(store, "Who visited Paris in the same month as Carol?", experience=mem).value == "Bob"
    assert len(mem.items) == 1 and mem.items[0].vector == []
