"""Moving a memory between stores (`tkgmem export`): every version, both time axes, provenance, links, audit.

The source is always an embedded store; the destination is the `store` fixture, so this runs
SQLite -> SQLite here and SQLite -> Neo4j when TKGMEM_NEO4J_URI is set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tkgmem.model import Batch, Entity, Episode, Event, EventLink, FactInput, FactQuery, LinkType, Participant, Span
from tkgmem.store import Store, open_store
from tkgmem.store.transfer import copy_memory
from tkgmem.temporal import Basis, Granularity, Interval, as_utc

QUESTIONS = [
    Basis(valid_at="2024-06-15"),
    Basis(valid_at="2021-08-01"),
    Basis(valid_at="2024-01-15", as_of="2024-01-15"),
    Basis(valid_at="2021-08-01", as_of="2024-01-15"),
    Basis(valid_at="2024-03-20", as_of="2024-04-20"),
    Basis(valid_at="2024-06-15", as_of="2024-05-02"),
]


def _entity(tenant: str, name: str, type_: str) -> Entity:
    eid = Entity.make_id(tenant, name, type_)
    return Entity(version_id=f"{eid}_v1", lineage_id=eid, tenant=tenant, name=name, type=type_,
                  recorded_at=as_utc("2000-01-01"))


def build_memory(src: Store, tenant: str) -> dict[str, Entity]:
    """Alice's moves (with a late-arriving older one), a correction, a retraction, an entity update,
    events with a link, embeddings, a checkpoint and an audit trail."""
    ents = {n: _entity(tenant, n, "person" if n in ("Alice", "Bob") else "place")
            for n in ["Alice", "Bob", "Paris", "Berlin", "Munich", "London"]}
    src.write(Batch(tenant=tenant, entities=list(ents.values())), recorded_at=as_utc("2019-01-01"))
    a = ents["Alice"]
    steps = [("2019-03-01", "I live in Paris since January", "Paris", "2019-01-01", None),
             ("2023-02-01", "I moved to Berlin last February", "Berlin", "2022-02-01", None),
             ("2024-03-01", "Before Berlin I lived in Munich", "Munich", "2021-05-01", "2022-02-01"),
             ("2024-04-10", "I just moved to London", "London", "2024-04-01", None)]
    for i, (when, text, city, start, end) in enumerate(steps):
        ref = as_utc(when)
        ep = Episode(id=Episode.make_id(tenant, "chat", text, ref), tenant=tenant, source="chat", speaker="Alice",
                     text=text, reference_time=ref, seq=i, metadata={"turn": i})
        fact = FactInput(subject_id=a.lineage_id, relation="lives_in", object_id=ents[city].lineage_id,
                         valid=Interval.between(start, end, Granularity.MONTH), provenance=(Span(episode_id=ep.id),))
        src.write(Batch(tenant=tenant, episodes=[ep], facts=[fact],
                        embeddings={ep.id: [float(i == j) for j in range(4)]}), recorded_at=ref)
    london = src.facts(tenant, FactQuery(subject_id=a.lineage_id, object_id=ents["London"].lineage_id))[0]
    src.correct_fact(tenant, london.lineage_id, valid=Interval.between("2024-03-15", None, Granularity.DAY),
                     recorded_at=as_utc("2024-05-01"))
    ep = Episode(id=Episode.make_id(tenant, "chat", "Bob likes Paris", as_utc("2024-05-02")), tenant=tenant,
                 source="chat", speaker="Bob", text="Bob likes Paris", reference_time=as_utc("2024-05-02"))
    likes = FactInput(subject_id=ents["Bob"].lineage_id, relation="likes", object_id=ents["Paris"].lineage_id,
                      provenance=(Span(episode_id=ep.id, start=0, end=3),))
    go = Event(version_id="v_go", lineage_id="ev_go", tenant=tenant, predicate="go", summary="trip",
               participants=(Participant(entity_id=a.lineage_id, role="agent"),),
               valid=Interval.granule("2024-05-01", Granularity.DAY), recorded_at=as_utc("2024-05-02"),
               provenance=(Span(episode_id=ep.id, start=4, end=9),))
    back = go.model_copy(update={"version_id": "v_back", "lineage_id": "ev_back", "predicate": "return",
                                 "valid": Interval.granule("2024-05-09", Granularity.DAY)})
    src.write(Batch(tenant=tenant, episodes=[ep], facts=[likes], events=[go, back],
                    entities=[a.model_copy(update={"aliases": ("Ally",), "attributes": {"age": 30}})],
                    links=[EventLink(tenant=tenant, source_id="ev_go", target_id="ev_back", type=LinkType.BEFORE)]),
              recorded_at=as_utc("2024-05-02"))
    bob_likes = src.facts(tenant, FactQuery(subject_id=ents["Bob"].lineage_id), Basis(valid_at="2024-06-01"))[0]
    src.retract(tenant, bob_likes.lineage_id, recorded_at=as_utc("2024-05-03"))
    src.save_checkpoint(tenant, "job-1", {"offset": 4})
    return ents


def snapshot(store: Store, tenant: str, ents: dict[str, Entity]) -> dict[str, object]:
    """Everything a user can ask, in a comparable form."""
    alice = ents["Alice"].lineage_id
    out: dict[str, object] = {}
    for i, basis in enumerate(QUESTIONS):
        out[f"q{i}"] = [f.model_dump() for f in store.facts(tenant, FactQuery(subject_id=alice), basis)]
    lineages = {f.lineage_id for f in store.facts(tenant, FactQuery(), Basis(valid_at="2000-01-01"))}
    for f in store.changes_since(tenant, as_utc("1990-01-01"), limit=10_000):
        lineages.add(f.item.lineage_id)
    out["history"] = {lid: [v.model_dump() for v in store.history(tenant, lid)] for lid in sorted(lineages)}
    out["timeline"] = [i.model_dump() for i in store.timeline(tenant, alice, Basis(valid_at="2024-06-15"))]
    out["entity"] = store.entity(tenant, alice)
    out["ally"] = [e.lineage_id for e in store.find_entities(tenant, "ally")]
    out["events"] = [e.model_dump() for e in store.events(tenant)]
    out["links"] = store.event_links(tenant, ["ev_go"])
    out["stats"] = store.stats(tenant)
    out["audit"] = [(a["id"], a["at"], a["action"], a["reason"]) for a in store.audit_log(tenant)]
    out["checkpoint"] = store.load_checkpoint(tenant, "job-1")
    episodes = store.episodes(tenant, [h.episode_id for h in store.search_text(tenant, "Berlin Paris London")])
    out["episodes"] = sorted(e.model_dump_json() for e in episodes)
    out["vector"] = [h.episode_id for h in store.search_vector(tenant, [0.0, 0.1, 0.9, 0.0], k=1)]
    out["diff"] = store.diff(tenant, Basis(valid_at="2024-06-01", as_of="2024-01-15"),
                             Basis(valid_at="2024-06-01", as_of="2024-06-01")).model_dump(exclude={"source", "target"})
    return out


@pytest.fixture
def source(tmp_path: Path):
    s = open_store(f"sqlite:///{tmp_path / 'source.db'}")
    yield s
    s.close()


def test_copy_keeps_every_answer_and_every_version(source: Store, store: Store, tenant: str) -> None:
    ents = build_memory(source, tenant)
    counts = copy_memory(source, store, [tenant])
    assert counts[tenant]["episode"] == 5 and counts[tenant]["audit"] == 2 and counts[tenant]["link"] == 1
    assert counts[tenant]["version"] == source.stats(tenant).versions
    expected, got = snapshot(source, tenant, ents), snapshot(store, tenant, ents)
    for key in expected:
        assert got[key] == expected[key], key
    # the four bi-temporal questions still have their four distinct answers
    names = [[f.object_id for f in store.facts(tenant, FactQuery(subject_id=ents["Alice"].lineage_id), QUESTIONS[i])]
             for i in range(4)]
    assert names == [[ents[c].lineage_id] for c in ("London", "Munich", "Berlin", "Paris")]


def test_copy_is_idempotent_and_round_trips(source: Store, store: Store, tenant: str, tmp_path: Path) -> None:
    ents = build_memory(source, tenant)
    copy_memory(source, store, [tenant])
    again = copy_memory(source, store, [tenant])
    assert again[tenant]["version"] == source.stats(tenant).versions
    assert store.stats(tenant) == source.stats(tenant)
    back = open_store(f"sqlite:///{tmp_path / 'backup.db'}")
    try:
        copy_memory(store, back, [tenant])
        assert snapshot(back, tenant, ents) == snapshot(source, tenant, ents)
    finally:
        back.close()


def test_copy_all_tenants_and_progress(source: Store, tmp_path: Path) -> None:
    build_memory(source, "t_one")
    build_memory(source, "t_two")
    dst = open_store(f"sqlite:///{tmp_path / 'dst.db'}")
    seen: list[tuple[str, str, int]] = []
    try:
        counts = copy_memory(source, dst, progress=lambda t, kind, n: seen.append((t, kind, n)))
        assert sorted(counts) == ["t_one", "t_two"] == dst.tenants()
        assert ("t_two", "episode", 5) in seen
        assert dst.stats("t_one") == source.stats("t_one")
    finally:
        dst.close()
