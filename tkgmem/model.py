"""The data model at every boundary: episodes, and versioned entities, facts and events.

A *version* is immutable once stored except for `expired_at`, set when a correction, a
contradiction or a retraction supersedes it. All versions of one thing share a `lineage_id`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tkgmem.temporal import Basis, Interval, ResolvedBasis, as_utc

DEFAULT_TENANT = "default"


def stable_id(prefix: str, *parts: object) -> str:
    """Deterministic id from its parts, so re-ingesting the same input yields the same ids."""
    raw = json.dumps([str(p) for p in parts], ensure_ascii=False, separators=(",", ":"))
    return f"{prefix}_{hashlib.sha256(raw.encode()).hexdigest()[:24]}"


def normalize_name(name: str) -> str:
    return " ".join(name.casefold().replace("’", "'").split())


def name_words(name: str) -> frozenset[str]:
    """The distinct words of a name, normalised: what a lookup by words matches."""
    return frozenset(normalize_name(name).split())


def name_word_rows(names: Iterable[str]) -> list[tuple[str, str, int]]:
    """(word, name, distinct words of the name) for every distinct word of each normalised name: the rows both
    stores index names by, so that a lookup by words counts the asked words a name has."""
    rows: list[tuple[str, str, int]] = []
    for name in names:
        words = name_words(name)
        rows.extend((w, name, len(words)) for w in sorted(words))
    return rows


def word_distance(wanted: frozenset[str], words: frozenset[str]) -> int | None:
    """How many words two names differ by when the words of one hold the other's ("Leo" and "Leo Silva":
    1); None when neither holds the other."""
    if not wanted or not words or not (wanted <= words or words <= wanted):
        return None
    return len(wanted ^ words)


class EpisodeKind(StrEnum):
    DIALOGUE = "dialogue"
    DOCUMENT = "document"
    RECORD = "record"


class Span(BaseModel):
    """Where in an episode's text a thing was mentioned (character offsets, end exclusive)."""

    model_config = ConfigDict(frozen=True)

    episode_id: str
    start: int | None = None
    end: int | None = None


class Episode(BaseModel):
    """One unit of input: a dialogue turn, a document chunk or a record."""

    model_config = ConfigDict(frozen=True)

    id: str
    tenant: str = DEFAULT_TENANT
    kind: EpisodeKind = EpisodeKind.DIALOGUE
    source: str
    session: str | None = None
    speaker: str | None = None
    addressee: str | None = None
    text: str
    reference_time: datetime
    seq: int = 0
    metadata: dict[str, Any] = Field(default_factory=dict)
    recorded_at: datetime | None = None

    @field_validator("reference_time", mode="before")
    @classmethod
    def _utc(cls, v: Any) -> datetime:
        return as_utc(v)

    @staticmethod
    def make_id(tenant: str, source: str, text: str, reference_time: datetime, extra: str = "") -> str:
        return stable_id("ep", tenant, source, text, as_utc(reference_time).isoformat(), extra)


class Version(BaseModel):
    """Fields shared by every versioned thing (both time axes and provenance)."""

    model_config = ConfigDict(frozen=True)

    version_id: str
    lineage_id: str
    tenant: str = DEFAULT_TENANT
    valid: Interval = Field(default_factory=Interval)
    recorded_at: datetime
    expired_at: datetime | None = None
    supersedes: str | None = Field(None, description="version_id this version replaced, if any")
    reason: str | None = Field(None, description="why this version was written: ingest, correction, contradiction…")
    provenance: tuple[Span, ...] = ()

    @field_validator("recorded_at", "expired_at", mode="before")
    @classmethod
    def _utc(cls, v: Any) -> datetime | None:
        return None if v is None else as_utc(v)

    @property
    def valid_from(self) -> datetime | None:
        return self.valid.start

    @property
    def valid_to(self) -> datetime | None:
        return self.valid.end

    @property
    def is_current(self) -> bool:
        return self.expired_at is None

    def visible(self, basis: ResolvedBasis) -> bool:
        """Believed at `basis.as_of` (or now) and true at `basis.valid_at`."""
        return self.believed(basis.as_of) and self.valid.contains(basis.valid_at)

    def believed(self, as_of: datetime | None) -> bool:
        if as_of is None:
            return self.expired_at is None
        return self.recorded_at <= as_of and (self.expired_at is None or as_of < self.expired_at)


class Entity(Version):
    kind: Literal["entity"] = "entity"
    name: str
    type: str = "thing"
    aliases: tuple[str, ...] = ()
    attributes: dict[str, Any] = Field(default_factory=dict)

    @staticmethod
    def make_id(tenant: str, name: str, type_: str = "") -> str:
        return stable_id("en", tenant, normalize_name(name), type_)


class Fact(Version):
    """A relation between two entities (or an entity and a literal value) with a valid interval."""

    kind: Literal["fact"] = "fact"
    subject_id: str
    relation: str
    object_id: str | None = None
    object_value: str | None = None
    confidence: float = 1.0

    @property
    def object_key(self) -> str:
        return self.object_id if self.object_id is not None else f"value:{self.object_value}"


