"""The typed answer of `ask` / `navigate`, with its evidence path, plan and basis (what the API exposes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tkgmem.navigate.plan import Plan
from tkgmem.temporal import Interval, ResolvedBasis

AnswerType = Literal["entity", "event", "time", "count", "duration", "yes_no", "profile", "evidence", "abstain"]
# ends the explanation of an "evidence" answer (retrieved turns), after why no plan answered
RETRIEVED = "; showing retrieved evidence"


class EvidenceItem(BaseModel):
    """One link of the evidence path: an episode (with the span that supports it) and the fact/event
    it supports, in the order the plan used them."""

    step: str | None = None
    episode_id: str | None = None
    text: str = ""
    span_start: int | None = None
    span_end: int | None = None
    reference_time: datetime | None = None
    score: float = 0.0
    fact_id: str | None = None
    event_id: str | None = None
    entity_ids: list[str] = Field(default_factory=list)
    valid: Interval | None = None
    note: str = ""


class Answer(BaseModel):
    kind: AnswerType
    value: str = ""
    time: Interval | None = None
    count: int | None = None
    duration_days: float | None = None
    confidence: float = 0.0
    evidence: list[EvidenceItem] = Field(default_factory=list)
    plan: Plan | None = None
    basis: ResolvedBasis | None = None
    abstained: bool = False
    explanation: str = ""

    @classmethod
    def abstain(cls, reason: str, *, plan: Plan | None = None, basis: ResolvedBasis | None = None,
                evidence: list[EvidenceItem] | None = None) -> Answer:
        """"Not in memory": no evidence satisfies the plan, so we say so instead of guessing."""
        return cls(kind="abstain", value="not in memory", abstained=True, explanation=reason, plan=plan,
                   basis=basis, evidence=evidence or [])
