"""The Neo4j store's orchestration without a server: a recording stand-in for the driver (Neo4j is an
external service) checks READ/WRITE routing, UNWIND batch sizes, the tenant on every query, and that each
call passes exactly the parameters its Cypher file declares. The semantics themselves are checked by the
conformance suite against a real server (TKGMEM_NEO4J_URI)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tkgmem.model import Batch, Entity, Episode, Event, EventQuery, FactInput, FactQuery, Span
from tkgmem.settings import Settings
from tkgmem.store.neo4j import Neo4jStore
from tkgmem.store.queries import query, query_names, schema_version
from tkgmem.store.records import EpisodeRecord
from tkgmem.temporal import Basis, Granularity, Interval, as_utc

TEXTS = {query(n).text: n for n in query_names()}


class Rec:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def data(self) -> dict[str, Any]:
        return self._data


class FakeTx:
    def __init__(self, log: list[tuple[str, str, dict[str, Any]]], mode: str,
                 answer: Callable[[str, dict[str, Any]], list[dict[str, Any]]]) -> None:
        self.log, self.mode, self.answer = log, mode, answer

    def run(self, text: str, params: dict[str, Any] | None = None) -> Any:
        name = TEXTS.get(text, "schema")
        self.log.append((self.mode, name, dict(params or {})))
        rows = [Rec(r) for r in self.answer(name, params or {})]

        class Result(list[Rec]):
            def consume(self) -> None:
                return None

        return Result(rows)


class FakeSession:
    def __init__(self, driver: FakeDriver) -> None:
        self.driver = driver

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute_read(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(FakeTx(self.driver.log, "read", self.driver.answer), *args)

    def execute_write(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(FakeTx(self.driver.log, "write", self.driver.answer), *args)


class FakeDriver:
    def __init__(self) -> None:
        self.log: list[tuple[str, str, dict[str, Any]]] = []
        self.databases: list[str | None] = []
        self.version: int | None = None
        self.known: set[str] = set()  # episode ids the database holds
        self.erased: list[dict[str, Any]] = []  # what `erase_episodes` returns
        self.anchors = 0  # entity anchors the database holds
        self.current: dict[str, Event] = {}  # current versions by lineage (`versions_current`)
        self.links: list[dict[str, Any]] = []  # stored event links (`event_links_for`)

    def answer(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if name == "episodes_known":
            return [{"id": i} for i in params["ids"] if i in self.known]
        if name == "erase_episodes":
            return self.erased
        if name == "schema_version_get":
            return [] if self.version is None else [{"version": self.version}]
        if name == "schema_version_set":
            self.version = params["version"]
        if name == "episodes_count":
            return [{"episodes": 0}]
        if name == "versions_current":
            return [{"kind": "event", "body": self.current[i].model_dump_json(), "expired_at": None}
                    for i in params["lineage_ids"] if i in self.current]
        if name == "event_links_for":
            return [lk for lk in self.links if {lk["source_id"], lk["target_id"]} & set(params["ids"])]
        if name == "name_words_backfill":  # entity anchors `en_0` .. `en_{anchors - 1}`, one page at a time
            page = [f"en_{i}" for i in range(self.anchors) if f"en_{i}" > params["after_id"]][: params["size"]]
            return [{"entities": len(page), "tenant": "t" if page else None, "id": page[-1] if page else None}]
        if name == "facts_count":
            return [{"facts": 7}]
        return []

    def verify_connectivity(self) -> None:
        return None

    def session(self, database: str | None = None) -> FakeSession:
        self.databases.append(database)
        return FakeSession(self)

    def close(self) -> None:
        return None


@pytest.fixture
def fake() -> FakeDriver:
    return FakeDriver()


def open_fake(fake: FakeDriver, batch_size: int = 2) -> Neo4jStore:
    settings = Settings(neo4j_database="memory")
    return Neo4jStore("neo4j://cluster:7687", settings=settings, batch_size=batch_size, driver=fake)  # type: ignore[arg-type]


def test_opening_applies_the_schema_once_and_records_its_version(fake: FakeDriver) -> None:
    open_fake(fake)
    names = [n for _m, n, _p in fake.log]
    assert names.count("schema") >= 30 and names[-1] == "schema_version_set"
    assert all(m == "write" for m, n, _p in fake.log if n != "schema_version_get")
    assert fake.version == schema_version() and set(fake.databases) == {"memory"}
    fake.log.clear()
    open_fake(fake)
    assert [n for _m, n, _p in fake.log] == ["schema_version_get"]  # already migrated: one read


def test_writes_are_routed_to_the_writer_in_unwind_batches(fake: FakeDriver) -> None:
    store = open_fake(fake, batch_size=2)
    fake.log.clear()
    eps = [Episode(id=f"ep_{i}", tenant="t", source="chat", text=f"turn {i}", reference_time=as_utc("2024-01-01"))
           for i in range(5)]
    alice = Entity(version_id="v_a", lineage_id="en_a", tenant="t", name="Alice", recorded_at=as_utc("2024-01-01"))
    facts = [FactInput(subject_id="en_a", relation="likes", object_value=f"thing {i}",
                       valid=Interval.since("2024-01-01"), provenance=(Span(episode_id=f"ep_{i}"),)) for i in range(5)]
    report = store.write(Batch(tenant="t", episodes=eps, entities=[alice], facts=facts,
                               embeddings={"ep_0": [1.0, 0.0]}), recorded_at=as_utc("2024-01-02"))
    assert report.episodes_added == 5 and report.facts_added == 5 and report.entities_added == 1
    assert {m for m, _n, _p in fake.log} == {"write"}
    inserts = [p for _m, n, p in fake.log if n == "episodes_insert"]
    assert [len(p["rows"]) for p in inserts] == [2, 2, 1]
    assert len(inserts[0]["rows"][0]["props"]["embedding"]) == 384
    assert [len(p["rows"]) for _m, n, p in fake.log if n == "fact_versions_insert"] == [2, 2, 1]
    assert all(p["tenant"] == "t" for _m, n, p in fake.log if "tenant" in query(n).params)
    assert {n for _m, n, _p in fake.log} >= {"episodes_known", "versions_current", "facts_current_for_keys",
                                             "entity_versions_insert", "provenance_link_versions"}


def test_a_redated_event_moves_the_events_dated_by_it_in_the_same_transaction(fake: FakeDriver) -> None:
    store = open_fake(fake)
    august, july = Interval.granule("2022-08-01", Granularity.MONTH), Interval.granule("2022-07-01", Granularity.MONTH)
    move = Event(version_id="v_m", lineage_id="ev_m", tenant="t", predicate="move", valid=august,
                 recorded_at=as_utc("2022-09-05"), reason="ingest")
    fake.current = {"ev_m": move, "ev_r": move.model_copy(update={"version_id": "v_r", "lineage_id": "ev_r",
                                                                   "predicate": "relocate"})}
    fake.links = [{"source_id": "ev_r", "target_id": "ev_m", "type": "DATED_BY", "recorded_at": None,
                   "episode_id": "ep_1"}]
    fake.log.clear()
    fixed = Episode(id="ep_2", tenant="t", source="chat", text="We moved in July, not August.",
                    reference_time=as_utc("2023-03-02"))
    report = store.write(Batch(tenant="t", episodes=[fixed], events=[move.model_copy(update={
        "version_id": "v_m2", "valid": july, "provenance": (Span(episode_id="ep_2"),)})]),
        recorded_at=as_utc("2023-03-02"))
    assert report.versions_expired == 2 and {m for m, _n, _p in fake.log} == {"write"}
    assert [p["ids"] for _m, n, p in fake.log if n == "event_links_for"] == [["ev_m"]]
    assert ["ev_r"] in [p["ids"] for _m, n, p in fake.log if n == "lock_events"]  # locked before it is read
    inserted = [json.loads(r["props"]["body"]) | {"reason": r["props"]["reason"]}
                for _m, n, p in fake.log if n == "event_versions_insert" for r in p["rows"]]
    assert [(v["lineage_id"], v["reason"], v["valid"]["start"][:10]) for v in inserted] == [
        ("ev_m", "update", "2022-07-01"), ("ev_r", "redated", "2022-07-01")]
    expired = [r["version_id"] for _m, n, p in fake.log if n == "versions_expire" for r in p["rows"]]
    assert sorted(expired) == ["v_m", "v_r"]


def test_reads_are_routed_to_readers_with_the_declared_parameters(fake: FakeDriver) -> None:
    store = open_fake(fake)
    fake.log.clear()
    basis = Basis(valid_at="2021-08-01", as_of="2024-01-15")
    store.facts("t", FactQuery(subject_id="en_a", relation="lives_in"), basis)
    store.facts("t", FactQuery(entity_id="en_a", valid_overlaps=Interval.since("2020-01-01")))
    store.facts("t")
    assert store.count_facts("t", FactQuery(relations=["likes"], limit=3), basis) == 7
    store.events("t", EventQuery(participant_id="en_a"))
    store.entity("t", "en_a", basis)
    store.find_entities("t", "ALLY")
    store.find_entities("t", "Leo  leo SILVA", words=True, limit=7)
    assert store.find_entities("t", "  ", words=True) == []  # no words: nothing asked of the database
    store.history("t", "fa_1")
    store.timeline("t", "en_a")
    store.diff("t", Basis(as_of="2024-01-01"), Basis())
    store.changes_since("t", as_utc("2024-01-01"))
    store.search_text("t", "puppy?")
    store.search_vector("t", [0.1, 0.9, 0.0], k=3)
    store.episodes("t", ["ep_1"])
    store.known_episodes("t", ["ep_1"])
    store.event_links("t", ["ev_1"])
    store.stats("t")
    store.audit_log("t")
    store.load_checkpoint("t", "job")
    assert {m for m, _n, _p in fake.log} == {"read"}
    calls = {n: p for _m, n, p in fake.log}
    assert calls["facts_by_subject"]["as_of"] == as_utc("2024-01-15")
    assert calls["facts_by_subject"]["valid_at"] == as_utc("2021-08-01")
    assert calls["facts_by_entity"]["use_window"] is True
    assert calls["facts_scan"]["use_window"] is False
    assert calls["facts_count"]["relations"] == ["likes"] and "limit" not in calls["facts_count"]
    assert calls["entities_find_name"]["name"] == "ally"
    assert calls["entities_find_words"]["words"] == ["leo", "silva"] and calls["entities_find_words"]["limit"] == 7
    assert [n for _m, n, _p in fake.log].count("entities_find_words") == 1
    assert calls["search_text"]["query"] == '"puppy"'
    assert len(calls["search_vector"]["vector"]) == 384 and calls["search_vector"]["candidates"] >= 12


def test_corrections_and_erasure_write_and_audit(fake: FakeDriver) -> None:
    store = open_fake(fake)
    fake.log.clear()
    with pytest.raises(Exception, match="no current fact"):
        store.correct_fact("t", "fa_missing", valid=Interval.since("2024-01-01"))
    report = store.erase("t", actor="dpo", reason="GDPR", episode_ids=["ep_1"], entity_id="en_a")
    assert report.episodes == 0
    names = [n for m, n, _p in fake.log if m == "write"]
    assert names[-1] == "audit_insert" and "erase_entity_anchors" in names and "erase_episodes" in names
    assert "en_a" in next(p for _m, n, p in fake.log if n == "erase_entity_anchors")["lineage_ids"]
    store.save_checkpoint("t", "job", {"offset": 3})
    assert fake.log[-1][:2] == ("write", "checkpoint_save")


def _counted(fake: FakeDriver, name: str) -> list[tuple[str, int]]:
    return sorted((r["form"], r["episodes"]) for _m, n, p in fake.log if n == name for r in p["rows"])


def test_the_words_of_entity_names_are_indexed_on_write_and_upgrade(fake: FakeDriver) -> None:
    fake.version, fake.anchors = 4, 5  # written before schema 5 indexed the words of names: indexed once, in pages
    store = open_fake(fake)
    pages = [(m, p) for m, n, p in fake.log if n == "name_words_backfill"]
    assert [(m, p["after_id"], p["size"]) for m, p in pages] == [("write", "", 2), ("write", "en_1", 2),
                                                                  ("write", "en_3", 2)]
    fake.log.clear()
    open_fake(fake)
    assert "name_words_backfill" not in [n for _m, n, _p in fake.log]
    leo = Entity(version_id="v_l", lineage_id="en_l", tenant="t", name="Leo  Silva", aliases=("LEO", "Silva Silva"),
                 recorded_at=as_utc("2024-01-01"))
    store.write(Batch(tenant="t", entities=[leo]), recorded_at=as_utc("2024-01-02"))
    row = next(r for _m, n, p in fake.log if n == "entity_versions_insert" for r in p["rows"])
    assert row["names"] == ["leo silva", "leo", "silva silva"]
    assert [(w["word"], w["name"], w["words"]) for w in row["name_words"]] == [
        ("leo", "leo silva", 2), ("silva", "leo silva", 2), ("leo", "leo", 1), ("silva", "silva silva", 1)]
    fake.log.clear()
    store.find_entities("t", None)
    assert [n for _m, n, _p in fake.log] == ["entities_find"]  # every entity: no name to seek


def test_speaker_forms_are_counted_on_write_import_and_erase(fake: FakeDriver) -> None:
    fake.version = 3  # written before schema 4 kept the counts: the upgrade recounts them once
    store = open_fake(fake)
    assert [m for m, n, _p in fake.log if n == "speakers_backfill"] == ["write"]
    fake.log.clear()
    open_fake(fake)
    assert "speakers_backfill" not in [n for _m, n, _p in fake.log]
    turn = Episode(id="ep_0", tenant="t", source="chat", text="hi", reference_time=as_utc("2024-01-01"),
                   speaker="Ana Silva", addressee="Bob")
    eps = [turn, turn.model_copy(update={"id": "ep_1", "speaker": " ana silva", "addressee": "ANA"}),
           turn.model_copy(update={"id": "ep_2", "speaker": None, "addressee": None})]
    fake.known = {"ep_2"}
    store.write(Batch(tenant="t", episodes=eps), recorded_at=as_utc("2024-01-02"))
    assert _counted(fake, "speakers_add") == [("ana", 2), ("ana silva", 2), ("bob", 1)]  # an episode once per form
    fake.log.clear()
    store.speaking("t", ["Ana", "Zed ", " "])
    assert [(m, p["names"]) for m, n, p in fake.log if n == "episodes_speaking"] == [("read", ["ana", "zed"])]
    fake.log.clear()
    fake.known = {"ep_0"}  # an import counts in only the episodes it stores
    store.import_records("t", [EpisodeRecord(episode=e) for e in eps])
    assert [r["id"] for _m, n, p in fake.log if n == "episodes_insert" for r in p["rows"]] == ["ep_1", "ep_2"]
    assert _counted(fake, "speakers_add") == [("ana", 1), ("ana silva", 1)]
    fake.log.clear()
    fake.erased = [{"supported": [], "speaker": "Ana Silva", "addressee": None},
                   {"supported": [], "speaker": None, "addressee": None}]
    store.erase("t", actor="dpo", reason="GDPR", episode_ids=["ep_0", "ep_2"])
    assert _counted(fake, "speakers_remove") == [("ana", 1), ("ana silva", 1)]
