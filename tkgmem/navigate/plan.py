"""The plan model: a tree of steps over the event graph, with entity and time variables.

A plan is plain data (JSON round-trips), so the API can accept plans as they are and the experience
memory can store and re-bind them. Each step matches a pattern over facts, events or entities; binds
an entity variable (`?x`) and a time variable (`t1`); constrains its time against literal intervals or
the time variables of the steps it depends on; and may select first / last / n-th / count. The plan's
`answer` names the step and variable whose value answers the question; `measure` turns time variables
into a duration or a gap. Several steps may share one time variable (same day/month/year).
"""

from __future__ import annotations

from typing import Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tkgmem.errors import InputError
from tkgmem.temporal import Basis, Granularity, Interval

TimeOp = Literal[
    "before", "after", "during", "in", "overlaps", "between", "same_day", "same_week", "same_month",
    "same_year", "starts_in", "ends_in",
]
AnswerKind = Literal["entity", "event", "time", "count", "duration", "yes_no", "profile"]


class Slot(BaseModel):
    """One argument position: a literal entity (by name), a variable (`var`), or both (a named slot the
    experience memory can re-bind). `type` is the slot's abstract type (person, place, org, thing)."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    var: str | None = None
    type: str | None = None

    @property
    def is_literal(self) -> bool:
        return self.name is not None


class TimeRef(BaseModel):
    """A time operand: a literal interval, or a time variable bound by another step."""

    model_config = ConfigDict(frozen=True)

    var: str | None = None
    interval: Interval | None = None

    @model_validator(mode="after")
    def _one(self) -> TimeRef:
        if (self.var is None) == (self.interval is None):
            raise InputError("a time reference needs exactly one of `var` (e.g. \"t1\") or `interval`")
        return self


class TimeConstraint(BaseModel):
    """The step's time must stand in relation `op` to `ref` (and `ref2` for between)."""

    model_config = ConfigDict(frozen=True)

    op: TimeOp
    ref: TimeRef
    ref2: TimeRef | None = None
    loose: bool = Field(True, description="compare starts (point-like events) rather than whole intervals")

    @model_validator(mode="after")
    def _between(self) -> TimeConstraint:
        if self.op == "between" and self.ref2 is None:
            raise InputError("a `between` constraint needs `ref2`, the end of the range")
        return self


class Pattern(BaseModel):
    """What a step matches. `target` fact: subject -relation-> object; event: predicate/keywords with
    participants; entity: entities by name or type."""

    model_config = ConfigDict(frozen=True)

    target: Literal["fact", "event", "entity"] = "event"
    subject: Slot | None = None
    object: Slot | None = None
    relations: list[str] = Field(default_factory=list)
    predicates: list[str] = Field(default_factory=list, description="event verb lemmas; any of them")
    keywords: list[str] = Field(default_factory=list, description="words the event summary should contain")
    roles: dict[str, Slot] = Field(default_factory=dict, description="event participants by role")
    exclude: list[str] = Field(default_factory=list, description="entity names or vars the answer may not be")
    modalities: list[str] = Field(default_factory=lambda: ["happened", "ongoing", "habitual"])


class Selector(BaseModel):
    model_config = ConfigDict(frozen=True)

    op: Literal["all", "first", "last", "nth", "count"] = "all"
    n: int = 1
    by: Literal["start", "end"] = "start"


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    pattern: Pattern
    time_var: str | None = Field(None, description="bind the matched item's valid time to this variable")
    constraints: list[TimeConstraint] = Field(default_factory=list)
    select: Selector = Field(default_factory=Selector)
    depends_on: list[str] = Field(default_factory=list)
    at_basis: bool = Field(False, description="read at the basis' valid-at point only (present tense: "
                           "'where does Alice live'); otherwise over all valid time")
    min_score: float = Field(0.45, description="lowest lexical match score accepted (events; facts with keywords)")
    description: str = ""


class Measure(BaseModel):
    model_config = ConfigDict(frozen=True)

    op: Literal["duration", "gap"]
    a: str = Field(description="time variable")
    b: str | None = Field(None, description="second time variable (gap)")


class AnswerSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: str
    kind: AnswerKind = "entity"
    var: str | None = Field(None, description="entity variable to report (entity answers); default: the object")
    granularity: Granularity | None = Field(None, description="time answers: report at this granularity")


class Plan(BaseModel):
    """A tree (DAG) of steps, its answer, an optional measure, and the basis of the whole plan."""

    steps: list[Step]
    answer: AnswerSpec
    measure: Measure | None = None
    basis: Basis = Field(default_factory=Basis)
    question: str = ""
    operators: list[str] = Field(default_factory=list, description="operators the parser detected")

    @model_validator(mode="after")
    def _valid(self) -> Plan:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise InputError(f"plan step ids must be unique, got {ids}")
        known = set(ids)
        for s in self.steps:
            missing = [d for d in s.depends_on if d not in known]
            if missing:
                raise InputError(f"step {s.id!r} depends on unknown step(s) {missing}; declare them in `steps`")
        if self.answer.step not in known:
            raise InputError(f"the answer names step {self.answer.step!r}, which is not in the plan")
        if not nx.is_directed_acyclic_graph(self.graph()):
            raise InputError("plan steps depend on each other in a cycle; a plan must be a tree (DAG)")
        return self

    def graph(self) -> nx.DiGraph:
        """Dependency graph: an edge d -> s when step s depends on d (or uses a time variable d binds)."""
        g = nx.DiGraph()
        binder = {s.time_var: s.id for s in self.steps if s.time_var}
        for s in self.steps:
            g.add_node(s.id)
            for d in s.depends_on:
                g.add_edge(d, s.id)
            for c in s.constraints:
                for ref in (c.ref, c.ref2):
                    if ref is not None and ref.var is not None and binder.get(ref.var) not in (None, s.id):
                        g.add_edge(binder[ref.var], s.id)
        return g

    def order(self) -> list[Step]:
        """Leaves first (topological order, ties by declaration order)."""
        index = {s.id: i for i, s in enumerate(self.steps)}
        by_id = {s.id: s for s in self.steps}
        return [by_id[i] for i in nx.lexicographical_topological_sort(self.graph(), key=lambda n: index[n])]

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise InputError(f"no step {step_id!r} in the plan")

    def literals(self) -> list[Slot]:
        """Every literal entity slot, in step order (what the experience memory re-binds)."""
        out: list[Slot] = []
        for s in self.steps:
            p = s.pattern
            for slot in (p.subject, p.object, *p.roles.values()):
                if slot is not None and slot.is_literal:
                    out.append(slot)
        return out

    def to_json(self) -> str:
        return self.model_dump_json(exclude_defaults=False)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls.model_validate_json(text)
