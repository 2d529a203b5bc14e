"""The store-conformance suite: the bi-temporal contract every store must keep (DESIGN.md §2)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from tkgmem.errors import ConflictError, NotFoundError
from tkgmem.model import (
    Batch,
    Entity,
    Episode,
    Event,
    EventLink,
    EventQuery,
    FactInput,
    FactQuery,
    LinkType,
    Modality,
    Span,
)
from tkgmem.store import Store
from tkgmem.temporal import Basis, Granularity, Interval, as_utc


def t(s: str) -> datetime:
    return as_utc(s)


def person(tenant: str, name: str, type_: str = "person") -> Entity:
    eid = Entity.make_id(tenant, name, type_)
    return Entity(version_id=f"{eid}_v1", lineage_id=eid, tenant=tenant, name=name, type=type_,
                  recorded_at=t("2000-01-01"))


def episode(tenant: str, text: str, when: str, speaker: str = "Alice", source: str = "chat") -> Episode:
    ref = t(when)
    return Episode(id=Episode.make_id(tenant, source, text, ref), tenant=tenant, source=source, speaker=speaker,
                   text=text, reference_time=ref)


def lives(subject: Entity, city: Entity, start: str | None, end: str | None = None,
          ep: Episode | None = None) -> FactInput:
    return FactInput(subject_id=subject.lineage_id, relation="lives_in", object_id=city.lineage_id,
                     valid=Interval.between(start, end, Granularity.MONTH),
                     provenance=(Span(episode_id=ep.id),) if ep else ())


def where(store: Store, tenant: str, alice: Entity, basis: Basis) -> list[str]:
    facts = store.facts(tenant, FactQuery(subject_id=alice.lineage_id, relation="lives_in"), basis)
    names = []
    for f in facts:
        assert f.object_id is not None
        e = store.entity(tenant, f.object_id)
        assert e is not None
        names.append(e.name)
    return names


@pytest.fixture
def alice_story(store: Store, tenant: str) -> dict[str, Entity]:
    """Paris from 2019 (told 2019-03); Berlin from 2022-02 (told 2023-02); late news: Munich 2021-05..2022-02
    (told 2024-03); London from 2024-04 (told 2024-04-10)."""
    ents = {n: person(tenant, n, "person" if n == "Alice" else "place")
            for n in ["Alice", "Paris", "Berlin", "Munich", "London"]}
    store.write(Batch(tenant=tenant, entities=list(ents.values())), recorded_at=t("2019-01-01"))
    a = ents["Alice"]
    steps = [
        ("2019-03-01", "I live in Paris since January", lives(a, ents["Paris"], "2019-01-01")),
        ("2023-02-01", "I moved to Berlin last February", lives(a, ents["Berlin"], "2022-02-01")),
        ("2024-03-01", "Before Berlin I lived in Munich", lives(a, ents["Munich"], "2021-05-01", "2022-02-01")),
        ("2024-04-10", "I just moved to London", lives(a, ents["London"], "2024-04-01")),
    ]
    for when, text, fact in steps:
        ep = episode(tenant, text, when)
        store.write(Batch(tenant=tenant, episodes=[ep],
                          facts=[fact.model_copy(update={"provenance": (Span(episode_id=ep.id),)})]),
                    recorded_at=t(when))
    return ents


def test_four_bitemporal_questions_have_distinct_answers(store: Store, tenant: str, alice_story) -> None:
    alice = alice_story["Alice"]
    now = where(store, tenant, alice, Basis(valid_at="2024-06-15"))
    in_2021 = where(store, tenant, alice, Basis(valid_at="2021-08-01"))
    believed_then = where(store, tenant, alice, Basis(valid_at="2024-01-15", as_of="2024-01-15"))
    believed_then_about_2021 = where(store, tenant, alice, Basis(valid_at="2021-08-01", as_of="2024-01-15"))
    assert now == ["London"]
    assert in_2021 == ["Munich"]
    assert believed_then == ["Berlin"]
    assert believed_then_about_2021 == ["Paris"]


def test_default_basis_is_now_and_latest(store: Store, tenant: str, alice_story) -> None:
    assert where(store, tenant, alice_story["Alice"], Basis()) == ["London"]


def test_late_arriving_older_information_goes_before_current_value(store: Store, tenant: str, alice_story) -> None:
    alice = alice_story["Alice"]
    facts = store.facts(tenant, FactQuery(subject_id=alice.lineage_id, relation="lives_in",
                                          valid_overlaps=Interval()), Basis())
    spans = {store.entity(tenant, f.object_id).name: (f.valid.start, f.valid.end) for f in facts}  # type: ignore[arg-type,union-attr]
    assert spans["Paris"] == (t("2019-01-01"), t("2021-05-01"))
    assert spans["Munich"] == (t("2021-05-01"), t("2022-02-01"))
    assert spans["Berlin"] == (t("2022-02-01"), t("2024-04-01"))
    assert spans["London"] == (t("2024-04-01"), None)


def test_history_keeps_every_version_and_expiry_is_the_only_change(store: Store, tenant: str, alice_story) -> None:
    alice, paris = alice_story["Alice"], alice_story["Paris"]
    paris_fact = store.facts(tenant, FactQuery(subject_id=alice.lineage_id, object_id=paris.lineage_id),
                             Basis(valid_at="2020-01-01", as_of="2020-01-01"))[0]
    versions = store.history(tenant, paris_fact.lineage_id)
    assert [(v.valid.end, v.recorded_at, v.expired_at) for v in versions] == [
        (None, t("2019-03-01"), t("2023-02-01")),
        (t("2022-02-01"), t("2023-02-01"), t("2024-03-01")),
        (t("2021-05-01"), t("2024-03-01"), None),
    ]
    assert versions[1].supersedes == versions[0].version_id
    assert all(v.lineage_id == paris_fact.lineage_id for v in versions)


def test_correction_is_visible_only_from_its_recording_time(store: Store, tenant: str, alice_story) -> None:
    alice, london = alice_story["Alice"], alice_story["London"]
    fact = store.facts(tenant, FactQuery(subject_id=alice.lineage_id, object_id=london.lineage_id))[0]
    store.correct_fact(tenant, fact.lineage_id, valid=Interval.between("2024-03-15", None, Granularity.DAY),
                       recorded_at=t("2024-05-01"))
    before = Basis(valid_at="2024-03-20", as_of="2024-04-20")
    after = Basis(valid_at="2024-03-20", as_of="2024-05-02")
    assert where(store, tenant, alice, before) == ["Berlin"]
    assert where(store, tenant, alice, after) == ["London"]
    assert where(store, tenant, alice, Basis(valid_at="2024-03-20")) == ["London"]
    history = store.history(tenant, fact.lineage_id)
    assert history[-1].reason == "correction" and history[-1].recorded_at == t("2024-05-01")


def test_correction_cannot_predate_the_version_it_replaces(store: Store, tenant: str, alice_story) -> None:
    alice, london = alice_story["Alice"], alice_story["London"]
    fact = store.facts(tenant, FactQuery(subject_id=alice.lineage_id, object_id=london.lineage_id))[0]
    with pytest.raises(ConflictError):
        store.correct_fact(tenant, fact.lineage_id, valid=Interval.between("2024-03-01", None),
                           recorded_at=t("2020-01-01"))


def test_retraction_expires_without_successor(store: Store, tenant: str, alice_story) -> None:
    alice, london = alice_story["Alice"], alice_story["London"]
    fact = store.facts(tenant, FactQuery(subject_id=alice.lineage_id, object_id=london.lineage_id))[0]
    store.retract(tenant, fact.lineage_id, recorded_at=t("2024-05-01"))
    assert where(store, tenant, alice, Basis(valid_at="2024-06-15")) == []
    assert where(store, tenant, alice, Basis(valid_at="2024-06-15", as_of="2024-04-30")) == ["London"]
    assert [v.expired_at for v in store.history(tenant, fact.lineage_id)] == [t("2024-05-01")]
    with pytest.raises(NotFoundError):
        store.retract(tenant, fact.lineage_id)
    # A fully retracted fact is still found when every version is asked for, whatever the basis.
    everything = store.facts(tenant, FactQuery(entity_id=alice.lineage_id, all_versions=True),
                             Basis(valid_at="1990-01-01", as_of="1990-01-01"))
    assert fact.lineage_id in {f.lineage_id for f in everything}
    assert len(everything) == len({f.version_id for f in everything}) >= 4


@pytest.mark.parametrize("basis", [Basis(), Basis(valid_at="2021-06-01"), Basis(as_of="2023-01-01"),
                                   Basis(valid_at="2019-01-01", as_of="2030-01-01")], ids=str)
def test_fact_counts_agree_with_facts(store: Store, tenant: str, alice_story, basis: Basis) -> None:
    """Counting in the store must see exactly the facts reading sees, for every filter and basis."""
    alice = alice_story["Alice"]
    queries = [FactQuery(), FactQuery(subject_id=alice.lineage_id), FactQuery(entity_id=alice.lineage_id),
               FactQuery(relation="lives_in"), FactQuery(relations=["lives_in", "works_at"]),
               FactQuery(valid_overlaps=Interval.between("2021-01-01", "2022-01-01")),
               FactQuery(valid_overlaps=Interval()), FactQuery(all_versions=True),
               FactQuery(entity_id=alice.lineage_id, all_versions=True, limit=1),
               FactQuery(exclude_object_ids=[alice_story["Paris"].lineage_id, alice_story["London"].lineage_id]),
               FactQuery(exclude_subject_ids=[alice.lineage_id], all_versions=True),
               FactQuery(exclude_relations=["lives in"], relations=["lives_in", "works_at"]),
               FactQuery(exclude_relations=["works at"])]
    counts = [store.count_facts(tenant, q, basis) for q in queries]
    assert counts == [len(store.facts(tenant, q.model_copy(update={"limit": None}), basis)) for q in queries]
    assert counts[8] > 1 and store.count_facts("no-such-tenant", FactQuery(), basis) == 0
    # exclusions take away exactly the facts they name (a synonym names its relation)
    gone = {alice_story["Paris"].lineage_id, alice_story["London"].lineage_id}
    assert counts[9] == len([f for f in store.facts(tenant, FactQuery(), basis) if f.object_id not in gone])
    assert not gone & {f.object_id for f in store.facts(tenant, queries[9], basis)}
    assert counts[10:] == [0, 0, counts[0]]
    for at_most in (0, 1, 2, 100):  # counting stops there ("are there more than n?")
        assert [store.count_facts(tenant, q, basis, at_most=at_most) for q in queries] == [
            min(n, at_most) for n in counts]
    # Per relation, the same facts again: the relations of an entity's facts without reading them.
    for q in queries:
        read = Counter(f.relation for f in store.facts(tenant, q.model_copy(update={"limit": None}), basis))
        assert store.fact_relations(tenant, q, basis) == dict(sorted(read.items()))
    assert store.fact_relations("no-such-tenant", FactQuery(), basis) == {}


def test_contradiction_touches_only_same_subject_and_relation(store: Store, tenant: str) -> None:
    alice, bob = person(tenant, "Alice"), person(tenant, "Bob")
    paris, rome, acme = (person(tenant, n, "place") for n in ("Paris", "Rome", "Acme"))
    store.write(Batch(tenant=tenant, entities=[alice, bob, paris, rome, acme]), recorded_at=t("2020-01-01"))
    store.write(Batch(tenant=tenant, facts=[
        lives(alice, paris, "2020-01-01"), lives(bob, paris, "2020-01-01"),
        FactInput(subject_id=alice.lineage_id, relation="works_at", object_id=acme.lineage_id,
                  valid=Interval.since("2020-01-01")),
        FactInput(subject_id=alice.lineage_id, relation="likes", object_id=paris.lineage_id,
                  valid=Interval.since("2020-01-01")),
    ]), recorded_at=t("2020-02-01"))
    store.write(Batch(tenant=tenant, facts=[lives(alice, rome, "2021-01-01")]), recorded_at=t("2021-02-01"))
    now = Basis(valid_at="2022-01-01")
    assert where(store, tenant, alice, now) == ["Rome"]
    assert where(store, tenant, bob, now) == ["Paris"]
    alice_rel = {f.relation for f in store.facts(tenant, FactQuery(subject_id=alice.lineage_id), now)}
    assert alice_rel == {"lives_in", "works_at", "likes"}
    # multi-valued relations accumulate instead of replacing each other
    store.write(Batch(tenant=tenant, facts=[FactInput(subject_id=alice.lineage_id, relation="likes",
                                                      object_id=rome.lineage_id, valid=Interval.since("2021-06-01"))]),
                recorded_at=t("2021-07-01"))
    liked = store.facts(tenant, FactQuery(subject_id=alice.lineage_id, relation="likes"), now)
    assert len(liked) == 2


def test_same_value_said_again_is_one_fact(store: Store, tenant: str) -> None:
    alice, paris = person(tenant, "Alice"), person(tenant, "Paris", "place")
    store.write(Batch(tenant=tenant, entities=[alice, paris]), recorded_at=t("2020-01-01"))
    store.write(Batch(tenant=tenant, facts=[lives(alice, paris, "2020-01-01")]), recorded_at=t("2020-02-01"))
    report = store.write(Batch(tenant=tenant, facts=[lives(alice, paris, "2020-06-01")]), recorded_at=t("2020-07-01"))
    assert report.facts_added == 0 and report.facts_unchanged == 1
    # an earlier start for the same value widens the interval as a new version of the same lineage
    store.write(Batch(tenant=tenant, facts=[lives(alice, paris, "2019-06-01")]), recorded_at=t("2020-08-01"))
    facts = store.facts(tenant, FactQuery(subject_id=alice.lineage_id), Basis(valid_at="2019-07-01"))
    assert len(facts) == 1 and facts[0].valid.start == t("2019-06-01")
    assert len(store.history(tenant, facts[0].lineage_id)) == 2


def test_reingest_is_a_noop(store: Store, tenant: str) -> None:
    alice, paris = person(tenant, "Alice"), person(tenant, "Paris", "place")
    ep = episode(tenant, "I live in Paris", "2020-01-01")
    batch = Batch(tenant=tenant, episodes=[ep], entities=[alice, paris],
                  facts=[lives(alice, paris, "2020-01-01", ep=ep)])
    first = store.write(batch, recorded_at=t("2020-01-02"))
    before = store.stats(tenant)
    second = store.write(batch, recorded_at=t("2020-01-03"))
    assert first.episodes_added == 1 and second.episodes_added == 0 and second.episodes_skipped == 1
    assert store.stats(tenant) == before


def test_erase_deletes_episode_and_what_only_it_supports(store: Store, tenant: str) -> None:
    alice, paris, rome = person(tenant, "Alice"), person(tenant, "Paris", "place"), person(tenant, "Rome", "place")
    e1, e2 = episode(tenant, "I live in Paris", "2020-01-01"), episode(tenant, "I like Rome", "2020-01-02")
    store.write(Batch(tenant=tenant, episodes=[e1, e2], entities=[alice, paris, rome], facts=[
        lives(alice, paris, "2020-01-01", ep=e1),
        FactInput(subject_id=alice.lineage_id, relation="likes", object_id=rome.lineage_id,
                  provenance=(Span(episode_id=e2.id),)),
    ]), recorded_at=t("2020-01-03"))
    report = store.erase(tenant, episode_ids=[e1.id], actor="dpo@example.com", reason="GDPR request 42")
    assert report.episodes == 1 and report.versions == 1
    assert store.episodes(tenant, [e1.id, e2.id]) == [store.episodes(tenant, [e2.id])[0]]
    assert store.search_text(tenant, "Paris") == []
    assert {f.relation for f in store.facts(tenant, FactQuery(subject_id=alice.lineage_id),
                                             Basis(valid_at="2020-06-01"))} == {"likes"}
    log = store.audit_log(tenant)
    assert log[-1]["action"] == "erase" and log[-1]["reason"] == "GDPR request 42"
    assert "Paris" not in str(log)


def test_erasing_every_mention_of_an_entity_forgets_its_names(store: Store, tenant: str) -> None:
    ep = episode(tenant, "Zed Quill came by", "2020-01-01")
    zed = person(tenant, "Zed Quill").model_copy(update={"aliases": ("Zeddy",),
                                                          "provenance": (Span(episode_id=ep.id),)})
    store.write(Batch(tenant=tenant, episodes=[ep], entities=[zed]), recorded_at=t("2020-01-02"))
    assert [e.name for e in store.find_entities(tenant, "zeddy")] == ["Zed Quill"]
    store.erase(tenant, episode_ids=[ep.id], actor="dpo", reason="request")
    assert store.entity(tenant, zed.lineage_id) is None
    assert store.find_entities(tenant, "zeddy") == [] and store.find_entities(tenant, "quill", words=True) == []


def test_erase_entity(store: Store, tenant: str) -> None:
    alice, paris = person(tenant, "Alice"), person(tenant, "Paris", "place")
    store.write(Batch(tenant=tenant, entities=[alice, paris], facts=[lives(alice, paris, "2020-01-01")]),
                recorded_at=t("2020-01-03"))
    store.erase(tenant, entity_id=alice.lineage_id, actor="admin", reason="right to be forgotten")
    assert store.entity(tenant, alice.lineage_id) is None
    assert store.find_entities(tenant, "alice") == []
    assert store.facts(tenant, FactQuery(object_id=paris.lineage_id), Basis(valid_at="2021-01-01")) == []


def test_timeline_diff_and_changes_since(store: Store, tenant: str, alice_story) -> None:
    alice = alice_story["Alice"]
    line = store.timeline(tenant, alice.lineage_id)
    assert [store.entity(tenant, i.item.object_id).name for i in line] == ["Paris", "Munich", "Berlin", "London"]  # type: ignore[union-attr]
    old = store.timeline(tenant, alice.lineage_id, Basis(as_of="2024-01-15"))
    assert len(old) == 2
    diff = store.diff(tenant, Basis(valid_at="2024-06-01", as_of="2024-01-15"), Basis(valid_at="2024-06-01"))
    assert len(diff.changed) == 0 and len(diff.added) == 1 and len(diff.removed) == 1
    changes = store.changes_since(tenant, t("2024-03-01"))
    assert {c.action for c in changes} == {"recorded", "expired"}
    assert all(c.at >= t("2024-03-01") for c in changes)
    assert changes == sorted(changes, key=lambda c: c.at)


def test_entities_by_name_and_versioned_attributes(store: Store, tenant: str) -> None:
    alice = person(tenant, "Alice")
    store.write(Batch(tenant=tenant, entities=[alice]), recorded_at=t("2020-01-01"))
    renamed = alice.model_copy(update={"aliases": ("Ally",), "attributes": {"age": 30}})
    store.write(Batch(tenant=tenant, entities=[renamed]), recorded_at=t("2021-01-01"))
    assert [e.lineage_id for e in store.find_entities(tenant, "ALLY")] == [alice.lineage_id]
    assert store.entity(tenant, alice.lineage_id, Basis(as_of="2020-06-01")).attributes == {}  # type: ignore[union-attr]
    assert store.entity(tenant, alice.lineage_id).attributes == {"age": 30}  # type: ignore[union-attr]
    assert len(store.history(tenant, alice.lineage_id)) == 2


def test_entities_by_words_nearest_first(store: Store, tenant: str) -> None:
    leo, just_leo, ana = person(tenant, "Leo Silva"), person(tenant, "Leo"), person(tenant, "Ana Silva-Berg")
    city = person(tenant, "New New York", "place")
    store.write(Batch(tenant=tenant, entities=[leo, just_leo, ana, city]), recorded_at=t("2020-01-01"))

    def words(name: str, **kw) -> list[str]:
        return [e.name for e in store.find_entities(tenant, name, words=True, **kw)]

    assert words("leo") == ["Leo", "Leo Silva"]  # "Leo" equals it; "Leo Silva" holds it
    assert words("Dr  LEO Silva") == ["Leo Silva", "Leo"]  # both are held by it; "Leo Silva" differs by one
    assert words("silva") == ["Leo Silva"]  # "silva-berg" is another word
    assert words("new york") == ["New New York"]  # a repeated word counts once
    assert words("Leo Berg") == ["Leo"]
    assert words("Atlantis") == [] and words("   ") == []
    assert words("leo", limit=1) == ["Leo"]
    assert words("leo", type="place") == []
    store.write(Batch(tenant=tenant, entities=[leo.model_copy(update={"aliases": ("Leonardo Silva",)})]),
                recorded_at=t("2021-01-01"))
    assert words("leonardo") == ["Leo Silva"]  # by its alias
    # any name ever used finds the entity, as the version believed at the basis
    old = store.find_entities(tenant, "leonardo", words=True, basis=Basis(as_of="2020-06-01"))
    assert [(e.name, e.aliases) for e in old] == [("Leo Silva", ())]
    store.erase(tenant, entity_id=just_leo.lineage_id, actor="admin", reason="request")
    assert words("leo") == ["Leo Silva"]


def test_events_links_and_participants(store: Store, tenant: str) -> None:
    alice = person(tenant, "Alice")
    ep = episode(tenant, "I went to the support group yesterday", "2023-05-08")
    ev1 = Event(version_id="v_e1", lineage_id="ev_1", tenant=tenant, predicate="go", summary="support group",
                participants=({"entity_id": alice.lineage_id, "role": "agent"},),  # type: ignore[arg-type]
                valid=Interval.granule("2023-05-07", Granularity.DAY), recorded_at=t("2023-05-08"),
                provenance=(Span(episode_id=ep.id, start=0, end=10),))
    ev2 = ev1.model_copy(update={"version_id": "v_e2", "lineage_id": "ev_2", "predicate": "feel",
                                 "valid": Interval.granule("2023-05-08", Granularity.DAY)})
    store.write(Batch(tenant=tenant, episodes=[ep], entities=[alice], events=[ev1, ev2],
                      links=[EventLink(tenant=tenant, source_id="ev_1", target_id="ev_2", type=LinkType.CAUSE)]),
                recorded_at=t("2023-05-08"))
    found = store.events(tenant, EventQuery(participant_id=alice.lineage_id))
    assert [e.predicate for e in found] == ["go", "feel"]
    assert found[0].provenance[0].start == 0
    during = store.events(tenant, EventQuery(valid_overlaps=Interval.granule("2023-05-07", Granularity.DAY)))
    assert [e.lineage_id for e in during] == ["ev_1"]
    assert [lk.type for lk in store.event_links(tenant, ["ev_2"])] == [LinkType.CAUSE]




def test_an_event_dated_by_a_corrected_event_moves_with_it(store: Store, tenant: str) -> None:
    alice = person(tenant, "Alice")
    told = episode(tenant, "We moved to Berlin last month! So I relocated with the team.", "2022-09-05")
    august, july = Interval.granule("2022-08-01", Granularity.MONTH), Interval.granule("2022-07-01", Granularity.MONTH)
    move = Event(version_id="v_move", lineage_id="ev_move", tenant=tenant, predicate="move", summary="moved to Berlin",
                 participants=({"entity_id": alice.lineage_id, "role": "agent"},),  # type: ignore[arg-type]
                 valid=august, recorded_at=t("2022-09-05"), provenance=(Span(episode_id=told.id, start=0, end=29),))
    relocate = move.model_copy(update={"version_id": "v_reloc", "lineage_id": "ev_reloc", "predicate": "relocate",
                                       "provenance": (Span(episode_id=told.id, start=31, end=60),)})
    # dated by the move too, but re-dated on its own before the correction: it stays where it was put
    party = move.model_copy(update={"version_id": "v_party", "lineage_id": "ev_party", "predicate": "party"})
    other = move.model_copy(update={"version_id": "v_gym", "lineage_id": "ev_gym", "predicate": "join"})  # no link
    store.write(Batch(tenant=tenant, episodes=[told], entities=[alice], events=[move, relocate, party, other],
                      links=[EventLink(tenant=tenant, source_id=e, target_id="ev_move", type=LinkType.DATED_BY,
                                       episode_id=told.id) for e in ("ev_reloc", "ev_party")]),
                recorded_at=t("2022-09-05"))
    said = episode(tenant, "The party was in June, actually.", "2022-10-01")
    store.write(Batch(tenant=tenant, episodes=[said], events=[party.model_copy(update={
        "version_id": "v_party2", "valid": Interval.granule("2022-06-01", Granularity.MONTH),
        "provenance": (Span(episode_id=said.id),)})]), recorded_at=t("2022-10-01"))
    fixed = episode(tenant, "We actually moved to Berlin in July 2022, not August.", "2023-03-02")
    report = store.write(Batch(tenant=tenant, episodes=[fixed], events=[move.model_copy(update={
        "version_id": "v_move2", "valid": july, "provenance": (Span(episode_id=fixed.id),)})]),
        recorded_at=t("2023-03-02"))
    assert report.versions_expired == 2  # the move and the relocation that took its date
    now = {e.lineage_id: e.valid for e in store.events(tenant)}
    assert now == {"ev_move": july, "ev_reloc": july, "ev_gym": august,
                   "ev_party": Interval.granule("2022-06-01", Granularity.MONTH)}
    history = store.history(tenant, "ev_reloc")
    assert [(v.valid, v.reason, v.expired_at) for v in history] == [
        (august, None, t("2023-03-02")), (july, "redated", None)]
    assert history[-1].provenance == relocate.provenance
    before = {e.lineage_id: e.valid for e in store.events(tenant, basis=Basis(as_of="2023-01-01"))}
    assert before["ev_reloc"] == august  # what the memory believed before the correction
    links = store.event_links(tenant, ["ev_reloc"])
    assert [(lk.source_id, lk.type, lk.target_id) for lk in links] == [("ev_reloc", LinkType.DATED_BY, "ev_move")]
@pytest.mark.parametrize("window", [None, Interval.between("2023-03-01", "2023-09-01")])
def test_limited_events_are_the_first_of_the_unlimited_order(store: Store, tenant: str,
                                                              window: Interval | None) -> None:
    ep = episode(tenant, "a year of plans and outings", "2023-12-31")
    starts = [None, "2023-06-01", None, "2023-02-01", "2023-04-01", "2023-08-01", "2023-10-01", "2023-05-01"]
    events = [Event(version_id=f"v_l{i}", lineage_id=f"ev_l{i}", tenant=tenant, predicate="do", summary=f"thing {i}",
                    valid=Interval.between(s, None) if s is None else Interval.granule(s, Granularity.MONTH),
                    modality=Modality.PLANNED if i % 3 == 0 else Modality.HAPPENED,
                    recorded_at=t("2023-12-31"), provenance=(Span(episode_id=ep.id),))
              for i, s in enumerate(starts)]
    store.write(Batch(tenant=tenant, episodes=[ep], events=events), recorded_at=t("2023-12-31"))
    every = [e.lineage_id for e in store.events(tenant, EventQuery(valid_overlaps=window))]
    assert every[:2] == ["ev_l0", "ev_l2"]  # open starts first, then by start
    for limit in (1, 2, 3, 5, 50):
        assert [e.lineage_id for e in store.events(tenant, EventQuery(valid_overlaps=window, limit=limit))] \
            == every[:limit]
    happened = [e.lineage_id for e in store.events(tenant, EventQuery(valid_overlaps=window,
                                                                      modalities=[Modality.HAPPENED]))]
    assert "ev_l0" not in happened and "ev_l1" in happened
    assert [e.lineage_id for e in store.events(
        tenant, EventQuery(valid_overlaps=window, modalities=[Modality.HAPPENED], limit=2))] == happened[:2]

def test_search_text_and_vector(store: Store, tenant: str) -> None:
    e1 = episode(tenant, "We adopted a puppy named Rex", "2023-01-01")
    e2 = episode(tenant, "Work was busy", "2023-01-02")
    store.write(Batch(tenant=tenant, episodes=[e1, e2], embeddings={e1.id: [1.0, 0.0, 0.0], e2.id: [0.0, 1.0, 0.0]}),
                recorded_at=t("2023-01-03"))
    assert [h.episode_id for h in store.search_text(tenant, "puppy?")] == [e1.id]
    assert [h.episode_id for h in store.search_vector(tenant, [0.1, 0.9, 0.0], k=1)] == [e2.id]
    assert store.search_text(tenant, "  ") == []
    store.warm(tenant)  # loads what a first search loads; answers stay the same
    store.warm(tenant + "_empty")  # a tenant with nothing stored warms to nothing
    assert [h.episode_id for h in store.search_vector(tenant, [0.9, 0.1, 0.0], k=2)] == [e1.id, e2.id]


def test_speaking_names_the_participants_of_the_tenants_turns(store: Store, tenant: str) -> None:
    ana = episode(tenant, "I moved to Lisbon", "2023-01-01", speaker="Ana Silva")
    to_bob = episode(tenant, "Hi there", "2023-01-02", speaker="Carla").model_copy(update={"addressee": "Bob"})
    doc = episode(tenant, "Quarterly report", "2023-01-03", speaker="", source="docs")
    store.write(Batch(tenant=tenant, episodes=[ana, to_bob, doc]), recorded_at=t("2023-01-04"))
    other = episode(tenant + "_other", "Hello", "2023-01-01", speaker="Zed")
    store.write(Batch(tenant=tenant + "_other", episodes=[other]), recorded_at=t("2023-01-04"))
    names = ["Ana", "ana silva", "ANA SILVA ", "Silva", "Bob", "carla", "Zed", "Lisbon", "", "  "]
    assert store.speaking(tenant, names) == {"Ana", "ana silva", "ANA SILVA ", "Bob", "carla"}
    assert store.speaking(tenant, []) == set() and store.speaking(tenant + "_none", names) == set()
    store.warm(tenant)
    later = episode(tenant, "Hello all", "2023-02-01", speaker="Dana")  # written after a first read
    store.write(Batch(tenant=tenant, episodes=[later]), recorded_at=t("2023-02-02"))
    assert store.speaking(tenant, ["Dana", "Ana"]) == {"Dana", "Ana"}
    store.write(Batch(tenant=tenant, episodes=[ana]), recorded_at=t("2023-02-03"))  # stored already: not counted
    store.import_records(tenant + "_copy", list(store.export_records(tenant)))
    store.import_records(tenant + "_copy", list(store.export_records(tenant)))  # again: nothing new
    assert store.speaking(tenant + "_copy", [*names, "Dana"]) == {"Ana", "ana silva", "ANA SILVA ", "Bob", "carla",
                                                                  "Dana"}
    store.erase(tenant, episode_ids=[ana.id], actor="dpo", reason="erasure request")
    assert store.speaking(tenant, ["Dana", "Ana", "Ana Silva"]) == {"Dana"}  # erased turns speak no more
    store.erase(tenant + "_copy", episode_ids=[ana.id], actor="dpo", reason="erasure request")
    assert store.speaking(tenant + "_copy", ["Dana", "Ana", "Bob"]) == {"Dana", "Bob"}


def test_tenants_are_isolated(store: Store, tenant: str, alice_story) -> None:
    other = tenant + "_other"
    assert store.stats(other).facts == 0
    assert store.find_entities(other, "Alice") == []
    assert store.history(other, store.find_entities(tenant, "Alice")[0].lineage_id) == []
    assert store.search_text(other, "Paris") == []


def test_stats_counts(store: Store, tenant: str, alice_story) -> None:
    s = store.stats(tenant)
    assert (s.episodes, s.entities, s.facts) == (4, 5, 4)
    assert s.expired_versions == s.versions - 9


def test_one_batch_that_adds_and_contradicts(store: Store, tenant: str) -> None:
    alice, paris, rome = person(tenant, "Alice"), person(tenant, "Paris", "place"), person(tenant, "Rome", "place")
    store.write(Batch(tenant=tenant, entities=[alice, paris, rome], facts=[
        lives(alice, paris, "2019-01-01"), lives(alice, rome, "2021-01-01")]), recorded_at=t("2021-02-01"))
    facts = store.facts(tenant, FactQuery(subject_id=alice.lineage_id, valid_overlaps=Interval()))
    assert [(f.valid.start, f.valid.end) for f in facts] == [(t("2019-01-01"), t("2021-01-01")),
                                                            (t("2021-01-01"), None)]
    assert all(f.expired_at is None and f.supersedes is None for f in facts)
    assert store.stats(tenant).versions == 5  # three entities, two facts: nothing expired within the batch
