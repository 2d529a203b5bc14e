"""Every api/examples/*.graphql runs against a live server with real data; the committed SDL is current."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_graphql_support import FOUR_QUESTIONS, HOBBIES, LiveServer, run_server

from tkgmem.graphql.schema import schema_sdl

API = Path(__file__).resolve().parents[1] / "api"
EXAMPLES = sorted((API / "examples").glob("*.graphql"))


def _is_mutation(path: Path) -> bool:
    body = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
    return body.lstrip().startswith("mutation")


# Reads first, then mutations, so the reads see the seeded data only.
ORDERED = [p for p in EXAMPLES if not _is_mutation(p)] + [p for p in EXAMPLES if _is_mutation(p)]
NEEDS_MODELS = {"search", "ask"}  # load the embedding model (and the question parser)
PARAMS = [pytest.param(p, id=p.stem, marks=[pytest.mark.models, pytest.mark.slow] if p.stem in NEEDS_MODELS else [])
          for p in ORDERED]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from run_server(tmp_path_factory.mktemp("gql_examples"))


def run_example(live: LiveServer, path: Path, **overrides: Any) -> dict[str, Any]:
    variables_file = path.with_suffix(".json")
    variables = json.loads(variables_file.read_text()) if variables_file.exists() else {}
    return live.gql(path.read_text(), {**variables, **overrides}, token="acme-write")


def test_examples_exist() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"current_facts", "bitemporal_four_questions", "timeline", "history", "diff", "paging"} <= names


@pytest.mark.parametrize("path", PARAMS)
def test_example_runs(live: LiveServer, path: Path) -> None:
    data = run_example(live, path)
    assert data and all(v is not None for v in data.values()), data
    check = CHECKS.get(path.stem)
    if check is not None:
        check(live, data)


def _four(live: LiveServer, data: dict[str, Any]) -> None:
    answers = {alias: [n["objectName"] for n in data[alias]["facts"]["nodes"]] for alias in FOUR_QUESTIONS}
    assert answers == {alias: [city] for alias, (_, city) in FOUR_QUESTIONS.items()}
    assert len({tuple(v) for v in answers.values()}) == 4


def _current(live: LiveServer, data: dict[str, Any]) -> None:
    facts = data["entity"]["facts"]
    assert data["entity"]["basis"]["asOf"] is None
    assert facts["totalCount"] == len(HOBBIES) + 1  # London (lives in, now) + the hobbies
    assert any(n["objectName"] == "London" for n in facts["nodes"])


def _paging(live: LiveServer, data: dict[str, Any]) -> None:
    seen, page = [], data["facts"]
    seen += [e["node"]["objectValue"] for e in page["edges"]]
    while page["pageInfo"]["hasNextPage"]:
        page = run_example(live, API / "examples" / "paging.graphql", after=page["pageInfo"]["endCursor"])["facts"]
        seen += [e["node"]["objectValue"] for e in page["edges"]]
    assert sorted(seen) == sorted(HOBBIES)


def _history(live: LiveServer, data: dict[str, Any]) -> None:
    versions = data["history"]["versions"]
    assert versions[0]["kind"] == "entity"
    assert any(not v["current"] and v["recorded"]["end"] for v in versions)


def _diff(live: LiveServer, data: dict[str, Any]) -> None:
    d = data["diff"]
    assert d["changedCount"] + d["addedCount"] + d["removedCount"] > 0


def _ingest(live: LiveServer, data: dict[str, Any]) -> None:
    out = data["ingestFacts"]
    assert out["read"] == 3 and out["factsAdded"] == 2 and out["rejected"] == 1


def _timeline(live: LiveServer, data: dict[str, Any]) -> None:
    kinds = {n["kind"] for n in data["timeline"]["nodes"]}
    assert kinds == {"fact", "event"}


def _search(live: LiveServer, data: dict[str, Any]) -> None:
    hits = data["search"]["hits"]
    assert 0 < len(hits) <= 3 and "Munich" in hits[0]["episode"]["text"]


def _ask(live: LiveServer, data: dict[str, Any]) -> None:
    answer = data["ask"]
    assert answer["kind"] and answer["basis"]["asOf"].startswith("2024-06-01")
    assert answer["abstained"] or answer["evidence"]


def _navigate(live: LiveServer, data: dict[str, Any]) -> None:
    assert data["navigate"]["value"] == "Munich"  # the residence before the move to Berlin
    earlier = run_example(live, API / "examples" / "navigate.graphql", basis={"asOf": "2024-01-15"})
    assert earlier["navigate"]["value"] == "Paris"  # before Munich was known, Paris preceded Berlin


CHECKS = {"navigate": _navigate, "search": _search, "ask": _ask, "bitemporal_four_questions": _four,
          "current_facts": _current, "paging": _paging, "history": _history, "diff": _diff, "ingest_facts": _ingest,
          "timeline": _timeline}


def test_schema_file_is_current() -> None:
    committed = (API / "schema.graphql").read_text()
    assert committed == schema_sdl(), (
        "api/schema.graphql is stale: regenerate it with `python -m tkgmem.graphql.schema > api/schema.graphql`"
    )
