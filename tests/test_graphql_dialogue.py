"""Done-when of the API: a client ingests a dialogue through GraphQL (extraction on the server), then reads
the four bi-temporal answers of DESIGN.md §2 and gets four different, correct answers; another tenant sees
nothing of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_graphql_support import FOUR_QUESTIONS, LiveServer, run_server

DIALOGUE = [
    ("2019-03-01T10:00:00Z", "I have lived in Paris since January."),
    ("2023-02-01T10:00:00Z", "I moved to Berlin last February."),
    ("2024-03-01T10:00:00Z", "From May 2021 to February 2022 I lived in Munich."),
    ("2024-04-10T10:00:00Z", "I just moved to London."),
]

INGEST = """mutation($episodes: [EpisodeInput!]!) {
  ingestEpisodes(episodes: $episodes, recordTime: REFERENCE) { read episodesAdded factsAdded rejected }
}"""

WHERE = """query($basis: BasisInput) { entity(name: "Alice", basis: $basis) {
  facts(where: {relation: {eq: "lives_in"}}) { basis { validAt asOf } nodes { objectName } } } }"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from run_server(tmp_path_factory.mktemp("gql_dialogue"), seed=False)


@pytest.mark.models
@pytest.mark.slow
def test_ingest_dialogue_then_four_bitemporal_answers(live: LiveServer) -> None:
    episodes = [{"text": text, "time": when, "speaker": "Alice", "session": "s1"} for when, text in DIALOGUE]
    out = live.gql(INGEST, {"episodes": episodes}, token="acme-write")["ingestEpisodes"]
    assert out["read"] == 4 and out["episodesAdded"] == 4 and out["rejected"] == 0 and out["factsAdded"] >= 4
    answers = {}
    for name, (basis, _) in FOUR_QUESTIONS.items():
        data = live.gql(WHERE, {"basis": basis})["entity"]["facts"]
        assert data["basis"]["validAt"].startswith(basis["validAt"])
        answers[name] = [n["objectName"] for n in data["nodes"]]
    assert answers == {name: [city] for name, (_, city) in FOUR_QUESTIONS.items()}
    again = live.gql(INGEST, {"episodes": episodes}, token="acme-write")["ingestEpisodes"]
    assert again["episodesAdded"] == 0  # re-ingesting is a no-op
    assert live.gql('{ entity(name: "Alice") { id } }', token="globex-read")["entity"] is None
    # Questions over the same memory: hybrid search and the navigator, each reporting its basis.
    hits = live.gql('{ search(text: "Munich", k: 2) { basis { asOf } hits { score episode { text } } } }')
    assert "Munich" in hits["search"]["hits"][0]["episode"]["text"]
    assert live.gql('{ search(text: "Munich") { hits { score } } }', token="globex-read")["search"]["hits"] == []
    answer = live.gql('{ ask(question: "Where does Alice live?") { kind value abstained evidence { text } plan '
                      "basis { validAt asOf } } }")["ask"]
    assert answer["kind"] and answer["basis"]["validAt"] and (answer["abstained"] or answer["evidence"])
    assert live.gql("{ stats { episodes facts } }", token="globex-read")["stats"] == {"episodes": 0, "facts": 0}
