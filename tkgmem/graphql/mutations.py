"""Root mutations: ingest episodes or fact records, correct and retract facts (role write), erase (role admin).

Inputs that fail validation become rejects in the result (with their position and reason) instead of
failing the whole batch; the rest are ingested.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from tkgmem.errors import InputError
from tkgmem.graphql.context import ctx
from tkgmem.graphql.filters import IntervalInput
from tkgmem.graphql.keys import Role
from tkgmem.graphql.limits import LimitExceeded
from tkgmem.graphql.results import EraseResultType, IngestResultType
from tkgmem.graphql.types import FactNode, VersionNode, node_of
from tkgmem.ingest.items import EpisodeIn, FactRecordIn, IngestReport, Reject


@strawberry.enum(description="Which transaction time ingested items get: NOW (default), or REFERENCE to replay "
                 "history (each item is recorded at its own time: the episode's time, a record's recordedAt).")
class RecordTime(Enum):
    NOW = "now"
    REFERENCE = "reference"


@strawberry.input(description="A dialogue turn or document chunk; extraction runs on the server.")
class EpisodeInput:
    text: str
    time: datetime = strawberry.field(description="when it was said or written (resolves 'yesterday', …)")
    speaker: str | None = None
    addressee: str | None = None
    session: str | None = None
    source: str | None = None
    id: str | None = None
    metadata: JSON | None = None


@strawberry.input(description="A structured fact (no NLP). Dates are ISO; '2019' means the year, '2019-05' the "
                  "month.")
class FactRecordInput:
    subject: str
    relation: str
    object: str
    valid_from: str | None = None
    valid_to: str | None = None
    subject_type: str | None = None
    object_type: str | None = None
    object_is_value: bool = False
    source: str | None = None
    recorded_at: str | None = None
    id: str | None = None


def _validated(items: list[Any], model: type[EpisodeIn] | type[FactRecordIn]) -> tuple[list[Any], list[Reject]]:
    good: list[Any] = []
    rejects: list[Reject] = []
    for line, item in enumerate(items, start=1):
        values = {k: v for k, v in vars(item).items() if v is not None}
        try:
            good.append(model.model_validate(values))
        except (ValidationError, InputError) as exc:
            reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()) \
                if isinstance(exc, ValidationError) else str(exc)
            rejects.append(Reject(source="api", line=line, reason=reason, raw=json.dumps(values, default=str)))
    return good, rejects


async def _ingest(info: strawberry.Info, items: list[Any], model: type[EpisodeIn] | type[FactRecordIn],
                  record_time: RecordTime) -> IngestResultType:
    """One path for both ingest mutations: invalid items become rejects with their position, the rest go in."""
    c = ctx(info)
    c.require(Role.WRITE)
    _check_batch(len(items), c.limits.max_batch)
    good, rejects = _validated(items, model)
    write = c.memory.ingest_episodes if model is EpisodeIn else c.memory.ingest_facts
    report = await c.call(write, good, record_time=record_time.value) if good else IngestReport()
    return IngestResultType.of(report.model_copy(update={
        "read": len(items), "rejected": report.rejected + len(rejects), "rejects": [*rejects, *report.rejects]}))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Ingest dialogue turns or document chunks (extraction runs on the server). "
                         "Needs role write.")
    async def ingest_episodes(self, info: strawberry.Info, episodes: list[EpisodeInput],
                              record_time: RecordTime = RecordTime.NOW) -> IngestResultType:
        return await _ingest(info, episodes, EpisodeIn, record_time)

    @strawberry.mutation(description="Ingest structured fact records (no NLP). Needs role write.")
    async def ingest_facts(self, info: strawberry.Info, records: list[FactRecordInput],
                           record_time: RecordTime = RecordTime.NOW) -> IngestResultType:
        return await _ingest(info, records, FactRecordIn, record_time)

    @strawberry.mutation(description="Correct a fact's valid interval and/or its object (an entity name or a "
                         "value): expires the current version and records a successor. Needs role write.")
    async def correct_fact(self, info: strawberry.Info, id: strawberry.ID, valid: IntervalInput | None = None,
                           object: str | None = None, reason: str = "correction") -> FactNode:
        c = ctx(info)
        c.require(Role.WRITE)
        if valid is None and object is None:
            raise InputError("a correction needs `valid` and/or `object`")
        fact = await c.call(c.memory.correct_fact, str(id), valid=valid.to_interval() if valid else None,
                            object=object, reason=reason)
        return FactNode(model=fact, rb=c.resolve(None))

    @strawberry.mutation(description="Retract a fact or event: expire its current version with no successor. "
                         "Needs role write.")
    async def retract(self, info: strawberry.Info, id: strawberry.ID, reason: str = "retraction") -> VersionNode:
        c = ctx(info)
        c.require(Role.WRITE)
        old = await c.call(c.memory.retract, str(id), reason)
        return node_of(old, c.resolve(None))

    @strawberry.mutation(description="Delete episodes (and what only they support) or an entity with its facts "
                         "and events, for real. Audited with the key id as actor. Needs role admin.")
    async def erase(self, info: strawberry.Info, reason: str, episode_ids: list[strawberry.ID] | None = None,
                    entity_id: strawberry.ID | None = None) -> EraseResultType:
        c = ctx(info)
        c.require(Role.ADMIN)
        if not episode_ids and entity_id is None:
            raise InputError("erase needs `episodeIds` and/or `entityId`")
        report = await c.call(c.memory.erase, actor=f"api-key:{c.principal.key_id}", reason=reason,
                              episode_ids=[str(e) for e in episode_ids or []],
                              entity_id=str(entity_id) if entity_id is not None else None)
        return EraseResultType.of(report)


def _check_batch(n: int, max_batch: int) -> None:
    if n > max_batch:
        raise LimitExceeded("maxBatch", f"batch limit exceeded: {n} items is over maxBatch={max_batch}; "
                            "split the batch")
