"""Tenant isolation and hostile input, at the store and at the GraphQL API.

Store level (every store, through the `store` fixture): tenant B, knowing every id of tenant A, reads
nothing of A through any read method and changes nothing of A through any write; strings full of SQL
and Cypher metacharacters (in names, relations, values, texts, sources, job ids and tenant names) are
stored and returned verbatim.

API level: tenant B's key guesses and enumerates A's ids through every root query field and mutation;
queries at and just over each server limit; injection strings through every string argument.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tkgmem.errors import TkgError
from tkgmem.model import (
    Batch,
    Entity,
    Episode,
    EpisodeKind,
    Event,
    EventLink,
    EventQuery,
    FactInput,
    FactQuery,
    LinkType,
    Participant,
    Span,
    stable_id,
)
from tkgmem.store import Store
from tkgmem.temporal import Basis, Interval

T0 = datetime(2020, 1, 1, tzinfo=UTC)
NASTY = [
    "Robert'); DROP TABLE episodes;--",
    "' OR '1'='1",
    '" OR ""="',
    "x' UNION SELECT body FROM versions --",
    "MATCH (n) DETACH DELETE n",
    "'}) MATCH (m) RETURN m //",
    "$tenant",
    "`label`:Entity {tenant: 'A'}",
    "\\'; CALL db.labels() //",
    "episodes_fts MATCH '*' OR 1",
    'NEAR("a" "b") AND "c*"',
    "%_%",
    "\x00nul",
    "line\nbreak\r\n",
    "\u202eevil\u202c 🙂 İ",
]


def _entity(tenant: str, name: str, type_: str = "person") -> Entity:
    eid = Entity.make_id(tenant, name, type_)
    return Entity(version_id=stable_id("v", eid, "1"), lineage_id=eid, tenant=tenant, name=name, type=type_,
                  aliases=(name.upper(),), attributes={"note": name}, recorded_at=T0)


def build(store: Store, tenant: str, names: list[str]) -> dict[str, Any]:
    """A small memory: entities named by `names`, episodes, facts (entity and value objects), events
    with participants and links, embeddings, a correction, a checkpoint, an audit record."""
    ents = [_entity(tenant, n) for n in names]
    eps = [Episode(id=stable_id("ep", tenant, i), tenant=tenant, kind=EpisodeKind.DIALOGUE, source=f"src {n}",
                   session=f"session {n}", speaker=n, text=f"{n} said hello to {names[0]} about {n}",
                   reference_time=T0 + timedelta(days=i), metadata={"raw": n})
           for i, n in enumerate(names)]
    facts = [FactInput(subject_id=ents[i].lineage_id, relation="knows", object_id=ents[(i + 1) % len(ents)].lineage_id,
                       valid=Interval(start=T0 + timedelta(days=i)), provenance=(Span(episode_id=eps[i].id),))
             for i in range(len(ents))]
    facts += [FactInput(subject_id=e.lineage_id, relation="likes", object_value=n,
                        valid=Interval(start=T0), provenance=(Span(episode_id=eps[i].id, start=0, end=3),))
              for i, (e, n) in enumerate(zip(ents, names, strict=True))]
    events = []
    for i, n in enumerate(names):
        lid = stable_id("ev", tenant, n)
        events.append(Event(version_id=stable_id("v", lid), lineage_id=lid, tenant=tenant, predicate=f"meet {n}",
                            summary=n, participants=(Participant(entity_id=ents[i].lineage_id, role=n),),
                            valid=Interval(start=T0 + timedelta(days=i), end=T0 + timedelta(days=i + 1)),
                            recorded_at=T0, provenance=(Span(episode_id=eps[i].id),)))
    links = [EventLink(tenant=tenant, source_id=events[i].lineage_id, target_id=events[i + 1].lineage_id,
                       type=LinkType.BEFORE, episode_id=eps[i].id) for i in range(len(events) - 1)]
    vectors = {ep.id: [float(i + 1), 1.0, 0.5] for i, ep in enumerate(eps)}
    store.write(Batch(tenant=tenant, episodes=eps, entities=ents, facts=facts, events=events, links=links,
                      embeddings=vectors), recorded_at=T0 + timedelta(days=1))
    lives = store.facts(tenant, FactQuery(relation="likes"), Basis(valid_at=T0 + timedelta(days=30)))
    store.correct_fact(tenant, lives[0].lineage_id, valid=Interval(start=T0 - timedelta(days=1)),
                       recorded_at=T0 + timedelta(days=2), reason=names[-1])
    store.save_checkpoint(tenant, f"job {names[0]}", {"status": "done", "note": names[0]})
    return {"entities": ents, "episodes": eps, "events": events, "facts": store.facts(
        tenant, FactQuery(all_versions=True)), "job": f"job {names[0]}"}


@pytest.fixture
def two_tenants(store: Store, tenant: str) -> Iterator[tuple[Store, str, str, dict[str, Any]]]:
    a, b = tenant + "_A'--", tenant + "_B"
    built = build(store, a, ["Alice", "Bob", "Carol"])
    build(store, b, ["Dan", "Eve"])
    yield store, a, b, built


def test_tenant_b_reads_nothing_of_tenant_a(two_tenants: tuple[Store, str, str, dict[str, Any]]) -> None:
    store, a, b, built = two_tenants
    ent_ids = [e.lineage_id for e in built["entities"]]
    ep_ids = [e.id for e in built["episodes"]]
    ev_ids = [e.lineage_id for e in built["events"]]
    fact_ids = sorted({f.lineage_id for f in built["facts"]})
    everything = Basis(valid_at=T0 + timedelta(days=1), as_of=None)
    b_entities = {e.lineage_id for e in store.find_entities(b, limit=1000)}
    b_facts = {f.lineage_id for f in store.facts(b, FactQuery(all_versions=True))}

    assert not store.known_episodes(b, ep_ids)
    assert store.episodes(b, ep_ids) == []
    for eid in ent_ids:
        assert store.entity(b, eid) is None
        assert store.entity(b, eid, Basis(as_of=T0 + timedelta(days=5))) is None
        assert store.facts(b, FactQuery(subject_id=eid, all_versions=True)) == []
        assert store.facts(b, FactQuery(object_id=eid, all_versions=True)) == []
        assert store.facts(b, FactQuery(entity_id=eid, valid_overlaps=Interval()), everything) == []
        assert store.fact_relations(b, FactQuery(entity_id=eid, all_versions=True)) == {}
        assert store.events(b, EventQuery(participant_id=eid, valid_overlaps=Interval())) == []
        assert store.timeline(b, eid, window=Interval()) == []
        assert store.history(b, eid) == []
    for name in ("Alice", "alice", "ALICE", "Bob"):
        assert store.find_entities(b, name) == []
    assert not b_entities & set(ent_ids)
    assert not b_facts & set(fact_ids)
    for lid in fact_ids + ev_ids:
        assert store.history(b, lid) == []
    assert store.event_links(b, ev_ids) == []
    assert store.events(b, EventQuery(predicate="meet Alice", valid_overlaps=Interval())) == []
    assert all(h.episode_id not in ep_ids for h in store.search_text(b, "Alice hello Bob Carol", 100))
    assert store.speaking(a, ["Alice", "Bob", "Carol"]) == {"Alice", "Bob", "Carol"}
    assert store.speaking(b, ["Alice", "Bob", "Carol"]) == set()  # A's speakers are not B's participants
    assert all(h.episode_id not in ep_ids for h in store.search_vector(b, [1.0, 1.0, 0.5], 100))
    changes = store.changes_since(b, datetime(1970, 1, 1, tzinfo=UTC))
    assert not {c.item.lineage_id for c in changes} & set(ent_ids + fact_ids + ev_ids)
    diff = store.diff(b, Basis(as_of=T0), Basis())
    assert not {d.lineage_id for d in diff.added + diff.removed + diff.changed} & set(ent_ids + fact_ids + ev_ids)
    assert store.load_checkpoint(b, built["job"]) is None
    assert all(j["job_id"] != built["job"] for j in store.jobs(b))
    assert "Alice" not in json.dumps([r.model_dump(mode="json") for r in store.export_records(b)])
    assert store.stats(b).episodes == 2 and store.stats(a).episodes == 3
    assert all("Alice" not in json.dumps(x, default=str) for x in store.audit_log(b))


def test_tenant_b_cannot_change_tenant_a(two_tenants: tuple[Store, str, str, dict[str, Any]]) -> None:
    store, a, b, built = two_tenants
    before = store.stats(a)
    snapshot = json.dumps([r.model_dump(mode="json") for r in store.export_records(a)], sort_keys=True)
    for f in built["facts"]:
        with pytest.raises(TkgError):
            store.correct_fact(b, f.lineage_id, valid=Interval(start=T0), reason="hijack")
        with pytest.raises(TkgError):
            store.retract(b, f.lineage_id, reason="hijack")
    for e in built["entities"] + built["events"]:
        with pytest.raises(TkgError):
            store.retract(b, e.lineage_id, reason="hijack")
    report = store.erase(b, actor="mallory", reason="hijack", episode_ids=[e.id for e in built["episodes"]],
                         entity_id=built["entities"][0].lineage_id)
    assert report.episodes == 0
    # The same episode ids written into B are B's own: not skipped as "already known" because A has them.
    copies = [e.model_copy(update={"tenant": b}) for e in built["episodes"]]
    written = store.write(Batch(tenant=b, episodes=copies))
    assert written.episodes_added == len(copies)
    store.save_checkpoint(b, built["job"], {"status": "running"})
    assert store.stats(a) == before
    assert store.load_checkpoint(a, built["job"]) == {"status": "done", "note": "Alice"}
    after = json.dumps([r.model_dump(mode="json") for r in store.export_records(a)], sort_keys=True)
    assert after == snapshot


def test_injection_strings_are_data(store: Store, tenant: str) -> None:
    t = tenant + "'; DROP TABLE versions;--"
    built = build(store, t, NASTY)
    for e in built["entities"]:
        got = store.entity(t, e.lineage_id)
        assert got is not None and got.name == e.name and got.aliases == e.aliases and got.attributes == e.attributes
        found = store.find_entities(t, e.name)
        assert [x.lineage_id for x in found] == [e.lineage_id], e.name
    eps = store.episodes(t, [e.id for e in built["episodes"]])
    assert [(e.text, e.speaker, e.source, e.session, e.metadata) for e in eps] == [
        (e.text, e.speaker, e.source, e.session, e.metadata) for e in built["episodes"]]
    values = {f.object_value for f in store.facts(t, FactQuery(relation="likes", all_versions=True))}
    assert values == set(NASTY)
    events = store.events(t, EventQuery(valid_overlaps=Interval()))
    assert {e.predicate for e in events} == {f"meet {n}" for n in NASTY}
    assert {p.role for e in events for p in e.participants} == set(NASTY)
    for n in NASTY:
        assert [e.summary for e in store.events(t, EventQuery(predicate=f"meet {n}", valid_overlaps=Interval()))] == [n]
        store.search_text(t, n, 5)  # never a syntax error, whatever the query text
    assert store.load_checkpoint(t, built["job"]) == {"status": "done", "note": NASTY[0]}
    assert any(a["reason"] == NASTY[-1] for a in store.audit_log(t))
    assert store.stats(t).episodes == len(NASTY)
    # The whole store still works, for this tenant and the others.
    assert store.stats(tenant).episodes == 0


# ================================================================================================
# The GraphQL API: tenant "globex" (B) attacks tenant "acme" (A) with its own valid keys.
# ================================================================================================
from test_graphql_support import LiveServer, run_server  # noqa: E402

from tkgmem.graphql.limits import Limits  # noqa: E402

LIMITS = Limits(max_depth=8, max_aliases=6, max_tokens=800, default_page_size=10, max_page_size=20, max_batch=50)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from run_server(tmp_path_factory.mktemp("gql_abuse"), LIMITS)


def acme_ids(live: LiveServer) -> dict[str, list[str]]:
    """Every id tenant A has: entities, facts (all versions), events, episodes, version ids."""
    ents = live.gql("{ entities(first: 20) { nodes { id versionId } } }")["entities"]["nodes"]
    facts: list[dict[str, Any]] = []
    after = None
    while True:
        page = live.gql("query($a: String) { facts(first: 20, after: $a) { pageInfo { hasNextPage endCursor } "
                        "nodes { id versionId provenance { episodeId } } } }", {"a": after})["facts"]
        facts += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    events = live.gql("{ events(first: 20) { nodes { id versionId } } }")["events"]["nodes"]
    history: list[str] = []
    for f in facts[:5]:
        history += [v["versionId"] for v in live.gql("query($id: ID!) { history(id: $id) { versions { versionId } } }",
                                                      {"id": f["id"]})["history"]["versions"]]
    return {
        "entities": [e["id"] for e in ents],
        "facts": [f["id"] for f in facts],
        "events": [e["id"] for e in events],
        "episodes": sorted({p["episodeId"] for f in facts for p in f["provenance"]}),
        "versions": [e["versionId"] for e in ents + facts + events] + history,
    }


def _acme_snapshot(live: LiveServer) -> str:
    store = live.memory.store
    return json.dumps([r.model_dump(mode="json") for r in store.export_records("acme")], sort_keys=True)


@pytest.mark.models  # search and ask load the embedding model
def test_globex_enumerates_acme_ids_and_gets_nothing(live: LiveServer) -> None:
    ids = acme_ids(live)
    assert ids["entities"] and ids["facts"] and ids["events"] and ids["episodes"]
    before = _acme_snapshot(live)
    every = sorted({i for group in ids.values() for i in group})
    leaks: list[str] = []

    def clean(query: str, variables: dict[str, Any], token: str = "globex-read") -> dict[str, Any]:
        body = live.post(query, variables, token).json()
        text = json.dumps(body)
        for i in every:
            if i in text and i not in json.dumps(variables):
                leaks.append(f"{query[:60]} leaked {i}")
        for err in body.get("errors") or []:
            assert err.get("extensions", {}).get("code") in {"NOT_FOUND", "BAD_USER_INPUT", "FORBIDDEN"}, err
        result: dict[str, Any] = body
        return result

    # Every id is probed through the by-id fields; a sample of them through every filter and mutation
    # (all entity, event and episode ids, some fact and version ids), to keep the request count sane.
    sample = sorted({*ids["entities"], *ids["events"], *ids["episodes"][:10], *ids["facts"][::4],
                     *ids["versions"][::6]})
    for i in every:
        v = {"id": i}
        assert (clean("query($id: ID!) { entity(id: $id) { id name } }", v)["data"] or {}).get("entity") is None
        body = clean("query($id: ID!) { history(id: $id) { versions { id } } }", v)
        assert body.get("data") is None or not body["data"]["history"]["versions"]
    for i in sample:
        v = {"id": i}
        body = clean("query($id: String!) { timeline(entity: $id) { totalCount } }", v)
        assert body.get("data") is None or body["data"]["timeline"]["totalCount"] == 0
        for root, where in (("entities", "{id: {eq: $id}}"), ("facts", "{id: {eq: $id}}"),
                            ("facts", "{subject: {eq: $id}}"), ("facts", "{object: {eq: $id}}"),
                            ("facts", "{entity: {eq: $id}}"), ("events", "{id: {eq: $id}}"),
                            ("events", "{participant: {eq: $id}}")):
            body = clean(f"query($id: ID!) {{ {root}(where: {where}) {{ totalCount }} }}", v)
            assert body["data"][root]["totalCount"] == 0, (root, where, i)
        body = clean("query($id: String!) { diff(from: {asOf: \"2000-01-01\"}, to: {}, entity: $id) "
                     "{ added { id } removed { id } changed { id } } }", v)
        assert body.get("data") is None or not any(body["data"]["diff"].values())
    for chunk in range(0, len(every), LIMITS.max_page_size):
        body = clean("query($ids: [ID!]!) { episodes(ids: $ids) { id text } }",
                     {"ids": every[chunk:chunk + LIMITS.max_page_size]})
        assert body["data"]["episodes"] == []
    body = clean('{ changesSince(asOf: "1970-01-01T00:00:00Z", first: 20) { totalCount nodes { item { id } } } }', {})
    assert not {n["item"]["id"] for n in body["data"]["changesSince"]["nodes"]} & set(every)
    for text in ("Alice Paris Berlin Munich London", "Bob Acme Corp", "meet"):
        hits = clean("query($t: String!) { search(text: $t, k: 20) { hits { episode { id } } } }", {"t": text})
        assert not {h["episode"]["id"] for h in hits["data"]["search"]["hits"]} & set(ids["episodes"])
    answer = clean('{ ask(question: "Where did Alice live in 2021?") { value abstained } }', {})
    assert "Munich" not in json.dumps(answer) and "Paris" not in json.dumps(answer)
    plan = {"steps": [{"id": "main", "pattern": {"target": "fact", "subject": {"name": ids["entities"][0]},
                                                 "object": {"var": "?x"}}}],
            "answer": {"step": "main", "var": "?x"}}
    clean("query($p: JSON!) { navigate(plan: $p) { value } }", {"p": plan})

    # Mutations with globex's admin key, aimed at acme's ids.
    for i in sample:
        for op in ('mutation($id: ID!) { retract(id: $id, reason: "x") { id } }',
                   'mutation($id: ID!) { correctFact(id: $id, object: "Oslo", valid: {start: "2001"}) { id } }'):
            body = clean(op, {"id": i}, token="globex-admin")
            assert body.get("data") is None or not body["data"], body
    for chunk in range(0, len(ids["episodes"]), LIMITS.max_page_size):
        out = clean("mutation($e: [ID!], $n: ID) { erase(reason: \"x\", episodeIds: $e, entityId: $n) "
                    "{ episodes versions } }", {"e": ids["episodes"][chunk:chunk + LIMITS.max_page_size],
                                                "n": ids["entities"][0]}, token="globex-admin")
        assert out["data"]["erase"] == {"episodes": 0, "versions": 0}
    # Reusing acme's episode ids as globex's own ids writes globex data; acme's are neither skipped nor touched.
    recs = [{"subject": "Zed", "relation": "likes", "object": f"thing {n}", "objectIsValue": True, "id": i}
            for n, i in enumerate(ids["episodes"][:10])]
    got = clean("mutation($r: [FactRecordInput!]!) { ingestFacts(records: $r) { episodesAdded skippedDuplicates } }",
                {"r": recs}, token="globex-write")
    assert got["data"]["ingestFacts"] == {"episodesAdded": len(recs), "skippedDuplicates": 0}
    assert leaks == []
    assert _acme_snapshot(live) == before


def _nest(depth: int) -> str:
    """A query whose deepest field is at `depth`: entity > facts > nodes > subject > facts > ..."""
    chain = ['entity(name: "Alice")'] + ["facts", "nodes", "subject"] * 10
    leaf = {"entity(name: \"Alice\")": "id", "facts": "totalCount", "nodes": "id", "subject": "id"}
    opened = chain[: depth - 1]
    return "{ " + " { ".join(opened) + " { " + leaf[opened[-1]] + " }" * len(opened) + " }"


def _limit_of(body: dict[str, Any]) -> str | None:
    for err in body.get("errors") or []:
        limit = (err.get("extensions") or {}).get("limit")
        if limit:
            return str(limit)
    return None


@pytest.mark.models  # the paged `search` loads the embedding model
def test_each_limit_at_and_over(live: LiveServer) -> None:
    # depth: find the deepest accepted query; one level more is refused as maxDepth
    depths = {d: _limit_of(live.post(_nest(d)).json()) for d in range(2, LIMITS.max_depth + 4)}
    deepest = max(d for d, limit in depths.items() if limit is None)
    assert deepest in (LIMITS.max_depth, LIMITS.max_depth + 1), depths
    assert all(depths[d] == "maxDepth" for d in depths if d > deepest), depths
    # aliases
    at = "{ " + " ".join(f"a{i}: me {{ tenant }}" for i in range(LIMITS.max_aliases)) + " }"
    over = "{ " + " ".join(f"a{i}: me {{ tenant }}" for i in range(LIMITS.max_aliases + 1)) + " }"
    assert _limit_of(live.post(at).json()) is None and live.post(at).json()["data"]["a0"] == {"tenant": "acme"}
    assert _limit_of(live.post(over).json()) == "maxAliases"
    # tokens: "{", n x (me { tenant }), "}" is 2 + 4n tokens
    fits = (LIMITS.max_tokens - 2) // 4 - 1
    assert _limit_of(live.post("{ " + "me { tenant } " * fits + "}").json()) is None
    assert _limit_of(live.post("{ " + "me { tenant } " * (fits + 3) + "}").json()) == "maxTokens"
    # page sizes on every paged field
    m = LIMITS.max_page_size
    paged = ['entities(first: {n}) {{ totalCount }}', 'facts(first: {n}) {{ totalCount }}',
             'events(first: {n}) {{ totalCount }}', 'facts(last: {n}) {{ totalCount }}',
             'timeline(entity: "Alice", first: {n}) {{ totalCount }}',
             'changesSince(asOf: "2000-01-01T00:00:00Z", first: {n}) {{ totalCount }}',
             'search(text: "Alice", k: {n}) {{ hits {{ score }} }}',
             'diff(from: {{asOf: "2019-01-01"}}, to: {{}}, first: {n}) {{ added {{ id }} }}']
    for field in paged:
        ok = live.post("{ " + field.format(n=m) + " }").json()
        assert not ok.get("errors"), (field, ok)
        assert _limit_of(live.post("{ " + field.format(n=m + 1) + " }").json()) == "maxPageSize", field
        bad = live.post("{ " + field.format(n=-1) + " }").json()
        assert bad.get("errors") and bad["errors"][0]["extensions"]["code"] != "INTERNAL_SERVER_ERROR", field
    # batch size of the ingestion mutations
    rec = '{subject: "A", relation: "likes", object: "x", objectIsValue: true}'
    q = "mutation { ingestFacts(records: [%s]) { read } }"
    assert live.post(q % ", ".join([rec] * LIMITS.max_batch), token="globex-write").json()["data"]["ingestFacts"]
    assert _limit_of(live.post(q % ", ".join([rec] * (LIMITS.max_batch + 1)), token="globex-write").json()) \
        in {"maxBatch", "maxTokens"}
    assert live.gql("{ me { tenant } }") == {"me": {"tenant": "acme"}}


@pytest.mark.models
def test_oversized_body_is_refused(live: LiveServer) -> None:
    huge = "x" * (8 * 1024 * 1024)
    r = live.post('query($t: String!) { search(text: $t) { hits { score } } }', {"t": huge})
    try:
        assert r.status_code == 413, r.status_code
        assert r.json()["errors"][0]["extensions"]["limit"] == "maxBodyBytes"
    finally:
        assert live.gql("{ me { tenant } }") == {"me": {"tenant": "acme"}}  # the server stays up either way


@pytest.mark.models
def test_injection_strings_through_every_string_argument(live: LiveServer) -> None:
    token = "globex-admin"
    records = [{"subject": f"S {n}", "relation": "likes", "object": n, "objectIsValue": True, "source": n,
                "subjectType": "person", "validFrom": "2020", "id": f"rec {n}"} for n in NASTY]
    records += [{"subject": n, "relation": "knows", "object": n + " (object)", "objectType": n} for n in NASTY]
    r = live.post("mutation($r: [FactRecordInput!]!) { ingestFacts(records: $r) { rejected episodesAdded } }",
                  {"r": records}, token).json()
    assert r["data"]["ingestFacts"]["rejected"] == 0, r
    for n in NASTY:
        ent = live.gql("query($n: String!) { entity(name: $n) { name type } }", {"n": n}, token)["entity"]
        assert ent == {"name": n.strip(), "type": "thing"} or ent["name"] == n.strip(), (n, ent)
        vals = live.gql("query($n: String!) { facts(where: {objectValue: {eq: $n}}) { nodes { objectValue } } }",
                        {"n": n}, token)["facts"]["nodes"]
        assert [v["objectValue"] for v in vals] == [n]
        live.gql("query($n: String!) { facts(where: {relation: {contains: $n}}) { totalCount } }", {"n": n}, token)
        live.gql("query($n: String!) { entities(where: {name: {contains: $n}}) { totalCount } }", {"n": n}, token)
        live.gql("query($n: String!) { events(where: {summary: {contains: $n}, predicate: {eq: $n}}) "
                 "{ totalCount } }", {"n": n}, token)
        live.gql("query($n: String!) { search(text: $n) { hits { score } } }", {"n": n}, token)
        live.gql("query($n: String!) { timeline(entity: $n) { totalCount } }", {"n": n}, token)
        body = live.post("query($n: String!) { ask(question: $n) { abstained } }", {"n": n}, token).json()
        assert not body.get("errors"), body
    eps = live.gql("query($ids: [ID!]!) { episodes(ids: $ids) { id source } }",
                   {"ids": [f"rec {n}" for n in NASTY]}, token)["episodes"]
    assert [(e["id"], e["source"]) for e in eps] == [(f"rec {n}", n) for n in NASTY]
    turns = [{"text": f"{n} said hi", "time": "2023-05-08T10:00:00Z", "speaker": n, "addressee": n, "session": n,
              "source": n, "id": f"turn {n}", "metadata": {"k": n}} for n in NASTY]
    live.gql("mutation($t: [EpisodeInput!]!) { ingestEpisodes(episodes: $t) { episodesAdded } }", {"t": turns}, token)
    eps = live.gql("query($ids: [ID!]!) { episodes(ids: $ids) { text speaker session source } }",
                   {"ids": [t["id"] for t in turns]}, token)["episodes"]
    assert [(e["text"], e["speaker"], e["session"], e["source"]) for e in eps] == [
        (t["text"], t["speaker"], t["session"], t["source"]) for t in turns]
    likes = '{ facts(where: {relation: {eq: "likes"}}, first: 1) { nodes { id } } }'
    fact = live.gql(likes, token=token)["facts"]["nodes"][0]
    for n in NASTY[:5]:
        live.gql("mutation($id: ID!, $n: String!) { correctFact(id: $id, object: $n, reason: $n) { id } }",
                 {"id": fact["id"], "n": n}, token)
    reasons = [v["reason"] for v in live.gql("query($id: ID!) { history(id: $id) { versions { reason } } }",
                                             {"id": fact["id"]}, token)["history"]["versions"]]
    assert set(NASTY[:5]) <= set(reasons)
    live.gql("mutation($id: ID!, $n: String!) { retract(id: $id, reason: $n) { id } }",
             {"id": fact["id"], "n": NASTY[0]}, token)
    body = live.post("mutation($n: String!) { erase(reason: $n, entityId: $n) { versions } }",
                     {"n": NASTY[1]}, token).json()
    assert not body.get("errors") or body["errors"][0]["extensions"]["code"] != "INTERNAL_SERVER_ERROR"
    assert live.memory.store.integrity_check() == "ok"  # type: ignore[attr-defined]
