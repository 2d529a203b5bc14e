"""Experience reuse (after MemoTime's experience memory): plans that produced an answer are kept with
the question's *shape* (operators and slot types, entities abstracted) and an embedding of the
abstracted question, so a new question of the same shape re-binds a proven plan instead of relying
on a fresh parse. In memory, optionally mirrored to a JSON file; no store schema change.

Only entities and literal times are re-bound; the plan's verbs and keywords are reused as they are, so
the match must be close (cosine >= `threshold` on the abstracted question, same shape): "Who visited
<E1> in the same month as <E2>" reuses, "When did <E1> go camping" does not serve "When did <E1> paint".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, Field

from tkgmem.navigate.parser import ParsedQuestion
from tkgmem.navigate.parser.build import _time_constraints
from tkgmem.navigate.plan import Plan, Slot, Step
from tkgmem.temporal import Basis


class TextEncoder(Protocol):
    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


class Experience(BaseModel):
    shape: str
    template: str = Field(description="the question with entities replaced by <E1>, <E2>, …")
    names: list[str] = Field(description="the literal entity names of the plan, in question order")
    plan: Plan
    vector: list[float] = Field(default_factory=list, description="embedding of the template; filled on first use")
    uses: int = 0


def abstract(pq: ParsedQuestion) -> tuple[str, list[str]]:
    """The question with its entity mentions replaced by numbered placeholders."""
    text = pq.text
    names: list[str] = []
    for name in sorted(set(pq.entities), key=lambda n: text.find(n)):
        if name not in names:
            names.append(name)
    for i, name in enumerate(names, 1):
        text = re.sub(re.escape(name), f"<E{i}>", text)
    for m in (pq.time_range.mentions if pq.time_range else []):
        text = text.replace(m.text, "<T>")
    return text, names


class ExperienceMemory:
    """Remembered plans by shape; `recall` re-binds the closest one to a new question's entities."""

    def __init__(self, path: str | Path | None = None, encoder: TextEncoder | None = None,
                 threshold: float = 0.95) -> None:
        self.path = Path(path) if path else None
        self._encoder = encoder
        self.threshold = threshold
        self.items: list[Experience] = []
        if self.path and self.path.is_file():
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.items = [Experience.model_validate(x) for x in raw]

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            from tkgmem.nlp import load_encoder

            self._encoder = load_encoder()
        return self._encoder

    def _vector(self, text: str) -> np.ndarray:
        v = np.asarray(self.encoder.encode([text])[0], dtype=np.float32)
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def remember(self, pq: ParsedQuestion, plan: Plan) -> None:
        template, names = abstract(pq)
        literal = [s.name for s in plan.literals() if s.name]
        if any(n not in names for n in literal):
            return  # the plan names something the question does not: not re-bindable
        for e in self.items:
            if e.shape == pq.shape() and e.template == template:
                e.uses += 1
                self._save()
                return
        # The embedding waits until a question of the same shape needs it: loading the encoder only to file
        # a plan away would cost a one-shot `tkgmem ask` seconds of model start-up.
        self.items.append(Experience(shape=pq.shape(), template=template, names=names, plan=plan))
        self._save()

    def recall(self, pq: ParsedQuestion, *, basis: Basis | None = None) -> Plan | None:
        """A remembered plan of the same shape, re-bound to this question's entities and times."""
        shape = pq.shape()
        template, names = abstract(pq)
        same = [e for e in self.items if e.shape == shape and len(e.names) == len(names)]
        if not same:
            return None
        missing = [e for e in same if not e.vector]
        for e in missing:
            e.vector = self._vector(e.template).tolist()
        if missing:
            self._save()
        q = self._vector(template)
        scored = [(float(np.dot(q, np.asarray(e.vector, dtype=np.float32))), e) for e in same]
        score, best = max(scored, key=lambda x: x[0])
        if score < self.threshold:
            return None
        best.uses += 1
        return rebind(best.plan, dict(zip(best.names, names, strict=True)), pq, basis)

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data: list[dict[str, Any]] = [e.model_dump(mode="json") for e in self.items]
        self.path.write_text(json.dumps(data), encoding="utf-8")


def rebind(plan: Plan, mapping: dict[str, str], pq: ParsedQuestion, basis: Basis | None = None) -> Plan:
    """`plan` with its literal entities renamed by `mapping` and its literal times replaced by the new
    question's own time range."""

    def slot(s: Slot | None) -> Slot | None:
        if s is None or s.name is None:
            return s
        return s.model_copy(update={"name": mapping.get(s.name, s.name)})

    new_times = _time_constraints(pq)
    steps: list[Step] = []
    for st in plan.steps:
        p = st.pattern
        pattern = p.model_copy(update={
            "subject": slot(p.subject), "object": slot(p.object),
            "roles": {r: slot(s) for r, s in p.roles.items()},
            "exclude": [mapping.get(x, x) for x in p.exclude],
        })
        constraints = [c for c in st.constraints if c.ref.interval is None]
        if any(c.ref.interval is not None for c in st.constraints):
            constraints += new_times
        steps.append(st.model_copy(update={"pattern": pattern, "constraints": constraints}))
    return plan.model_copy(update={"steps": steps, "question": pq.text, "basis": basis or plan.basis})
