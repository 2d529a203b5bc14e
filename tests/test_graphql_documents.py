"""The cache of parsed and validated documents: a query over a limit is rejected on every submission,
a repeated valid query answers the same, callers and limits configs never share an answer or a verdict,
and the cache stays within its bounds. Against a live uvicorn server and, for the limits configs, the
schema in-process (the queries there need no caller: `__typename` and introspection)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from test_graphql_support import LiveServer, run_server, seed_alice

from tkgmem.graphql.context import RequestContext
from tkgmem.graphql.documents import DocumentCache
from tkgmem.graphql.keys import Principal, Role
from tkgmem.graphql.limits import Limits
from tkgmem.graphql.loaders import Loaders
from tkgmem.graphql.schema import Schema, build_schema
from tkgmem.memory import Memory
from tkgmem.temporal import utcnow

LIMITS = Limits(max_depth=8, max_aliases=6, max_tokens=800, default_page_size=10, max_page_size=20)

DEEP = ('{ entity(name: "Alice") { facts { nodes { subject { facts { nodes { subject { facts { nodes { '
        "object { name } } } } } } } } } } }")
ALIASES = "{ " + " ".join(f"a{i}: me {{ tenant }}" for i in range(LIMITS.max_aliases + 1)) + " }"
TOKENS = "{ " + " ".join("me { tenant }" for _ in range(300)) + " }"
UNKNOWN_FIELD = "{ me { tenant noSuchField } }"
SYNTAX = "{ me { tenant }"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from run_server(tmp_path_factory.mktemp("gql_documents"), LIMITS)


@pytest.mark.parametrize(("query", "code", "limit"), [
    (DEEP, "LIMIT_EXCEEDED", "maxDepth"),
    (ALIASES, "LIMIT_EXCEEDED", "maxAliases"),
    (TOKENS, "LIMIT_EXCEEDED", "maxTokens"),
    (UNKNOWN_FIELD, "GRAPHQL_VALIDATION_FAILED", None),
    (SYNTAX, "GRAPHQL_VALIDATION_FAILED", None),
], ids=["depth", "aliases", "tokens", "unknown-field", "syntax"])
def test_rejected_on_every_submission_with_the_same_error(live: LiveServer, query: str, code: str,
                                                          limit: str | None) -> None:
    bodies = []
    for token in ("acme-read", "acme-read", "globex-read", "acme-read"):
        r = live.post(query, token=token)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["data"] is None and body["errors"], body
        assert body["errors"][0]["extensions"]["code"] == code
        assert body["errors"][0]["extensions"].get("limit") == limit
        if limit:
            assert limit in body["errors"][0]["message"]
        bodies.append(body)
    assert all(b == bodies[0] for b in bodies), bodies
    # over GET as well, after the POSTs
    r = live.client.get(f"{live.url}/graphql", params={"query": query},
                        headers={"Authorization": f"Bearer {live.tokens['acme-read']}"})
    assert r.status_code == 200 and r.json() == bodies[0]


def test_valid_query_repeated_answers_the_same_per_caller(live: LiveServer) -> None:
    query = '{ me { tenant role } entity(name: "Alice") { name } }'
    acme = [live.gql(query, token="acme-read") for _ in range(3)]
    globex = [live.gql(query, token="globex-read") for _ in range(3)]
    assert all(a == acme[0] for a in acme) and all(g == globex[0] for g in globex)
    assert acme[0]["me"] == {"tenant": "acme", "role": "read"} and acme[0]["entity"]["name"] == "Alice"
    assert globex[0]["me"]["tenant"] == "globex"
    # the same text with other variables and operation names: each request gets its own values
    named = "query A($n: String!) { entity(name: $n) { name } } query B { me { tenant } }"
    for _ in range(2):
        body = live.client.post(f"{live.url}/graphql", json={"query": named, "operationName": "A",
                                                             "variables": {"n": "Alice"}},
                                headers={"Authorization": f"Bearer {live.tokens['acme-read']}"}).json()
        assert body == {"data": {"entity": {"name": "Alice"}}}
        body = live.client.post(f"{live.url}/graphql", json={"query": named, "operationName": "B"},
                                headers={"Authorization": f"Bearer {live.tokens['globex-read']}"}).json()
        assert body == {"data": {"me": {"tenant": "globex"}}}


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    memory = Memory.open(f"sqlite:///{tmp_path_factory.mktemp('gql_documents_mem') / 'memory.db'}", tenant="acme")
    seed_alice(memory)
    yield memory
    memory.close()


def _run(schema: Schema, query: str, memory: Memory | None = None) -> tuple[Any, list[dict[str, Any]]]:
    """Execute as the app does, with a read key's context of tenant `acme` when a memory is given."""
    context = None if memory is None else RequestContext(
        memory=memory, principal=Principal(key_id="k1", tenant="acme", role=Role.READ), limits=Limits(),
        now=utcnow(), loaders=Loaders(memory))
    result = asyncio.run(schema.execute(query, context_value=context))
    return result.data, [e.formatted for e in result.errors or []]


