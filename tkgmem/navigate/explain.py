"""Human-readable rendering of an answer: the plan, step by step, and the evidence path (`ask --explain`)."""

from __future__ import annotations

from tkgmem.navigate.answer import Answer
from tkgmem.navigate.plan import Plan, Slot, Step, TimeConstraint


def _slot(s: Slot | None) -> str:
    if s is None:
        return "_"
    if s.name is not None:
        return repr(s.name)
    return s.var or "_"


def _constraint(c: TimeConstraint) -> str:
    def ref(r: object) -> str:
        if r is None:
            return ""
        var = getattr(r, "var", None)
        return str(var) if var else str(getattr(r, "interval", ""))

    if c.op == "between":
        return f"between {ref(c.ref)} and {ref(c.ref2)}"
    return f"{c.op.replace('_', ' ')} {ref(c.ref)}"


def describe_step(step: Step) -> str:
    p = step.pattern
    if p.target == "fact":
        what = f"fact {_slot(p.subject)} -[{'|'.join(p.relations) or 'any'}]-> {_slot(p.object)}"
    elif p.target == "entity":
        what = f"entity {_slot(p.subject)}"
    else:
        verbs = "|".join(p.predicates) or "any"
        what = f"event {verbs}({_slot(p.subject)}, {_slot(p.object)})"
        if p.keywords:
            what += f" ~ {' '.join(p.keywords)}"
    bits = [what]
    if step.constraints:
        bits.append("where time " + " and ".join(_constraint(c) for c in step.constraints))
    if p.exclude:
        bits.append("excluding " + ", ".join(p.exclude))
    if step.select.op != "all":
        bits.append(f"take {step.select.op}" + (f" #{step.select.n}" if step.select.op == "nth" else ""))
    if step.time_var:
        bits.append(f"bind time -> {step.time_var}")
    return "; ".join(bits)


def explain_plan(plan: Plan) -> str:
    lines = [f"plan ({', '.join(plan.operators) or 'no temporal operator'}):"]
    for i, step in enumerate(plan.order(), 1):
        deps = f" (after {', '.join(step.depends_on)})" if step.depends_on else ""
        lines.append(f"  {i}. [{step.id}]{deps} {describe_step(step)}")
    a = plan.answer
    tail = f"  answer: {a.kind} from [{a.step}]" + (f" {a.var}" if a.var else "")
    if a.granularity:
        tail += f" at {a.granularity.value} level"
    if plan.measure:
        m = plan.measure
        tail += f"; measure {m.op}({m.a}{', ' + m.b if m.b else ''})"
    lines.append(tail)
    return "\n".join(lines)


def explain(answer: Answer) -> str:
    """The answer, the basis, the plan and the evidence path, for people."""
    head = "not in memory" if answer.abstained else f"{answer.kind}: {answer.value}"
    lines = [f"answer  {head}  (confidence {answer.confidence:.2f})"]
    if answer.explanation:
        lines.append(f"why     {answer.explanation}")
    if answer.basis is not None:
        lines.append(f"basis   {answer.basis.describe()}")
    if answer.plan is not None:
        lines.append(explain_plan(answer.plan))
    if answer.evidence:
        lines.append("evidence path:")
        for e in answer.evidence:
            ids = e.event_id or e.fact_id or ""
            when = f" valid {e.valid}" if e.valid is not None else ""
            said = f" said {e.reference_time.date().isoformat()}" if e.reference_time else ""
            text = e.text
            if e.span_start is not None and e.span_end is not None and text:
                text = text[e.span_start:e.span_end]
            quote = f"\n      \"{text[:200]}\"" if text else ""
            source = f" ({e.episode_id})" if e.episode_id else ""
            lines.append(f"  - [{e.step or '?'}] {e.note or ids}{when}{said}{quote}{source}")
    return "\n".join(lines)
