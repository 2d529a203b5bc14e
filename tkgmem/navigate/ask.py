"""`ask`: question -> parse -> plan(s) -> execute; else hybrid retrieval through an injected fallback.

The fallback is a plain callable so the navigator does not depend on the retriever's internals:
`fallback(question, k, time_range) -> list[SearchHit]` (the retriever offers one, tests pass a
function over `store.search_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tkgmem.model import Episode, SearchHit
from tkgmem.navigate.answer import Answer, EvidenceItem
from tkgmem.navigate.executor import Executor, format_time
from tkgmem.navigate.experience import ExperienceMemory
from tkgmem.navigate.parser import ParsedQuestion, build_plans, parse
from tkgmem.navigate.plan import Plan
from tkgmem.navigate.text import content_stems, overlap
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry
from tkgmem.store.base import Store
from tkgmem.temporal import Basis, Granularity, Interval, utcnow

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
            return answer
        last = answer
    if fallback is not None:
        return _from_retrieval(store, tenant, pq, fallback, k, last, resolved)
    return last or Answer.abstain("not in memory: no plan fits the question and no retrieval fallback was given",
                                  basis=resolved)


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
    if pq.kind == "time" and evidence:
        # re-rank the retrieved turns by how much of the question they contain, keeping retrieval order as
        # the tie-break: the answer's time comes from the turn that talks about the asked event
        want = content_stems(pq.text)
        ranked = sorted(enumerate(evidence), key=lambda x: -(overlap(want, x[1].text) + 0.1 / (x[0] + 1)))
        evidence = [e for _, e in ranked]
        best = episodes[evidence[0].episode_id or ""]
        t = time_in(best, pq)
        return Answer(kind="time", value=format_time(t), time=t, confidence=0.3 * min(1.0, hits[0].score or 1.0),
                      evidence=evidence, plan=plan, basis=rb,
                      explanation=f"{why}; time read from the best retrieved episode")
    return Answer(kind="evidence", value=evidence[0].text if evidence else "", confidence=0.2, evidence=evidence,
                  plan=plan, basis=rb, explanation=f"{why}; showing retrieved evidence")


def time_in(ep: Episode, pq: ParsedQuestion) -> Interval:
    """The time an episode talks about: its first dated expression (resolved against when it was said),
    else the day it was said."""
    from tkgmem.timex import find_times

    for m in find_times(ep.text, ep.reference_time):
        if m.kind in ("point", "range") and m.interval.start is not None:
            return m.interval
    return Interval.granule(ep.reference_time, pq.granularity or Granularity.DAY)
