"""What ingestion reads and reports: typed input records, rejects, and the job report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tkgmem.temporal import as_utc


class EpisodeIn(BaseModel):
    """A dialogue turn or document chunk as given by a caller (JSONL line, API mutation)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    time: datetime
    speaker: str | None = None
    session: str | None = None
    id: str | None = None
    source: str | None = None
    addressee: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("time", mode="before")
    @classmethod
    def _utc(cls, v: Any) -> datetime:
        return as_utc(v)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is blank")
        return v


class FactRecordIn(BaseModel):
    """A structured fact (business record): no NLP involved."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1)
    relation: str = Field(min_length=1)
    object: str = Field(min_length=1)
    valid_from: str | None = Field(None, description="ISO date; '2019' = year, '2019-05' = month granularity")
    valid_to: str | None = Field(None, description="exclusive end; a partial date means its first instant")
    source: str | None = None
    subject_type: str | None = None
    object_type: str | None = None
    object_is_value: bool = Field(False, description="the object is a literal value, not an entity")
    recorded_at: str | None = Field(
        None, description="when the source system recorded it; the transaction time in replay mode"
    )
    id: str | None = None


class Reject(BaseModel):
    """A record that was not ingested, with why; written to the rejects file as one JSON line."""

    source: str
    line: int
    reason: str
    raw: str

    @field_validator("source", "reason", "raw")
    @classmethod
    def _encodable(cls, v: str) -> str:
        # Input can carry lone surrogates ("\ud800" in JSON); the rejects file must still be valid UTF-8.
        return v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


class IngestReport(BaseModel):
    read: int = 0
    episodes_added: int = 0
    skipped_duplicates: int = 0
    entities_added: int = 0
    facts_added: int = 0
    events_added: int = 0
    versions_expired: int = 0
    rejected: int = 0
    rejects: list[Reject] = Field(default_factory=list, description="the first rejects (all go to the file)")
    seconds: float = 0.0
    rejects_file: str | None = None
    job_id: str | None = None

    @property
    def per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0
