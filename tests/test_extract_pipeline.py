"""The offline pipeline end to end on a few real-looking dialogue turns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tkgmem.extract.base import Extractor
from tkgmem.extract.pipeline import Pipeline
from tkgmem.model import Batch, Entity, Episode, EventQuery, LinkType, Modality
from tkgmem.settings import Settings
from tkgmem.store import open_store

pytestmark = pytest.mark.models

REF = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def turn(i: int, speaker: str, addressee: str, text: str, ref: datetime = REF) -> Episode:
    return Episode(id=f"ep{i}", source="chat", session="s1", speaker=speaker, addressee=addressee, text=text,
                   reference_time=ref, seq=i)


@pytest.fixture(scope="module")
def batch() -> Batch:
    episodes = [
        turn(1, "Caroline", "Melanie", "I went to a LGBTQ support group yesterday and it was so powerful."),
        turn(2, "Melanie", "Caroline", "Wow! My sister moved to Boston last year and works at Google now."),
    ]
    return Pipeline(Settings()).extract(episodes, "t1")


def test_is_an_extractor() -> None:
    assert isinstance(Pipeline(Settings()), Extractor)
    assert Pipeline.name == "offline"


def test_batch_holds_episodes_and_embeddings(batch: Batch) -> None:
    assert [e.id for e in batch.episodes] == ["ep1", "ep2"]
    assert set(batch.embeddings) == {"ep1", "ep2"}
    assert len(batch.embeddings["ep1"]) == 384


def test_no_embeddings_when_disabled() -> None:
    b = Pipeline(Settings(embeddings=False)).extract([turn(1, "A", "B", "Hello there.")], "t1")
    assert b.embeddings == {}


def test_speakers_and_named_entities_with_stable_ids(batch: Batch) -> None:
    by_name = {e.name: e for e in batch.entities}
    assert by_name["Caroline"].type == "person"
    assert by_name["Caroline"].lineage_id == Entity.make_id("t1", "Caroline", "person")
    assert by_name["Boston"].type == "place"
    assert by_name["Google"].type == "organization"
    boston = by_name["Boston"].provenance[0]
    text = batch.episodes[1].text
    assert boston.episode_id == "ep2" and text[boston.start:boston.end] == "Boston"
    # the speaker entity is mentioned by both episodes (speaker of one, addressee of the other)
    assert {s.episode_id for s in by_name["Caroline"].provenance} == {"ep1", "ep2"}


def test_events_facts_and_dedup_across_turns() -> None:
    day2 = datetime(2023, 5, 9, 10, 0, tzinfo=UTC)
    episodes = [
        turn(1, "Caroline", "Melanie", "I went to a LGBTQ support group yesterday and it was so powerful."),
        turn(2, "Melanie", "Caroline", "My sister is a nurse. I'm going camping next month!"),
        # the same event again, a day later, dated "two days ago": one event, two provenance spans
        turn(3, "Caroline", "Melanie", "I went to a LGBTQ support group two days ago, remember?", ref=day2),
    ]
    b = Pipeline(Settings(embeddings=False)).extract(episodes, "t1")
    caroline = Entity.make_id("t1", "Caroline", "person")
    melanie = Entity.make_id("t1", "Melanie", "person")
    went = [e for e in b.events if e.predicate == "go" and e.participants[0].entity_id == caroline]
    assert len(went) == 1
    assert {s.episode_id for s in went[0].provenance} == {"ep1", "ep3"}
    assert went[0].valid.start == datetime(2023, 5, 7, tzinfo=UTC)
    camping = [e for e in b.events if e.participants and e.participants[0].entity_id == melanie
               and e.modality.value == "planned"]
    assert camping and camping[0].valid.start == datetime(2023, 6, 1, tzinfo=UTC)
    assert any(f.subject_id == melanie and f.relation == "has_sibling" for f in b.facts)


def test_empty_input_gives_an_empty_batch() -> None:
    b = Pipeline(Settings()).extract([], "t1")
    assert len(b) == 0 and b.embeddings == {}


def test_a_correction_of_the_day_supersedes_the_event_it_corrects(tmp_path) -> None:  # type: ignore[no-untyped-def]
    told = turn(1, "Alice", "Bob", "We moved to Berlin last month!", datetime(2022, 9, 5, 10, tzinfo=UTC))
    fixed = turn(2, "Alice", "Bob", "Correction: we actually moved to Berlin in July 2022, not August.",
                 datetime(2023, 3, 2, 12, tzinfo=UTC))
    store = open_store(f"sqlite:///{tmp_path / 'memory.db'}")
    pipeline = Pipeline(Settings(embeddings=False))
    for ep in (told, fixed):
        store.write(pipeline.extract([ep], "t1"), recorded_at=ep.reference_time)
    moves = store.events("t1", EventQuery(predicate="move"))
    assert len(moves) == 1 and moves[0].modality is Modality.HAPPENED
    versions = store.history("t1", moves[0].lineage_id)
    assert [(v.valid.start, v.expired_at) for v in versions] == [
        (datetime(2022, 8, 1, tzinfo=UTC), fixed.reference_time), (datetime(2022, 7, 1, tzinfo=UTC), None)]
    assert {s.episode_id for s in versions[-1].provenance} == {"ep1", "ep2"}
    store.close()


@pytest.mark.parametrize("batches", [1, 2])
def test_an_event_that_took_a_corrected_time_moves_with_it(tmp_path, batches: int) -> None:  # type: ignore[no-untyped-def]
    told = turn(1, "Alice", "Bob", "We moved to Berlin last month! Orbital opened an office here, so I relocated "
                "with the team. I also started a pottery class yesterday.", datetime(2022, 9, 5, 10, tzinfo=UTC))
    fixed = turn(2, "Alice", "Bob", "Correction: we actually moved to Berlin in July 2022, not August.",
                 datetime(2023, 3, 2, 12, tzinfo=UTC))
    pipeline = Pipeline(Settings(embeddings=False))
    first = pipeline.extract([told], "t1")
    by_predicate = {e.predicate: e for e in first.events}
    dated = [(lk.source_id, lk.target_id) for lk in first.links if lk.type is LinkType.DATED_BY]
    assert dated == [(by_predicate["relocate"].lineage_id, by_predicate["move"].lineage_id)]
    store = open_store(f"sqlite:///{tmp_path / 'memory.db'}")
    for part in ([told, fixed],) if batches == 1 else ([told], [fixed]):
        store.write(pipeline.extract(part, "t1"), recorded_at=part[-1].reference_time)
    july = datetime(2022, 7, 1, tzinfo=UTC)
    starts = {e.predicate: e.valid.start for e in store.events("t1")}
    assert starts["move"] == july and starts["relocate"] == july
    assert starts["start"] == datetime(2022, 9, 4, tzinfo=UTC)  # dated by its own words: stays
    store.close()


@pytest.mark.parametrize("batches", [1, 2])
def test_a_denied_object_negates_the_event_told_with_it(tmp_path, batches: int) -> None:  # type: ignore[no-untyped-def]
    told = turn(1, "Alice", "Bob", "We moved to Munich last month!", datetime(2022, 9, 5, 10, tzinfo=UTC))
    fixed = turn(2, "Alice", "Bob", "Sorry, I mixed it up: we moved to Berlin last month, not Munich.",
                 datetime(2022, 9, 20, 12, tzinfo=UTC))
    store = open_store(f"sqlite:///{tmp_path / 'memory.db'}")
    pipeline = Pipeline(Settings(embeddings=False))
    for part in ([told, fixed],) if batches == 1 else ([told], [fixed]):
        store.write(pipeline.extract(part, "t1"), recorded_at=part[-1].reference_time)
    moves = {e.summary: e for e in store.events("t1", EventQuery(predicate="move"))}
    assert {(s, e.modality) for s, e in moves.items()} == {
        ("we moved to Berlin last month", Modality.HAPPENED),  # the summary leaves out what it denies
        ("we moved to Berlin last month, not Munich" if batches == 1 else "We moved to Munich last month",
         Modality.NEGATED)}
    munich = next(e for e in moves.values() if e.modality is Modality.NEGATED)
    assert {s.episode_id for s in munich.provenance} == {"ep1", "ep2"}
    if batches == 2:  # believed to have happened until the correction was told
        assert [v.modality for v in store.history("t1", munich.lineage_id)] == [Modality.HAPPENED, Modality.NEGATED]
    store.close()


@pytest.mark.parametrize(("text", "affirmed", "denied"), [
    ("I went to the gym, not the pool.", "I went to the gym", "I went to the gym, not the pool"),
    ("I talked to Bob yesterday, not Jane.", "I talked to Bob yesterday", None),  # a person takes part: not rekeyed
])
def test_a_contrast_wherever_the_parser_hangs_its_not(text: str, affirmed: str, denied: str | None) -> None:
    batch = Pipeline(Settings(embeddings=False)).extract([turn(1, "Alice", "Carl", text)], "t1")
    assert [e.summary for e in batch.events if e.modality is Modality.HAPPENED] == [affirmed]
    assert [e.summary for e in batch.events if e.modality is Modality.NEGATED] == ([denied] if denied else [])
