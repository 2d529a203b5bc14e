"""Per-request DataLoaders for nested fields, keyed by (basis, id).

One loader per request (never shared between requests or tenants): a query that asks for the subject
entity of 100 facts makes one batched threadpool call with the distinct ids, and every repeated id
is served from the request's cache. Keys carry the basis so one request may mix bases safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from tkgmem.model import Entity, Episode, Event, EventLink, EventQuery, Fact, FactQuery
from tkgmem.temporal import Basis

if TYPE_CHECKING:
    from tkgmem.memory import Memory

BasisKey = tuple[datetime, datetime | None]  # (valid_at, as_of)
IdKey = tuple[BasisKey, str]


def basis_of(key: BasisKey) -> Basis:
    return Basis(valid_at=key[0], as_of=key[1])


class Loaders:
    """The loaders of one request, all bound to one tenant's memory."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.entity: DataLoader[IdKey, Entity | None] = DataLoader(self._entities)
        self.episode: DataLoader[str, Episode | None] = DataLoader(self._episodes)
        self.entity_facts: DataLoader[IdKey, list[Fact]] = DataLoader(self._entity_facts)
        self.entity_events: DataLoader[IdKey, list[Event]] = DataLoader(self._entity_events)
        self.links: DataLoader[str, list[EventLink]] = DataLoader(self._links)
        self.calls = 0  # threadpool round trips, for tests of batching

    async def _run(self, fn: Any, *args: Any) -> Any:
        self.calls += 1
        return await run_in_threadpool(fn, *args)

    async def _entities(self, keys: list[IdKey]) -> Sequence[Entity | None]:
        def fetch() -> list[Entity | None]:
            store, tenant = self.memory.store, self.memory.tenant
            found: dict[IdKey, Entity | None] = {}
            for key in dict.fromkeys(keys):
                found[key] = store.entity(tenant, key[1], basis_of(key[0]))
            return [found[k] for k in keys]

        result: list[Entity | None] = await self._run(fetch)
        return result

    async def _episodes(self, ids: list[str]) -> Sequence[Episode | None]:
        def fetch() -> list[Episode | None]:
            by_id = {e.id: e for e in self.memory.store.episodes(self.memory.tenant, list(dict.fromkeys(ids)))}
            return [by_id.get(i) for i in ids]

        result: list[Episode | None] = await self._run(fetch)
        return result

    async def _entity_facts(self, keys: list[IdKey]) -> Sequence[list[Fact]]:
        def fetch() -> list[list[Fact]]:
            found: dict[IdKey, list[Fact]] = {}
            for key in dict.fromkeys(keys):
                found[key] = self.memory.facts(FactQuery(entity_id=key[1]), basis_of(key[0]))
            return [found[k] for k in keys]

        result: list[list[Fact]] = await self._run(fetch)
        return result

    async def _entity_events(self, keys: list[IdKey]) -> Sequence[list[Event]]:
        def fetch() -> list[list[Event]]:
            found: dict[IdKey, list[Event]] = {}
            for key in dict.fromkeys(keys):
                found[key] = self.memory.events(EventQuery(participant_id=key[1]), basis_of(key[0]))
            return [found[k] for k in keys]

        result: list[list[Event]] = await self._run(fetch)
        return result

    async def _links(self, event_ids: list[str]) -> Sequence[list[EventLink]]:
        def fetch() -> list[list[EventLink]]:
            links = self.memory.store.event_links(self.memory.tenant, list(dict.fromkeys(event_ids)))
            return [[lk for lk in links if eid in (lk.source_id, lk.target_id)] for eid in event_ids]

        result: list[list[EventLink]] = await self._run(fetch)
        return result
