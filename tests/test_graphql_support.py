"""Shared helpers for the GraphQL tests: seed data, API keys, and a real uvicorn server on 127.0.0.1.

Imported by the other test_graphql_* modules; holds no tests itself.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tkgmem.graphql.app import create_app
from tkgmem.graphql.keys import KeyStore
from tkgmem.graphql.limits import Limits
from tkgmem.ingest.items import FactRecordIn
from tkgmem.memory import Memory
from tkgmem.model import Batch, Event, Participant
from tkgmem.temporal import Interval, as_utc

# DESIGN.md §2's story, replayed with its own transaction times: Paris from 2019 (told 2019-03),
# Berlin from 2022-02 (told 2023-02), late news of Munich 2021-05..2022-02 (told 2024-03),
# London from 2024-04 (told 2024-04-10).
ALICE_STORY = [
    dict(object="Paris", valid_from="2019-01", recorded_at="2019-03-01"),
    dict(object="Berlin", valid_from="2022-02", recorded_at="2023-02-01"),
    dict(object="Munich", valid_from="2021-05", valid_to="2022-02", recorded_at="2024-03-01"),
    dict(object="London", valid_from="2024-04", recorded_at="2024-04-10"),
]
FOUR_QUESTIONS = {  # basis -> where Alice lives at that basis
    "now": ({"validAt": "2024-06-15"}, "London"),
    "in2021": ({"validAt": "2021-08-01"}, "Munich"),
    "believedLastJanuary": ({"validAt": "2024-01-15", "asOf": "2024-01-15"}, "Berlin"),
    "believedLastJanuaryAbout2021": ({"validAt": "2021-08-01", "asOf": "2024-01-15"}, "Paris"),
}
HOBBIES = [f"hobby {i:02d}" for i in range(25)]


def seed_alice(memory: Memory) -> None:
    records = [FactRecordIn(subject="Alice", subject_type="person", relation="lives_in", object_type="place",
                            source="crm", **r) for r in ALICE_STORY]
    records += [FactRecordIn(subject="Alice", subject_type="person", relation="likes", object=h,
                             object_is_value=True, valid_from="2020-01", recorded_at="2024-05-01", source="crm")
                for h in HOBBIES]
    records.append(FactRecordIn(subject="Bob", subject_type="person", relation="works_at", object="Acme Corp",
                                object_type="organization", valid_from="2018", recorded_at="2024-05-01"))
    report = memory.ingest_facts(records, record_time="reference")
    assert report.rejected == 0, report.rejects
    # One event written straight to the store (no extraction): Alice and Bob met in Berlin.
    alice = memory.require_entity("Alice")
    bob = memory.require_entity("Bob")
    berlin = memory.require_entity("Berlin")
    tenant = memory.tenant
    eid = f"ev_{tenant}_meeting"
    event = Event(version_id=f"{eid}_v1", lineage_id=eid, tenant=tenant, predicate="meet",
                  summary="Alice met Bob in Berlin", valid=Interval.between("2023-03-04", "2023-03-05"),
                  recorded_at=as_utc("2024-05-01"), place_id=berlin.lineage_id,
                  participants=(Participant(entity_id=alice.lineage_id, role="agent"),
                                Participant(entity_id=bob.lineage_id, role="patient")))
    memory.store.write(Batch(tenant=tenant, events=[event]), recorded_at=as_utc("2024-05-01"))


def seed_other(memory: Memory) -> None:
    """A second tenant with its own Alice, so isolation tests would see a leak."""
    report = memory.ingest_facts([
        FactRecordIn(subject="Alice", subject_type="person", relation="lives_in", object="Rome",
                     object_type="place", valid_from="2010", recorded_at="2011-01-01"),
        FactRecordIn(subject="Carol", subject_type="person", relation="works_at", object="Globex",
                     object_type="organization", valid_from="2015", recorded_at="2016-01-01"),
    ], record_time="reference")
    assert report.rejected == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    memory: Memory
    keys: KeyStore
    tokens: dict[str, str] = field(default_factory=dict)
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def post(self, query: str, variables: dict[str, Any] | None = None, token: str | None = "acme-read",
             **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens.get(token, token)}"} if token else {}
        return self.client.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                          headers=headers, timeout=kw.pop("timeout", 300), **kw)

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str = "acme-read") -> dict[str, Any]:
        """Run an operation that must succeed; returns `data`."""
        r = self.post(query, variables, token)
        assert r.status_code == 200, r.text
        body = r.json()
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def errors(self, query: str, variables: dict[str, Any] | None = None, token: str = "acme-read") -> list[dict]:
        r = self.post(query, variables, token)
        body = r.json()
        assert body.get("errors"), body
        errs: list[dict[str, Any]] = body["errors"]
        return errs


def run_server(tmp: Path, limits: Limits | None = None, seed: bool = True) -> Iterator[LiveServer]:
    """Seeded store, keys for two tenants and three roles, uvicorn on a free port in a thread."""
    memory = Memory.open(f"sqlite:///{tmp / 'memory.db'}", tenant="acme")
    if seed:
        seed_alice(memory)
        seed_other(memory.for_tenant("globex"))
    keys = KeyStore(tmp / "memory.keys.db")
    tokens = {}
    for tenant in ("acme", "globex"):
        for role in ("read", "write", "admin"):
            tokens[f"{tenant}-{role}"] = keys.create(tenant, role, label="tests")[1]
    port = free_port()
    config = uvicorn.Config(create_app(memory, keys, limits or Limits()), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    live = LiveServer(url=f"http://127.0.0.1:{port}", memory=memory, keys=keys, tokens=tokens)
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        memory.close()
        keys.close()
        live.client.close()
