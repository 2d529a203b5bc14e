"""Records of a memory in transit: what `export_records` yields and `import_records` takes.

A stream of these carries everything a store holds for one tenant (every episode with its embedding,
every version with both time axes, provenance, event links, the audit log, checkpoints), so a memory can
move between stores without losing its history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tkgmem.model import Entity, Episode, Event, EventLink, Fact, Span

AnyVersion = Annotated[Entity | Fact | Event, Field(discriminator="kind")]


class EpisodeRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    type: Literal["episode"] = "episode"
    episode: Episode  # recorded_at set
    embedding: list[float] | None = None


class VersionRecord(BaseModel):
    """One stored version as it is: ids, both time axes (expired_at included) and its supersedes link.
    Provenance travels separately, per lineage."""

    model_config = ConfigDict(frozen=True)
    type: Literal["version"] = "version"
    version: AnyVersion


class ProvenanceRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    type: Literal["provenance"] = "provenance"
    lineage_id: str
    span: Span


class LinkRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    type: Literal["link"] = "link"
    link: EventLink  # recorded_at set


class AuditRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    type: Literal["audit"] = "audit"
    id: str
    at: datetime
    actor: str
    action: str
    reason: str
    details: dict[str, Any] = Field(default_factory=dict)


class CheckpointRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    type: Literal["checkpoint"] = "checkpoint"
    job_id: str
    state: dict[str, Any]
    updated_at: datetime | None = None


Record = Annotated[
    EpisodeRecord | VersionRecord | ProvenanceRecord | LinkRecord | AuditRecord | CheckpointRecord,
    Field(discriminator="type"),
]

RECORD_TYPES = ("episode", "version", "provenance", "link", "audit", "checkpoint")

__all__ = [
    "RECORD_TYPES",
    "AuditRecord",
    "CheckpointRecord",
    "EpisodeRecord",
    "LinkRecord",
    "ProvenanceRecord",
    "Record",
    "VersionRecord",
    "runs",
]


def runs(records: Iterable[BaseModel], size: int) -> Iterator[tuple[str, list[Any]]]:
    """Consecutive records of one type, at most `size` at a time: the unit a store imports in one write."""
    kind = ""
    buf: list[Any] = []
    for r in records:
        t = getattr(r, "type", "")
        if buf and (t != kind or len(buf) >= size):
            yield kind, buf
            buf = []
        kind = t
        buf.append(r)
    if buf:
        yield kind, buf
