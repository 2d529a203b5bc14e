"""The GraphQL API against a live uvicorn server and a real SQLite store: the four bi-temporal answers,
basis echo and inheritance, filters, paging, time travel, mutations, tenant isolation, limits, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_graphql_support import FOUR_QUESTIONS, HOBBIES, LiveServer, run_server

from tkgmem.graphql.limits import Limits
from tkgmem.ingest.items import FactRecordIn

LIMITS = Limits(max_depth=8, max_aliases=6, max_tokens=800, default_page_size=10, max_page_size=20)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from run_server(tmp_path_factory.mktemp("gql_api"), LIMITS)


WHERE_ALICE_LIVES = """
query($basis: BasisInput) {
  entity(name: "Alice", basis: $basis) {
    name
    basis { validAt asOf }
    facts(where: {relation: {eq: "lives in"}}) {
      totalCount
      basis { validAt asOf }
      nodes { objectName object { name basis { validAt asOf } } valid { start end } }
    }
  }
}"""


@pytest.mark.parametrize("question", list(FOUR_QUESTIONS))
def test_four_bitemporal_questions(live: LiveServer, question: str) -> None:
    basis, city = FOUR_QUESTIONS[question]
    data = live.gql(WHERE_ALICE_LIVES, {"basis": basis})["entity"]
    facts = data["facts"]
    assert [n["objectName"] for n in facts["nodes"]] == [city]
    # The basis is echoed, and inherited by nested fields (down to the fact's object entity).
    assert data["basis"]["validAt"].startswith(basis["validAt"])
    assert facts["basis"]["validAt"] == data["basis"]["validAt"]
    nested = facts["nodes"][0]["object"]["basis"]
    assert nested == data["basis"]
    if "asOf" in basis:
        assert data["basis"]["asOf"].startswith(basis["asOf"])
    else:
        assert data["basis"]["asOf"] is None


def test_four_answers_differ_through_one_request(live: LiveServer) -> None:
    fields = "\n".join(
        f'{alias}: facts(where: {{subject: {{eq: $alice}}, relation: {{eq: "lives_in"}}}}, '
        f'basis: {{validAt: "{b["validAt"]}"' + (f', asOf: "{b["asOf"]}"' if "asOf" in b else "") + "}) "
        "{ nodes { objectName } basis { validAt asOf } }"
        for alias, (b, _) in FOUR_QUESTIONS.items())
    alice = live.gql('{ entity(name: "Alice") { id } }')["entity"]["id"]
    data = live.gql(f"query($alice: ID!) {{ {fields} }}", {"alice": alice})
    answers = {alias: [n["objectName"] for n in data[alias]["nodes"]] for alias in FOUR_QUESTIONS}
    assert answers == {alias: [city] for alias, (_, city) in FOUR_QUESTIONS.items()}


def test_connection_pins_as_of_and_pages_stably(live: LiveServer) -> None:
    q = """query($after: String) { facts(where: {relation: {eq: "likes"}}, first: 10, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } basis { asOf evaluatedAt }
      edges { cursor node { objectValue } } } }"""
    first = live.gql(q)["facts"]
    assert first["totalCount"] == len(HOBBIES)
    assert first["basis"]["asOf"] == first["basis"]["evaluatedAt"]  # pinned to the first page's evaluation
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    # New data arrives between pages: the next pages still read at the first page's basis.
    live.memory.ingest_facts([FactRecordIn(subject="Alice", relation="likes", object="aaa new hobby",
                                           object_is_value=True, valid_from="2020-01")])
    seen = [e["node"]["objectValue"] for e in first["edges"]]
    page = first
    while page["pageInfo"]["hasNextPage"]:
        page = live.gql(q, {"after": page["pageInfo"]["endCursor"]})["facts"]
        assert page["basis"]["asOf"] == first["basis"]["asOf"]
        assert page["totalCount"] == len(HOBBIES)
        seen += [e["node"]["objectValue"] for e in page["edges"]]
    assert sorted(seen) == sorted(HOBBIES)
    fresh = live.gql(q)["facts"]
    assert fresh["totalCount"] == len(HOBBIES) + 1


def test_pages_without_total_count_match_pages_with_it(live: LiveServer) -> None:
    """Without totalCount the server reads only up to the page's end; the pages must be the same."""
    def walk(fields: str, size: int) -> list[str]:
        q = f"""query($after: String, $b: BasisInput) {{ facts(where: {{relation: {{eq: "likes"}}}}, first: {size},
            after: $after, basis: $b) {{ {fields} pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }}"""
        ids: list[str] = []
        after = None
        while True:
            page = live.gql(q, {"after": after, "b": {"asOf": "2025-01-01"}})["facts"]
            ids += [n["id"] for n in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                return ids
            after = page["pageInfo"]["endCursor"]

    counted = walk("totalCount", 20)
    assert len(counted) == len(HOBBIES) == len(set(counted))
    assert walk("", 7) == counted
    assert walk("basis { asOf }", 20) == counted


def test_nested_connection_pages(live: LiveServer) -> None:
    q = """query($after: String) { entity(name: "Alice") { facts(first: 9, after: $after) { totalCount
        basis { asOf } pageInfo { hasNextPage endCursor } nodes { id } } } }"""
    ids: list[str] = []
    after = None
    while True:
        page = live.gql(q, {"after": after})["entity"]["facts"]
        ids += [n["id"] for n in page["nodes"]]
        if after is not None:
            assert page["basis"]["asOf"] is not None  # later pages read at the pinned basis
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(ids) == len(set(ids)) == page["totalCount"] > 9


def test_paging_with_a_filter_the_store_cannot_apply(live: LiveServer) -> None:
    """NOT and contains run in the API: pages read without totalCount (a few rows at a time) must give the
    same rows, in the same order, as one read with it."""
    where = '{relation: {eq: "likes"}, objectValue: {contains: "1"}, NOT: {objectValue: {eq: "hobby 11"}}}'
    full = live.gql(f"{{ facts(where: {where}, first: 20) {{ totalCount nodes {{ objectValue }} }} }}")["facts"]
    expected = [n["objectValue"] for n in full["nodes"]]
    assert len(expected) == full["totalCount"] == 11  # hobby 01, 10, 12..19, 21
    seen: list[str] = []
    after = None
    while True:
        page = live.gql("query($after: String) { facts(where: " + where + ", first: 2, after: $after) "
                        "{ pageInfo { hasNextPage endCursor } nodes { objectValue } } }", {"after": after})["facts"]
        seen += [n["objectValue"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected


def test_backward_paging_and_default_page_size(live: LiveServer) -> None:
    q = '{ facts(where: {relation: {eq: "likes"}, objectValue: {contains: "HOBBY"}}, last: 3) ' \
        "{ pageInfo { hasPreviousPage } nodes { objectValue } } }"
    data = live.gql(q)["facts"]
    assert data["pageInfo"]["hasPreviousPage"]
    assert [n["objectValue"] for n in data["nodes"]] == sorted(HOBBIES)[-3:] or len(data["nodes"]) == 3
    default = live.gql('{ facts(where: {relation: {eq: "likes"}}) { nodes { id } } }')["facts"]
    assert len(default["nodes"]) == LIMITS.default_page_size


def test_filters_and_or_not_and_intervals(live: LiveServer) -> None:
    q = """query($w: FactWhere) { facts(where: $w, first: 20) { totalCount nodes { objectName }
        basis { validWindow { start end } } } }"""
    alice = live.gql('{ entity(name: "Alice") { id } }')["entity"]["id"]
    # Every city Alice lived in during 2019..2023 (a window replaces the validAt point).
    w = {"subject": {"eq": alice}, "relation": {"eq": "lives_in"},
         "valid": {"overlaps": {"start": "2019-06-01", "end": "2023-01-01"}}}
    data = live.gql(q, {"w": w})["facts"]
    assert sorted(n["objectName"] for n in data["nodes"]) == ["Berlin", "Munich", "Paris"]
    assert data["basis"]["validWindow"]["start"].startswith("2019-06-01")
    # during: only intervals entirely inside the window.
    w2 = {**w, "valid": {"during": {"start": "2021-01-01", "end": "2022-06-01"}}}
    assert [n["objectName"] for n in live.gql(q, {"w": w2})["facts"]["nodes"]] == ["Munich"]
    # contains an instant, plus OR and NOT.
    w3 = {"relation": {"in": ["lives_in", "works_at"]}, "valid": {"contains": "2021-08-01"},
          "OR": [{"subject": {"eq": alice}}, {"relation": {"eq": "works_at"}}],
          "NOT": {"objectValue": {"eq": "x"}}}
    assert sorted(n["objectName"] for n in live.gql(q, {"w": w3})["facts"]["nodes"]) == ["Acme Corp", "Munich"]
    ents = live.gql('{ entities(where: {OR: [{name: {eq: "bob"}}, {type: {eq: "place"}}], '
                    'NOT: {name: {contains: "lon"}}}, first: 20) { nodes { name } } }')["entities"]["nodes"]
    assert sorted(e["name"] for e in ents) == ["Berlin", "Bob", "Munich", "Paris"]


def test_events_participants_and_place(live: LiveServer) -> None:
    q = """{ events(where: {predicate: {eq: "meet"}, valid: {overlaps: {start: "2023-01-01", end: "2024-01-01"}}}) {
        totalCount nodes { summary place { name } participants { role entity { name } } } } }"""
    data = live.gql(q)["events"]
    assert data["totalCount"] == 1
    node = data["nodes"][0]
    assert node["place"]["name"] == "Berlin"
    assert {(p["role"], p["entity"]["name"]) for p in node["participants"]} == {("agent", "Alice"), ("patient", "Bob")}
    nested = live.gql('{ entity(name: "Bob") { events { nodes { predicate } } } }')
    assert nested["entity"]["events"]["nodes"] == [{"predicate": "meet"}]


def test_timeline_history_diff_changes(live: LiveServer) -> None:
    q = """query($after: String) { timeline(entity: "Alice", from: "2019-01-01", to: "2023-01-01", first: 20,
        after: $after) { totalCount pageInfo { hasNextPage endCursor }
        nodes { kind valid { start } ... on Fact { relation objectName } } } }"""
    nodes, after = [], None
    while True:
        tl = live.gql(q, {"after": after})["timeline"]
        nodes += tl["nodes"]
        if not tl["pageInfo"]["hasNextPage"]:
            break
        after = tl["pageInfo"]["endCursor"]
    assert len(nodes) == tl["totalCount"] > 20
    cities = [n["objectName"] for n in nodes if n.get("relation") == "lives_in"]
    assert cities == ["Paris", "Munich", "Berlin"]  # oldest first over valid time
    hist = live.gql('{ history(id: "Alice", includeFacts: true) { id versions { kind current recorded { start end } '
                    'valid { start end } ... on Fact { objectName } } } }')["history"]
    paris = [v for v in hist["versions"] if v.get("objectName") == "Paris"]
    assert len(paris) >= 2 and paris[0]["current"] is False and paris[-1]["current"] is True
    assert paris[0]["recorded"]["end"] is not None  # expired versions show their transaction interval
    diff = live.gql('{ diff(from: {validAt: "2024-06-15", asOf: "2024-01-15"}, to: {validAt: "2024-06-15"}, '
                    'entity: "Alice") { from { asOf } to { asOf } addedCount removedCount changedCount '
                    'changed { before { ... on Fact { objectName } } after { ... on Fact { objectName } } } '
                    'added { after { kind } } } }')["diff"]
    assert diff["from"]["asOf"].startswith("2024-01-15") and diff["to"]["asOf"] is None
    assert diff["addedCount"] >= 1  # hobbies, the meeting
    changes = live.gql('{ changesSince(asOf: "2024-03-01", first: 5) { totalCount nodes { at action '
                       'item { kind } } } }')["changesSince"]
    assert changes["totalCount"] >= 3
    assert changes["nodes"][0]["at"] >= "2024-03-01"


def test_dataloaders_batch_nested_reads(live: LiveServer) -> None:
    q = '{ facts(where: {relation: {eq: "likes"}}, first: 20) { nodes { subject { name } subject2: subject { id } } } }'
    data = live.gql(q)["facts"]["nodes"]
    assert {n["subject"]["name"] for n in data} == {"Alice"}
    # The loader counter is per request; check through a direct execution with our context.
    import asyncio

    from tkgmem.graphql.context import RequestContext
    from tkgmem.graphql.keys import Principal, Role
    from tkgmem.graphql.loaders import Loaders
    from tkgmem.graphql.schema import build_schema
    from tkgmem.temporal import utcnow

    loaders = Loaders(live.memory)
    context = RequestContext(memory=live.memory, principal=Principal(key_id="x", tenant="acme", role=Role.READ),
                             limits=LIMITS, now=utcnow(), loaders=loaders)
    result = asyncio.run(build_schema(LIMITS).execute(q, context_value=context))
    assert result.errors is None
    assert loaders.calls == 1  # 20 facts, one batched entity read


def test_truncated_connections_say_so(live: LiveServer) -> None:
    import asyncio

    from tkgmem.graphql.context import RequestContext
    from tkgmem.graphql.keys import Principal, Role
    from tkgmem.graphql.loaders import Loaders
    from tkgmem.graphql.schema import build_schema
    from tkgmem.temporal import utcnow

    small = LIMITS.model_copy(update={"max_scan": 5})
    context = RequestContext(memory=live.memory, principal=Principal(key_id="x", tenant="acme", role=Role.READ),
                             limits=small, now=utcnow(), loaders=Loaders(live.memory))
    def run(query: str) -> dict[str, object]:
        result = asyncio.run(build_schema(small).execute(query, context_value=context))
        assert result.errors is None, result.errors
        return result.data["facts"]  # type: ignore[index,no-any-return]

    q = ('{ facts(where: {relation: {eq: "likes"}}, first: 2) '
         '{ totalCount truncated nodes { subject { name } objectName } } }')
    everything = live.gql(q)["facts"]
    assert everything["truncated"] is False and everything["totalCount"] > 5
    # the store counts a filter it applies itself: totalCount stays exact, only the pages stop at maxScan
    counted = run(q)
    assert (counted["totalCount"], counted["truncated"]) == (everything["totalCount"], True)
    assert counted["nodes"] == everything["nodes"] and len(counted["nodes"]) == 2  # type: ignore[arg-type]
    # so is a NOT of one id or relation field: the store excludes those facts itself
    excluded = run('{ facts(where: {relation: {eq: "likes"}, NOT: {subject: {eq: "nobody"}}}) '
                   '{ totalCount truncated } }')
    assert excluded == {"totalCount": everything["totalCount"], "truncated": True}
    # a filter only the API applies is counted over what was read: at most maxScan
    read = run('{ facts(where: {relation: {eq: "likes"}, NOT: {relation: {contains: "zzz"}}}) '
               '{ totalCount truncated } }')
    assert read == {"totalCount": 5, "truncated": True}


def test_mutations_roles_and_audit(live: LiveServer) -> None:
    ingest = """mutation($r: [FactRecordInput!]!) { ingestFacts(records: $r) { read factsAdded rejected
                rejects { line reason } } }"""
    records = [{"subject": "Dana", "relation": "works_at", "object": "Initech", "validFrom": "2020"},
               {"subject": "Dana", "relation": "", "object": "x"}]
    errs = live.errors(ingest, {"r": records}, token="acme-read")
    assert errs[0]["extensions"]["code"] == "FORBIDDEN" and "role 'write'" in errs[0]["message"]
    out = live.gql(ingest, {"r": records}, token="acme-write")["ingestFacts"]
    assert out["read"] == 2 and out["factsAdded"] == 1 and out["rejected"] == 1
    assert out["rejects"][0]["line"] == 2 and "relation" in out["rejects"][0]["reason"]
    fact = live.gql('{ facts(where: {relation: {eq: "works_at"}, objectValue: {eq: null}}, first: 20) '
                    '{ nodes { id subject { name } } } }')
    dana = next(n["id"] for n in fact["facts"]["nodes"] if n["subject"]["name"] == "Dana")
    fixed = live.gql('mutation($id: ID!) { correctFact(id: $id, valid: {start: "2021-03-01"}, reason: "typo") '
                     '{ id valid { start } reason supersedes } }', {"id": dana}, token="acme-write")["correctFact"]
    assert fixed["id"] == dana and fixed["valid"]["start"].startswith("2021-03-01") and fixed["supersedes"]
    gone = live.gql('mutation($id: ID!) { retract(id: $id) { id current expiredAt } }', {"id": dana},
                    token="acme-write")["retract"]
    assert gone["current"] is False and gone["expiredAt"]
    erase = 'mutation($e: ID!) { erase(entityId: $e, reason: "privacy request") { versions auditId } }'
    dana_entity = live.gql('{ entity(name: "Dana") { id } }')["entity"]["id"]
    errs = live.errors(erase, {"e": dana_entity}, token="acme-write")
    assert "role 'admin'" in errs[0]["message"]
    done = live.gql(erase, {"e": dana_entity}, token="acme-admin")["erase"]
    assert done["versions"] >= 3 and done["auditId"]
    log = live.memory.store.audit_log("acme")
    assert any(e["action"] == "erase" and str(e["actor"]).startswith("api-key:") for e in log)
    assert live.gql('{ entity(name: "Dana") { id } }')["entity"] is None


ROOT_READS = {
    "entity": '{ entity(name: "Alice") { id } }',
    "entities": "{ entities { totalCount nodes { name } } }",
    "facts": '{ facts(where: {valid: {overlaps: {start: "1900-01-01"}}}) { totalCount } }',
    "events": "{ events { totalCount } }",
    "timeline": '{ timeline(entity: "Bob") { totalCount } }',
    "diff": '{ diff(from: {asOf: "1999-01-01"}, to: {}) { addedCount } }',
    "changesSince": '{ changesSince(asOf: "1999-01-01") { totalCount } }',
    "stats": "{ stats { facts entities episodes } }",
}


def test_tenant_isolation_on_every_root_field(live: LiveServer) -> None:
    acme_alice = live.gql('{ entity(name: "Alice") { id } }')["entity"]["id"]
    globex_alice = live.gql('{ entity(name: "Alice") { id facts { nodes { objectName } } } }', token="globex-read")
    assert globex_alice["entity"]["id"] != acme_alice
    assert [n["objectName"] for n in globex_alice["entity"]["facts"]["nodes"]] == ["Rome"]
    assert live.gql('{ entity(name: "Bob") { id } }', token="globex-read")["entity"] is None
    assert live.gql("query($id: ID!) { entity(id: $id) { id } }", {"id": acme_alice},
                    token="globex-read")["entity"] is None
    ents = live.gql("{ entities(first: 20) { nodes { name } } }", token="globex-read")["entities"]["nodes"]
    assert sorted(e["name"] for e in ents) == ["Alice", "Carol", "Globex", "Rome"]
    assert live.gql("{ events { totalCount } }", token="globex-read")["events"]["totalCount"] == 0
    assert live.gql('{ timeline(entity: "Alice") { nodes { ... on Fact { objectName } } } }',
                    token="globex-read")["timeline"]["nodes"] == [{"objectName": "Rome"}]
    errs = live.errors("query($id: ID!) { history(id: $id) { id } }", {"id": acme_alice}, token="globex-read")
    assert errs[0]["extensions"]["code"] == "NOT_FOUND"
    stats = live.gql("{ stats { tenant facts } }", token="globex-read")["stats"]
    assert stats == {"tenant": "globex", "facts": 2}
    for name, q in ROOT_READS.items():
        if name in ("entity", "timeline"):
            continue
        text = str(live.post(q, token="globex-read").json())
        assert "Paris" not in text and "Bob" not in text, name
    # Mutations: globex's writer cannot touch acme's facts, nor erase its entities.
    fact = live.gql('{ facts(where: {relation: {eq: "lives_in"}}) { nodes { id } } }')["facts"]["nodes"][0]["id"]
    for op in ('mutation($id: ID!) { retract(id: $id) { id } }',
               'mutation($id: ID!) { correctFact(id: $id, object: "Oslo") { id } }'):
        errs = live.errors(op, {"id": fact}, token="globex-admin")
        assert errs[0]["extensions"]["code"] == "NOT_FOUND"
    out = live.gql('mutation($e: ID!) { erase(entityId: $e, reason: "test") { versions } }', {"e": acme_alice},
                   token="globex-admin")["erase"]
    assert out["versions"] == 0
    assert live.gql('{ entity(name: "Alice") { id } }')["entity"]["id"] == acme_alice
    live.gql('mutation { ingestFacts(records: [{subject: "Zed", relation: "likes", object: "tea", '
             'objectIsValue: true}]) { factsAdded } }', token="globex-write")
    assert live.gql('{ entity(name: "Zed") { id } }')["entity"] is None
    assert live.gql('{ me { tenant role } }', token="globex-write")["me"] == {"tenant": "globex", "role": "write"}
    # A plan sent by globex runs over globex's graph only.
    import json

    examples = Path(__file__).resolve().parents[1] / "api" / "examples"
    nav = (examples / "navigate.graphql").read_text()
    variables = json.loads((examples / "navigate.json").read_text())
    assert live.gql(nav, variables)["navigate"]["value"] == "Munich"
    other = live.gql(nav, variables, token="globex-read")["navigate"]
    assert other["abstained"] and "Munich" not in str(other)


@pytest.mark.parametrize("name", list(ROOT_READS))
def test_no_key_no_data(live: LiveServer, name: str) -> None:
    for token in (None, "tkg_nope_nope", "Basic abc"):
        r = live.post(ROOT_READS[name], token=token)
        assert r.status_code == 401
        body = r.json()
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    key_id = next(k.id for k in live.keys.list("globex") if k.role.value == "read")
    revoked = live.keys.create("globex", "read")[1]
    assert live.post(ROOT_READS[name], token=revoked).status_code == 200
    live.keys.revoke(next(k.id for k in live.keys.list("globex") if k.id != key_id and k.role.value == "read"))
    assert live.post(ROOT_READS[name], token=revoked).status_code == 401


def test_limits_name_the_limit(live: LiveServer) -> None:
    deep = '{ entity(name: "Alice") { facts { nodes { subject { facts { nodes { subject { facts { nodes { ' \
           "object { name } } } } } } } } } } }"
    err = live.errors(deep)[0]
    assert "maxDepth" in err["message"] and err["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "maxDepth"}
    aliases = "{ " + " ".join(f"a{i}: me {{ tenant }}" for i in range(LIMITS.max_aliases + 1)) + " }"
    err = live.errors(aliases)[0]
    assert "maxAliases" in err["message"] and err["extensions"]["limit"] == "maxAliases"
    tokens = "{ " + " ".join("me { tenant }" for _ in range(300)) + " }"
    err = live.errors(tokens)[0]
    assert "maxTokens" in err["message"] and err["extensions"]["limit"] == "maxTokens"
    err = live.errors("{ facts(first: 500) { totalCount } }")[0]
    assert "maxPageSize=20" in err["message"] and err["extensions"]["limit"] == "maxPageSize"
    err = live.errors('{ search(text: "x", k: 500) { hits { score } } }')[0]
    assert err["extensions"]["limit"] == "maxPageSize"


def test_validation_errors_readable_internal_errors_masked(live: LiveServer, monkeypatch) -> None:
    err = live.errors("{ facts { nodes { nope } } }")[0]
    assert "Cannot query field 'nope' on type 'Fact'" in err["message"]
    assert err["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    err = live.errors('{ facts(basis: {validAt: "not a date"}) { totalCount } }')[0]
    assert "not a date" in err["message"] and "Traceback" not in err["message"]
    err = live.errors('{ facts(after: "garbage") { totalCount } }')[0]
    assert "invalid cursor" in err["message"] and err["extensions"]["code"] == "BAD_USER_INPUT"

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(type(live.memory.store), "stats", boom)
    body = live.post("{ stats { facts } }").json()
    assert body["errors"][0]["message"].startswith("Internal server error")
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in str(body) and "Traceback" not in str(body)


def test_healthz_and_console_page(live: LiveServer) -> None:
    assert httpx.get(f"{live.url}/healthz").json() == {"status": "ok"}
    page = httpx.get(f"{live.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "tkgmem GraphQL" in page.text
    assert "https://" not in page.text  # no CDN assets: the page works offline
    r = httpx.get(f"{live.url}/graphql", params={"query": "{ me { tenant } }"},
                  headers={"Authorization": f"Bearer {live.tokens['acme-read']}"})
    assert r.json() == {"data": {"me": {"tenant": "acme"}}}



@pytest.mark.parametrize("pair", [("2024-01-15", "2024-06-01"), ("2019-06-01", "2024-04-11"), ("2024-03-01", None)])
def test_entity_diff_equals_the_tenant_diff_filtered(live: LiveServer, pair: tuple[str, str | None]) -> None:
    from tkgmem.graphql.queries import _entity_diff
    from tkgmem.model import Event, Fact
    from tkgmem.temporal import Basis

    mem = live.memory
    source, target = Basis(valid_at="2021-08-01", as_of=pair[0]).resolved(), Basis(as_of=pair[1]).resolved()
    for name in ("Alice", "Bob", "Berlin"):
        eid = mem.require_entity(name).lineage_id

        def touches(v: object, eid: str = eid) -> bool:
            if v is None:
                return False
            if getattr(v, "lineage_id", None) == eid:
                return True
            if isinstance(v, Fact):
                return eid in (v.subject_id, v.object_id)
            return isinstance(v, Event) and any(p.entity_id == eid for p in v.participants)

        full = mem.diff(Basis(valid_at=source.valid_at, as_of=source.as_of),
                        Basis(valid_at=target.valid_at, as_of=target.as_of))
        mine = _entity_diff(mem, eid, source, target)
        for part in ("added", "removed", "changed"):
            expected = [e.lineage_id for e in getattr(full, part) if touches(e.before) or touches(e.after)]
            assert [e.lineage_id for e in getattr(mine, part)] == expected, (name, part)
