"""Question fields: `search` (hybrid retrieval, evidence episodes), `ask` (answer + evidence + plan) and
`navigate` (run a plan sent as JSON).

Both read at a basis like every other root field, and report it.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from pydantic import ValidationError
from strawberry.scalars import JSON

from tkgmem.errors import InputError
from tkgmem.graphql.context import as_basis, ctx
from tkgmem.graphql.limits import check_page_size
from tkgmem.graphql.types import EpisodeNode
from tkgmem.graphql.values import BasisInput, BasisType, IntervalType
from tkgmem.navigate.answer import Answer, EvidenceItem
from tkgmem.navigate.plan import Plan
from tkgmem.retrieve.evidence import Evidence
from tkgmem.temporal import ResolvedBasis


@strawberry.type(name="Evidence", description="An episode judged relevant, its fused score and what found it.")
class EvidenceType:
    model: strawberry.Private[Evidence]

    @strawberry.field
    def episode(self) -> EpisodeNode:
        return EpisodeNode(model=self.model.episode)

    @strawberry.field
    def score(self) -> float:
        return self.model.score

    @strawberry.field(description="signals that found it: lexical, dense, entity, time, context")
    def sources(self) -> list[str]:
        return list(self.model.sources)

    @strawberry.field
    def fact_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(i) for i in self.model.fact_ids]

    @strawberry.field
    def event_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(i) for i in self.model.event_ids]


@strawberry.type(name="SearchResult")
class SearchResultType:
    hits: list[EvidenceType]
    basis: BasisType


@strawberry.type(name="EvidenceStep", description="One link of an answer's evidence path.")
class EvidenceStepType:
    step: str | None
    episode_id: strawberry.ID | None
    text: str
    span_start: int | None
    span_end: int | None
    reference_time: datetime | None
    score: float
    fact_id: strawberry.ID | None
    event_id: strawberry.ID | None
    entity_ids: list[strawberry.ID]
    valid: IntervalType | None
    note: str

    @classmethod
    def of(cls, e: EvidenceItem) -> EvidenceStepType:
        return cls(step=e.step, episode_id=strawberry.ID(e.episode_id) if e.episode_id else None, text=e.text,
                   span_start=e.span_start, span_end=e.span_end, reference_time=e.reference_time, score=e.score,
                   fact_id=strawberry.ID(e.fact_id) if e.fact_id else None,
                   event_id=strawberry.ID(e.event_id) if e.event_id else None,
                   entity_ids=[strawberry.ID(i) for i in e.entity_ids],
                   valid=IntervalType.of(e.valid) if e.valid is not None else None, note=e.note)


@strawberry.type(name="Answer", description="An answer with its evidence path, the plan that produced it and "
                 "the basis it was read at; `abstained` when the memory holds no supporting evidence.")
class AnswerType:
    model: strawberry.Private[Answer]
    rb: strawberry.Private[ResolvedBasis]

    @strawberry.field(description="entity, event, time, count, duration, yes_no, profile, evidence or abstain")
    def kind(self) -> str:
        return self.model.kind

    @strawberry.field
    def value(self) -> str:
        return self.model.value

    @strawberry.field
    def time(self) -> IntervalType | None:
        return IntervalType.of(self.model.time) if self.model.time is not None else None

    @strawberry.field
    def count(self) -> int | None:
        return self.model.count

    @strawberry.field
    def duration_days(self) -> float | None:
        return self.model.duration_days

    @strawberry.field
    def confidence(self) -> float:
        return self.model.confidence

    @strawberry.field
    def abstained(self) -> bool:
        return self.model.abstained

    @strawberry.field
    def explanation(self) -> str:
        return self.model.explanation

    @strawberry.field
    def evidence(self) -> list[EvidenceStepType]:
        return [EvidenceStepType.of(e) for e in self.model.evidence]

    @strawberry.field(description="the plan (a tree of steps) as JSON; null for a plain retrieval answer")
    def plan(self) -> JSON | None:
        return cast(JSON, self.model.plan.model_dump(mode="json")) if self.model.plan is not None else None

    @strawberry.field
    def basis(self) -> BasisType:
        return BasisType.of(self.model.basis or self.rb)


@strawberry.type
class QuestionQuery:
    @strawberry.field(description="Free-text search: hybrid lexical + dense + graph retrieval; `k` evidence "
                      "episodes, best first.")
    async def search(self, info: strawberry.Info, text: str, k: int = 10,
                     basis: BasisInput | None = None) -> SearchResultType:
        c = ctx(info)
        check_page_size(k, c.limits, "k")
        rb = c.resolve(basis.to_basis() if basis else None)
        hits = await c.call(c.memory.search, text, k, as_basis(rb))
        return SearchResultType(hits=[EvidenceType(model=h) for h in hits], basis=BasisType.of(rb))

    @strawberry.field(description="Run a navigation plan given as JSON (the `plan` of an `ask` answer, or one "
                      "written by hand: steps, answer, optional measure). `basis` replaces the plan's own basis.")
    async def navigate(self, info: strawberry.Info, plan: JSON, basis: BasisInput | None = None) -> AnswerType:
        c = ctx(info)
        try:
            parsed = Plan.model_validate(plan)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'plan'}: {e['msg']}" for e in exc.errors()[:5])
            raise InputError(f"invalid plan: {problems}") from exc
        if basis is not None:
            parsed = parsed.model_copy(update={"basis": basis.to_basis()})
        rb = c.resolve(parsed.basis)
        answer = await c.call(c.memory.navigate, parsed, now=c.now)
        return AnswerType(model=answer, rb=rb)

    @strawberry.field(description="Answer a question with the navigator (falls back to retrieval): the answer, "
                      "its evidence path and plan, at the basis.")
    async def ask(self, info: strawberry.Info, question: str, basis: BasisInput | None = None) -> AnswerType:
        c = ctx(info)
        rb = c.resolve(basis.to_basis() if basis else None)
        answer = await c.call(c.memory.ask, question, as_basis(rb), c.now)
        return AnswerType(model=answer, rb=rb)