class Modality(StrEnum):
    HAPPENED = "happened"
    ONGOING = "ongoing"
    PLANNED = "planned"
    HABITUAL = "habitual"
    NEGATED = "negated"
    HYPOTHETICAL = "hypothetical"


class Participant(BaseModel):
    model_config = ConfigDict(frozen=True)

    entity_id: str
    role: str = "agent"


class Event(Version):
    """Something that happened, happens or is planned."""

    kind: Literal["event"] = "event"
    predicate: str
    summary: str = ""
    participants: tuple[Participant, ...] = ()
    place_id: str | None = None
    modality: Modality = Modality.HAPPENED


class LinkType(StrEnum):
    BEFORE = "before"
    CAUSE = "cause"
    PART_OF = "part_of"
    FOLLOW_UP = "follow_up"
    # the source event has no time of its own: it took the target's ("We moved last month, so I relocated
    # with the team"); when the target's time is corrected, the source follows (`versioning.plan_followers`)
    DATED_BY = "dated_by"


def followed(valid: Interval, old: Interval, new: Interval) -> Interval | None:
    """The new interval of an event dated by one that moved from `old` to `new` (a `DATED_BY` link), or None
    when it no longer holds the time it took (it was re-dated on its own since) and stays where it is."""
    return new if valid == old else None


class EventLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str = DEFAULT_TENANT
    source_id: str  # event lineage id
    target_id: str  # event lineage id
    type: LinkType
    recorded_at: datetime | None = None
    episode_id: str | None = None


AnyVersion = Entity | Fact | Event


class FactInput(BaseModel):
    """A fact as written by a caller: the store assigns ids, versions and recording time."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    relation: str
    object_id: str | None = None
    object_value: str | None = None
    valid: Interval = Field(default_factory=Interval)
    confidence: float = 1.0
    provenance: tuple[Span, ...] = ()

    @property
    def object_key(self) -> str:
        return self.object_id if self.object_id is not None else f"value:{self.object_value}"


class Batch(BaseModel):
    """Everything one transaction writes. Facts and events are written after entities and episodes."""

    tenant: str = DEFAULT_TENANT
    episodes: list[Episode] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    facts: list[FactInput] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    links: list[EventLink] = Field(default_factory=list)
    embeddings: dict[str, list[float]] = Field(default_factory=dict, description="episode id -> vector")

    def __len__(self) -> int:
        return len(self.episodes) + len(self.entities) + len(self.facts) + len(self.events)


class WriteReport(BaseModel):
    episodes_added: int = 0
    episodes_skipped: int = 0
    entities_added: int = 0
    facts_added: int = 0
    facts_unchanged: int = 0
    events_added: int = 0
    versions_expired: int = 0


class Stats(BaseModel):
    tenant: str
    episodes: int
    entities: int
    events: int
    facts: int
    versions: int
    expired_versions: int


class Change(BaseModel):
    """One step in the memory's own history: a version recorded, or a version expired."""

    at: datetime
    action: Literal["recorded", "expired", "erased"]
    item: Entity | Fact | Event


class DiffEntry(BaseModel):
    lineage_id: str
    before: Entity | Fact | Event | None = None
    after: Entity | Fact | Event | None = None


class Diff(BaseModel):
    source: ResolvedBasis
    target: ResolvedBasis
    added: list[DiffEntry] = Field(default_factory=list)
    removed: list[DiffEntry] = Field(default_factory=list)
    changed: list[DiffEntry] = Field(default_factory=list)


class TimelineItem(BaseModel):
    valid: Interval
    item: Fact | Event


class FactQuery(BaseModel):
    """Filters for fact reads; all are optional and combine with AND."""

    model_config = ConfigDict(frozen=True)

    subject_id: str | None = None
    object_id: str | None = None
    entity_id: str | None = Field(None, description="subject or object")
    relation: str | None = None
    relations: list[str] | None = None
    exclude_subject_ids: list[str] | None = Field(None, description="facts of none of these subjects")
    exclude_object_ids: list[str] | None = Field(
        None, description="facts pointing at none of these entities (facts with a literal value stay)")
    exclude_relations: list[str] | None = Field(None, description="facts of none of these relations")
    valid_overlaps: Interval | None = Field(None, description="instead of the basis' valid_at point")
    all_versions: bool = Field(False, description="every version ever recorded, ignoring the basis")
    limit: int | None = None


class EventQuery(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str | None = None
    predicate: str | None = None
    valid_overlaps: Interval | None = None
    modalities: list[Modality] | None = None
    limit: int | None = None


class SearchHit(BaseModel):
    episode_id: str
    score: float


class EraseReport(BaseModel):
    episodes: int = 0
    versions: int = 0
    audit_id: str


__all__ = [
    "DEFAULT_TENANT",
    "AnyVersion",
    "Basis",
    "Batch",
    "Change",
    "Diff",
    "DiffEntry",
    "Entity",
    "Episode",
    "EpisodeKind",
    "EraseReport",
    "Event",
    "EventLink",
    "EventQuery",
    "Fact",
    "FactInput",
    "FactQuery",
    "Interval",
    "LinkType",
    "Modality",
    "Participant",
    "SearchHit",
    "Span",
    "Stats",
    "TimelineItem",
    "Version",
    "WriteReport",
    "followed",
    "stable_id",
]
