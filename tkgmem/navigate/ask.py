"""`ask`: question -> parse -> plan(s) -> execute; else hybrid retrieval through an injected fallback.

The fallback is a plain callable so the navigator does not depend on the retriever's internals:
`fallback(question, k, time_range) -> list[SearchHit]` (the retriever offers one, tests pass a
function over `store.search_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tkgmem.model import SearchHit
from tkgmem.navigate.answer import RETRIEVED, Answer, EvidenceItem
from tkgmem.navigate.executor import Executor
from tkgmem.navigate.experience import ExperienceMemory
from tkgmem.navigate.parser import ParsedQuestion, build_plans, parse
from tkgmem.navigate.plan import Plan
from tkgmem.navigate.when import when_answer
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry
from tkgmem.store.base import Store
from tkgmem.temporal import Basis, Interval, utcnow

Fallback = Callable[[str, int, Interval | None], list[SearchHit]]


def ask(store: Store, tenant: str, question: str, *, basis: Basis = Basis(), now: datetime | None = None,
        fallback: Fallback | None = None, experience: ExperienceMemory | None = None, k: int = 5,
        relations: RelationRegistry = DEFAULT_RELATIONS) -> Answer:
    """Answer `question` from memory at `basis` (asked at `now`; relative times resolve against it)."""
    now = now or utcnow()
    resolved = basis.resolved(now)
    asked_at = basis.valid_at or now
    pq = parse(question, now=asked_at)
    plans: list[Plan] = []
    reused = experience.recall(pq, basis=basis) if experience is not None else None
    if reused is not None:
        plans.append(reused)
    plans += build_plans(pq, basis=basis, registry=relations)
    executor = Executor(store, tenant, now=now, relations=relations)
    last: Answer | None = None
    for plan in plans:
        answer = executor.run(plan)
        if not answer.abstained:
            if experience is not None and plan is not reused:
                experience.remember(pq, plan)
            if plan is reused:
                answer.explanation = (answer.explanation + "; plan reused from experience").strip("; ")
            if pq.kind == "time" and fallback is not None:
                return when_answer(store, tenant, pq, fallback, max(k, 10), answer, asked_at)
            return answer
        last = answer
    denied = _denied(executor, plans)
    if denied is not None:
        return denied
    if fallback is not None:
        if pq.kind == "time":
            return when_answer(store, tenant, pq, fallback, max(k, 10), last, asked_at)
        return _from_retrieval(store, tenant, pq, fallback, k, last, resolved)
    return last or Answer.abstain("not in memory: no plan fits the question and no retrieval fallback was given",
                                  basis=resolved)


def _denied(executor: Executor, plans: list[Plan]) -> Answer | None:
    """When no plan found the asked event as something that happened, it may be in memory as something that
    did not ("we moved to Berlin, not Munich"): then that is the answer, with its evidence, rather than a
    time or a fact read from the turns that mention it."""
    for plan in plans:
        main = plan.step(plan.answer.step)
        if len(plan.steps) != 1 or main.pattern.target != "event" or "negated" in main.pattern.modalities:
            continue
        probe = plan.model_copy(update={"steps": [main.model_copy(update={
            "pattern": main.pattern.model_copy(update={"modalities": ["negated"]})})]})
        found = executor.run(probe)
        if found.abstained:
            continue
        why = "the memory holds that it did not happen"
        if plan.answer.kind == "yes_no":
            return Answer(kind="yes_no", value="no", confidence=found.confidence, evidence=found.evidence,
                          plan=probe, basis=found.basis, explanation=why)
        return Answer.abstain(f"not in memory as something that happened: {why}", plan=probe, basis=found.basis,
                              evidence=found.evidence)
    return None


def run_plan(store: Store, tenant: str, plan: Plan, *, now: datetime | None = None,
             relations: RelationRegistry = DEFAULT_RELATIONS) -> Answer:
    """Execute a plan given directly (e.g. sent through the API as JSON)."""
    return Executor(store, tenant, now=now, relations=relations).run(plan)


def _from_retrieval(store: Store, tenant: str, pq: ParsedQuestion, fallback: Fallback, k: int,
                    abstained: Answer | None, basis: object) -> Answer:
    tr = pq.time_range.interval if pq.time_range else None
    hits = fallback(pq.text, k, tr)
    plan = abstained.plan if abstained else None
    why = abstained.explanation if abstained else "no plan fits the question"
    if not hits:
        return Answer.abstain(f"{why}; retrieval found nothing either", plan=plan,
                              basis=abstained.basis if abstained else None)
    episodes = {e.id: e for e in store.episodes(tenant, [h.episode_id for h in hits])}
    evidence = [EvidenceItem(step="retrieval", episode_id=h.episode_id, text=episodes[h.episode_id].text,
                             reference_time=episodes[h.episode_id].reference_time, score=h.score)
                for h in hits if h.episode_id in episodes]
    rb = abstained.basis if abstained else None
    return Answer(kind="evidence", value=evidence[0].text if evidence else "", confidence=0.2, evidence=evidence,
                  plan=plan, basis=rb, explanation=why + RETRIEVED)

