"""Hybrid retrieval over the Store protocol: signals, priors, time range, basis, fallback shape."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tkgmem.model import Batch, Entity, Episode, Event, FactInput, Participant, SearchHit, Span
from tkgmem.retrieve.evidence import Evidence
from tkgmem.retrieve.hybrid import HybridRetriever, _question_range, _time_mentions
from tkgmem.retrieve.query import analyse, content_words, names_in
from tkgmem.retrieve.weights import Weights
from tkgmem.store import Store
from tkgmem.temporal import Basis, Granularity, Interval

T0 = datetime(2023, 5, 8, 13, 0, tzinfo=UTC)


class HashEncoder:
    """A deterministic stand-in for a sentence encoder: bag of hashed content words, normalised."""

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in content_words(text):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 512] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def turn(tenant: str, n: int, speaker: str, text: str, when: datetime = T0, session: str = "s1") -> Episode:
    return Episode(id=f"ep{n}", tenant=tenant, source="chat", session=session, speaker=speaker, text=text,
                   reference_time=when, seq=n)


def write(store: Store, tenant: str, episodes: list[Episode], *, events: Sequence[Event] = (),
          entities: Sequence[Entity] = (), at: datetime | None = None) -> None:
    vectors = HashEncoder().encode([e.text for e in episodes])
    store.write(Batch(tenant=tenant, episodes=episodes, entities=list(entities), events=list(events),
                      embeddings={e.id: v.tolist() for e, v in zip(episodes, vectors, strict=True)}),
                recorded_at=at or T0)


def ids(found: list[Evidence]) -> list[str]:
    return [e.episode.id for e in found]


def test_lexical_and_dense_find_the_matching_turn(store: Store, tenant: str) -> None:
    write(store, tenant, [
        turn(tenant, 1, "Alice", "I adopted a puppy named Biscuit last week.", session="s1"),
        turn(tenant, 2, "Bob", "The weather in Lisbon was lovely.", session="s2"),
        turn(tenant, 3, "Alice", "Work has been busy with the quarterly report.", session="s3"),
    ])
    for encoder in (None, HashEncoder()):
        found = HybridRetriever(store, encoder).search(tenant, "What is the name of the puppy?", k=2)
        assert ids(found)[0] == "ep1"
        assert "lexical" in found[0].sources
        assert (encoder is not None) == ("dense" in found[0].sources)
        assert found[0].score >= found[-1].score


def test_question_about_a_person_prefers_their_own_turns(store: Store, tenant: str) -> None:
    write(store, tenant, [
        turn(tenant, 1, "Bob", "I went hiking in the mountains on Sunday."),
        turn(tenant, 2, "Alice", "Fun! I went hiking in the mountains too, on Saturday."),
    ])
    found = HybridRetriever(store).search(tenant, "When did Alice go hiking in the mountains?", k=2)
    assert ids(found) == ["ep2", "ep1"]
    found = HybridRetriever(store).search(tenant, "When did Bob go hiking in the mountains?", k=2)
    assert ids(found) == ["ep1", "ep2"]


def test_reply_inherits_context_from_the_turn_it_answers(store: Store, tenant: str) -> None:
    write(store, tenant, [
        turn(tenant, 1, "Bob", "What instrument are you learning these days?"),
        turn(tenant, 2, "Alice", "The cello, since January!"),
        turn(tenant, 3, "Alice", "Totally unrelated: my cat sleeps all day."),
    ])
    # The dense signal ranks every turn; only context lifts the answer above the unrelated turn.
    found = HybridRetriever(store, HashEncoder()).search(tenant, "Which instrument is Alice learning?", k=3)
    assert set(ids(found)[:2]) == {"ep1", "ep2"}  # the answer and the question it answers, before ep3
    assert "context" in found[ids(found).index("ep2")].sources


def test_addressee_marks_a_person_who_speaks(store: Store, tenant: str) -> None:
    # Alice's own turns never say her name; only the turns addressed to her do.
    episodes = [
        turn(tenant, 1, "Bob", "Hey Alice, I went hiking in the mountains on Sunday."),
        turn(tenant, 2, "Alice", "Fun! I went hiking in the mountains too, on Saturday."),
    ]
    episodes = [episodes[0].model_copy(update={"addressee": "Alice"}),
                episodes[1].model_copy(update={"addressee": "Bob"})]
    write(store, tenant, episodes)
    found = HybridRetriever(store).search(tenant, "When did Alice go hiking in the mountains?", k=2)
    assert ids(found) == ["ep2", "ep1"]


def test_question_date_sets_the_range_and_leaves_the_text_query(store: Store, tenant: str) -> None:
    pytest.importorskip("duckling")
    may, july = datetime(2023, 5, 2, 12, tzinfo=UTC), datetime(2023, 7, 20, 12, tzinfo=UTC)
    write(store, tenant, [
        turn(tenant, 1, "Alice", "We watched a great movie last night.", may, session="s1"),
        turn(tenant, 2, "Alice", "That movie was great, we watched it twice in July 2023.", july, session="s2"),
    ])
    retriever = HybridRetriever(store)
    question = "Which movie did Alice watch on 1 May 2023?"
    assert "2023" not in retriever.query_text(tenant, question)  # the range handles the date, not the words
    found = retriever.search(tenant, question, k=2)
    assert ids(found)[0] == "ep1"  # said the day after the date; the other turn only repeats the words
    assert "time" in found[0].sources


def test_explicit_date_wins_over_a_relative_phrase() -> None:
    pytest.importorskip("duckling")
    now = [datetime(2023, 12, 1, tzinfo=UTC)]
    window = _question_range("Where did Andrew go during the first weekend of August 2023?", now)
    assert window is not None and window.start is not None and window.start.month == 8


@pytest.mark.parametrize("question", [
    "Who moved to Boston in November 2021?", "What did Alice do between April 1 and 9, 2022?",
    "Where was Bob on 3 May 2023?", "What happened in the summer of 2020?", "Who visited Paris in 2019?",
    "Where did Andrew go during the first weekend of August 2023?", "What did she do last week?",
    "What did Carol buy in June?", "Where did he go two days after 16 November 2022?",
])
def test_a_question_parsed_once_gets_the_range_a_second_parse_gives(question: str) -> None:
    # The question is parsed against the clock first; when every time it names states its year, that parse
    # is reused instead of a second one against the memory's latest turn.
    pytest.importorskip("duckling")
    memory_now = [datetime(2024, 2, 10, tzinfo=UTC)]
    first = _time_mentions(question, datetime(2026, 11, 22, tzinfo=UTC))
    assert _question_range(question, memory_now, first) == _question_range(question, memory_now)


def test_time_range_boosts_episodes_said_in_it(store: Store, tenant: str) -> None:
    write(store, tenant, [
        turn(tenant, 1, "Alice", "We went to the beach.", T0),
        turn(tenant, 2, "Alice", "We went to the beach.".replace("We", "Then we"), T0 + timedelta(days=60),
             session="s2"),
    ])
    retriever = HybridRetriever(store)
    july = Interval.between(T0 + timedelta(days=50), T0 + timedelta(days=70))
    assert ids(retriever.search(tenant, "When did we go to the beach?", k=2, time_range=july))[0] == "ep2"
    may = Interval.between(T0 - timedelta(days=1), T0 + timedelta(days=1))
    found = retriever.search(tenant, "When did we go to the beach?", k=2, time_range=may)
    assert ids(found)[0] == "ep1"
    assert "time" in found[0].sources


def test_time_range_selects_through_events_only_when_they_fit_the_pool(store: Store, tenant: str) -> None:
    # The turns share no word with the question; only the events dated in the range lead to them.
    turns = [turn(tenant, n, "Alice", text) for n, text in enumerate(["Legs are jelly.", "So tired!", "Huge day."])]
    events = [Event(version_id=f"v{n}", lineage_id=f"ev{n}", tenant=tenant, recorded_at=T0, predicate="do",
                    summary="something", valid=Interval.granule(T0, Granularity.DAY),
                    provenance=(Span(episode_id=f"ep{n}"),)) for n in range(3)]
    write(store, tenant, turns, events=events)
    window = Interval.granule(T0, Granularity.MONTH)
    found = HybridRetriever(store, weights=Weights(pool=3)).search(tenant, "What happened?", k=3, time_range=window)
    assert sorted(ids(found)) == ["ep0", "ep1", "ep2"] and all(e.event_ids for e in found)
    # Three events for a pool of two: which two would be kept is arbitrary, so the range selects nothing.
    assert HybridRetriever(store, weights=Weights(pool=2)).search(tenant, "What happened?", k=3,
                                                                  time_range=window) == []


def test_entity_expansion_reaches_episodes_through_events(store: Store, tenant: str) -> None:
    alice = Entity(version_id="v-alice", lineage_id="en-alice", tenant=tenant, recorded_at=T0, name="Alice",
                   type="person", provenance=(Span(episode_id="ep1"),))
    # The turn never says "marathon"; the extracted event does, and it is about Alice.
    event = Event(version_id="v-run", lineage_id="ev-run", tenant=tenant, recorded_at=T0, predicate="run",
                  summary="Alice ran a marathon", participants=(Participant(entity_id="en-alice"),),
                  valid=Interval.granule(T0, Granularity.DAY), provenance=(Span(episode_id="ep1"),))
    write(store, tenant, [
        turn(tenant, 1, "Alice", "Finished all 42 km this morning, legs are jelly!"),
        turn(tenant, 2, "Bob", "Nice weather today."),
    ], entities=[alice], events=[event])
    found = HybridRetriever(store).search(tenant, "When did Alice run a marathon?", k=2)
    assert ids(found)[0] == "ep1"
    assert "entity" in found[0].sources
    assert found[0].event_ids == ["ev-run"]


class StoreCalls:
    """The store, with a record of the calls made to some of its reads (a spy, not a fake)."""

    def __init__(self, store: Store, *names: str) -> None:
        self.store = store
        self.calls: dict[str, list[tuple[object, ...]]] = {name: [] for name in names}

    def __getattr__(self, name: str) -> object:
        method = getattr(self.store, name)
        if name not in self.calls:
            return method

        def recorded(*args: object, **kwargs: object) -> object:
            self.calls[name].append(args)
            return method(*args, **kwargs)

        return recorded


def test_names_are_checked_against_the_participants_without_probing_the_index(store: Store, tenant: str) -> None:
    # Whether a name speaks in this memory is one store read for all the question's names; before, each
    # name that was no entity with turns of its own cost a full-text probe ("Jones Group": three).
    write(store, tenant, [turn(tenant, 1, "Dana Reyes", "I moved to Lisbon last spring, Acme hired me."),
                          turn(tenant, 2, "Bob", "Dana moved to Lisbon? Nice.")])
    spy = StoreCalls(store, "search_text")
    retriever = HybridRetriever(spy)  # type: ignore[arg-type]
    # "Dana" speaks (her first name): her own turn wins over Bob's, which has her name and more words.
    assert ids(retriever.search(tenant, "Where did Dana move to?", k=2)) == ["ep1", "ep2"]
    # "Lisbon" and "Acme Group" do not: the question's own full-text read is the only one.
    assert len(retriever.search(tenant, "Who moved to Lisbon for Acme Group?", k=1)) == 1
    assert len(spy.calls["search_text"]) == 2


def test_facts_match_a_question_on_words_other_than_their_entitys_name(store: Store, tenant: str) -> None:
    acme = Entity(version_id="v-acme", lineage_id="en-acme", tenant=tenant, recorded_at=T0, name="Acme Group",
                  aliases=("Acme",), type="organization")
    dana = Entity(version_id="v-dana", lineage_id="en-dana", tenant=tenant, recorded_at=T0, name="Dana",
                  type="person")
    # The turn says neither "works" nor "Acme"; the fact read from it does.
    works = FactInput(subject_id="en-dana", relation="works_at", object_id="en-acme",
                      provenance=(Span(episode_id="ep1"),))
    write(store, tenant, [turn(tenant, 1, "Dana", "They finally hired me, I start Monday!"),
                          turn(tenant, 2, "Bob", "Nice weather today.")], entities=[acme, dana])
    store.write(Batch(tenant=tenant, facts=[works]), recorded_at=T0)
    [fact] = store.facts(tenant)
    spy = StoreCalls(store, "facts", "fact_relations")
    retriever = HybridRetriever(spy)  # type: ignore[arg-type]

    def pointing_reads() -> list[object]:  # reads of the facts whose value is the company
        return [args[1] for args in spy.calls["facts"] if args[1].object_id == "en-acme"]  # type: ignore[attr-defined]

    # "works" is half of works/acme: the company's facts are read, and "works at" is enough.
    found = retriever.search(tenant, "Who works at Acme?", k=1)
    assert ids(found) == ["ep1"] and found[0].fact_ids == [fact.lineage_id] and "entity" in found[0].sources
    assert len(pointing_reads()) == 1
    # A third of works/acme/group (the rest is the company's name, which no fact about it needs to
    # repeat): no fact can share half of the words, so none is read, nor counted.
    reads = len(spy.calls["facts"]) + len(spy.calls["fact_relations"])
    found = retriever.search(tenant, "Who works at Acme Group?", k=2)
    assert all("entity" not in e.sources for e in found)
    assert len(spy.calls["facts"]) + len(spy.calls["fact_relations"]) == reads
    # "moved" could match a fact of the company's own, but the facts pointing at it are counted by
    # relation, and "works at" shares nothing with "moved": they are not read.
    retriever.search(tenant, "Who moved to Acme?", k=1)
    assert len(pointing_reads()) == 1 and len(spy.calls["fact_relations"]) == 2


def test_the_words_of_a_name_that_is_an_entity_are_not_looked_up(store: Store, tenant: str) -> None:
    places = [Entity(version_id=f"v-{n}", lineage_id=f"en-{n}", tenant=tenant, recorded_at=T0, name=name,
                     type="place") for n, name in enumerate(["Boston", "Boston 51"])]
    write(store, tenant, [turn(tenant, 1, "Dana", "Moved again!")], entities=places)
    spy = StoreCalls(store, "find_entities")
    retriever = HybridRetriever(spy)  # type: ignore[arg-type]
    retriever.search(tenant, "Who moved to Boston 51?", k=1)
    assert [args[1] for args in spy.calls["find_entities"]] == ["Boston 51"]  # not Boston as well
    retriever.search(tenant, "Who moved to Boston Harbor?", k=1)  # no such entity: its words are tried
    assert [args[1] for args in spy.calls["find_entities"]][1:] == ["Boston Harbor", "Boston", "Harbor"]


def test_basis_hides_episodes_recorded_later(store: Store, tenant: str) -> None:
    write(store, tenant, [turn(tenant, 1, "Alice", "I bought a red bicycle.")], at=T0)
    write(store, tenant, [turn(tenant, 2, "Alice", "I sold the red bicycle.", T0 + timedelta(days=30))],
          at=T0 + timedelta(days=30))
    retriever = HybridRetriever(store)
    assert set(ids(retriever.search(tenant, "red bicycle", k=5))) == {"ep1", "ep2"}
    early = Basis(as_of=T0 + timedelta(days=1))
    assert ids(retriever.search(tenant, "red bicycle", k=5, basis=early)) == ["ep1"]


def test_fallback_returns_search_hits(store: Store, tenant: str) -> None:
    write(store, tenant, [turn(tenant, 1, "Alice", "My sister lives in Porto.")])
    fallback = HybridRetriever(store).as_fallback(tenant, Basis())
    hits = fallback("Where does the sister live?", 3, None)
    assert hits and isinstance(hits[0], SearchHit) and hits[0].episode_id == "ep1"
    assert fallback("", 3, None) == []


def test_tenants_do_not_leak(store: Store, tenant: str) -> None:
    write(store, tenant, [turn(tenant, 1, "Alice", "The secret word is pineapple.")])
    assert HybridRetriever(store).search(tenant + "_other", "secret pineapple", k=3) == []


@pytest.mark.parametrize(("text", "names"), [
    ("When did Caroline go to the LGBTQ support group?", ["Caroline", "LGBTQ"]),
    ("Where did Alice work before she moved to New York?", ["Alice", "New York", "New", "York"]),
    ("What do Melanie's kids like?", ["Melanie"]),
    ("what does she like?", []),
    ("Who moved to Boston 51 in 2019?", ["Boston 51", "Boston"]),
    ("Did Jon visit Terminal 5, or gate 7?", ["Jon", "Terminal 5", "Terminal"]),
])
def test_names_in_questions(text: str, names: list[str]) -> None:
    assert names_in(text) == names
    assert all(w == w.casefold() for w in analyse(text).words)