DEPTH_4 = '{ entity(name: "Alice") { facts { nodes { object { name } } } } }'
FIVE_ALIASES = "{ " + " ".join(f"a{i}: __typename" for i in range(5)) + " }"
THIRTY_TOKENS = "{ " + "__typename " * 30 + "}"


@pytest.mark.parametrize(("query", "limit"), [
    (DEPTH_4, "maxDepth"), (FIVE_ALIASES, "maxAliases"), (THIRTY_TOKENS, "maxTokens"),
], ids=["depth", "aliases", "tokens"])
def test_limits_configs_keep_their_own_verdicts_in_a_shared_cache(memory: Memory, query: str, limit: str) -> None:
    documents = DocumentCache()
    lenient, strict = Limits(), Limits(max_depth=3, max_aliases=3, max_tokens=25)
    shared_lenient, shared_strict = build_schema(lenient, documents), build_schema(strict, documents)
    for _ in range(3):  # lenient first: its cached document and verdict must not leak into strict
        answer, errors = _run(shared_lenient, query, memory)
        assert answer is not None and not errors, errors
        data, errors = _run(shared_strict, query, memory)
        assert data is None and len(errors) == 1, errors
        assert errors[0]["extensions"]["limit"] == limit and limit in errors[0]["message"]
    assert documents.hits > 0  # the lenient schema's repeats came from the cache
    # each schema with its own (default) cache: same verdicts
    own_strict, own_lenient = build_schema(strict), build_schema(lenient)
    for _ in range(2):
        assert _run(own_strict, query, memory)[1][0]["extensions"]["limit"] == limit
        assert _run(own_lenient, query, memory) == (answer, [])


def test_cache_is_bounded_and_still_correct_after_eviction() -> None:
    documents = DocumentCache(max_entries=4, max_chars=400)
    schema = build_schema(Limits(), documents)
    queries = ["{ " + f"a{i}: __typename" + " }" for i in range(20)]
    for q in queries:
        data, errors = _run(schema, q)
        assert not errors and data == {q.split(":")[0][2:]: "Query"}
        assert len(documents) <= 4 and documents.chars <= 400
    assert len(documents) == 4
    # the evicted first query is parsed and validated again, and answers the same
    assert _run(schema, queries[0]) == ({"a0": "Query"}, [])
    # a query longer than the whole cache is answered, never cached
    long_query = "{ " + "__typename " * 60 + "}"
    before = len(documents), documents.chars
    assert _run(schema, long_query) == ({"__typename": "Query"}, [])
    assert (len(documents), documents.chars) == before
    # the character bound evicts too
    wide = DocumentCache(max_entries=100, max_chars=100)
    schema = build_schema(Limits(), wide)
    for i in range(10):
        _run(schema, "{ " + f"alias{i}: __typename " * 2 + "}")  # 2 aliases of one name: one field
        assert wide.chars <= 100
    assert len(wide) < 10
    with pytest.raises(ValueError):
        DocumentCache(max_entries=-1)


def test_cached_errors_are_not_changed_by_the_error_policy() -> None:
    documents = DocumentCache()
    schema = build_schema(Limits(max_aliases=1), documents)
    first = _run(schema, "{ me { nope } }")
    again = [_run(schema, "{ me { nope } }") for _ in range(3)]
    assert first[1][0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert all(a == first for a in again)
    over = "{ a: __typename b: __typename }"
    first = _run(schema, over)
    assert first[1][0]["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "maxAliases"}
    assert first[1][0]["message"].startswith("query limit exceeded (maxAliases=1)")
    assert all(_run(schema, over) == first for _ in range(3))
    assert documents.hits >= 6
