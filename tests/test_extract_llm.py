"""The optional LLM extractor against a local stand-in OpenAI-compatible server (canned JSON)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from tkgmem.errors import ConfigError
from tkgmem.extract.base import Extractor
from tkgmem.extract.llm import LLMExtractor
from tkgmem.model import Entity, Episode, Modality
from tkgmem.settings import Settings

CANNED = {
    "entities": [{"name": "Caroline", "type": "person"}, {"name": "Boston", "type": "place"}],
    "events": [{"turn": 0, "predicate": "go", "summary": "Caroline went to a support group",
                "participants": [{"name": "I", "role": "agent"}], "when": "yesterday", "modality": "happened"},
               {"turn": 0, "predicate": "camp", "summary": "camping trip", "participants": [{"name": "Caroline"}],
                "when": "2023-06-10", "modality": "planned"}],
    "facts": [{"turn": 0, "subject": "Caroline", "relation": "lives in", "object": "Boston", "since": "2019"}],
}
seen: list[dict[str, Any]] = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        seen.append({"path": self.path, "body": body})
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": json.dumps(CANNED)}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_needs_a_url() -> None:
    with pytest.raises(ConfigError):
        LLMExtractor(Settings())


def test_same_typed_batch_as_the_offline_pipeline(server: str) -> None:
    ep = Episode(id="e1", source="chat", speaker="Caroline", addressee="Melanie",
                 text="I went to a support group yesterday.", reference_time=datetime(2023, 5, 8, tzinfo=UTC))
    ex = LLMExtractor(Settings(llm_url=server))
    assert isinstance(ex, Extractor)
    batch = ex.extract([ep], "t1")
    assert seen and seen[-1]["path"] == "/v1/chat/completions"
    assert "I went to a support group" in seen[-1]["body"]["messages"][1]["content"]
    caroline = Entity.make_id("t1", "Caroline", "person")
    go = next(e for e in batch.events if e.predicate == "go")
    assert go.participants[0].entity_id == caroline  # "I" -> the speaker
    assert go.valid.start == datetime(2023, 5, 7, tzinfo=UTC)  # "yesterday" resolved against the turn
    camp = next(e for e in batch.events if e.predicate == "camp")
    assert camp.modality is Modality.PLANNED
    fact = batch.facts[0]
    assert fact.relation == "lives_in" and fact.object_id == Entity.make_id("t1", "Boston", "place")
    assert fact.valid.start == datetime(2019, 1, 1, tzinfo=UTC)
    assert batch.episodes == [ep]
