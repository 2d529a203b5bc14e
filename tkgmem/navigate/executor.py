"""Run a plan over any `Store`: leaves first, binding time variables, pruning by time before similarity.

Each step becomes store reads with a valid-time window derived from its constraints (so the store
prunes by time first), then exact operator checks, then lexical scoring. Steps see the entity and
time variables bound by the steps they depend on; a constraint on a variable with several values is
satisfied by any of them. The answer step's rows become a typed `Answer` with the evidence path of
every step. No rows = abstain ("not in memory").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from tkgmem.model import Entity, Event, EventQuery, Fact, FactQuery, name_words, normalize_name, word_distance
from tkgmem.navigate import operators as op
from tkgmem.navigate.answer import Answer, EvidenceItem
from tkgmem.navigate.plan import Plan, Slot, Step, TimeConstraint, TimeRef
from tkgmem.navigate.text import content_stems, overlap, stem
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry
from tkgmem.store.base import Store
from tkgmem.temporal import Basis, Granularity, Interval, ResolvedBasis

Item = Fact | Event | Entity


@dataclass
class Row:
    """One match of a step: the item, its valid time, its score and the entity variables it binds."""

    item: Item
    time: Interval
    score: float = 1.0
    binds: dict[str, str] = field(default_factory=dict)


@dataclass
class StepResult:
    step: Step
    rows: list[Row]
    candidates: int = 0
    note: str = ""


class Executor:
    """Executes plans for one tenant at one basis; caches entity look-ups for the run."""

    profile_events = 3  # events a profile answer lists (the most recent)

    def __init__(self, store: Store, tenant: str, *, now: datetime | None = None,
                 relations: RelationRegistry = DEFAULT_RELATIONS) -> None:
        self.store = store
        self.tenant = tenant
        self.now = now
        self.relations = relations
        self._names: dict[str, list[str]] = {}
        self._ambiguous: dict[str, list[str]] = {}  # names too many entities share, with a few of theirs
        self._labels: dict[str, str] = {}

    # -- entry point ------------------------------------------------------------------------------
    def run(self, plan: Plan) -> Answer:
        basis = plan.basis.resolved(self.now)
        read_basis = Basis(valid_at=basis.valid_at, as_of=basis.as_of)
        results: dict[str, StepResult] = {}
        entity_vars: dict[str, set[str]] = {}
        time_vars: dict[str, list[Interval]] = {}
        for step in plan.order():
            res = self._run_step(step, read_basis, entity_vars, time_vars)
            results[step.id] = res
            if step.time_var:
                values = [r.time for r in res.rows]
                time_vars[step.time_var] = values if step.time_var not in time_vars else [
                    v for v in time_vars[step.time_var] if any(op.overlaps(v, w) for w in values)]
            for r in res.rows:
                for var, eid in r.binds.items():
                    entity_vars.setdefault(var, set()).add(eid)
            if not res.rows and step.select.op != "count" and plan.answer.kind not in ("yes_no", "profile"):
                return Answer.abstain(
                    f"not in memory: step {step.id!r} ({step.description or _describe(step)}) matched nothing"
                    + (f"; {res.note}" if res.note else "") + self._ambiguity(step),
                    plan=plan, basis=basis, evidence=self._evidence(results, plan))
        return self._answer(plan, results, time_vars, basis)

    # -- one step ---------------------------------------------------------------------------------
    def _run_step(self, step: Step, basis: Basis, entity_vars: dict[str, set[str]],
                  time_vars: dict[str, list[Interval]]) -> StepResult:
        window = self._window(step.constraints, time_vars)
        if window is not None and window.is_empty:
            return StepResult(step, [], note="its time window is empty")
        rows = self._rows(step, basis, window, entity_vars)
        candidates = len(rows)
        if step.time_var and step.time_var in time_vars:  # shared time variable: unify
            bound = time_vars[step.time_var]
            rows = [r for r in rows if any(op.overlaps(r.time, b) for b in bound)]
        rows = [r for r in rows
                if all(self._holds(r.time, c, time_vars, state=isinstance(r.item, Fact)) for c in step.constraints)]
        excluded = self._excluded(step, entity_vars)
        if excluded:
            rows = [r for r in rows if not (set(r.binds.values()) & excluded)]
        rows.sort(key=lambda r: (-r.score, op.lo(r.time)))
        rows = self._select(step, rows)
        return StepResult(step, rows, candidates)

    def _rows(self, step: Step, basis: Basis, window: Interval | None, entity_vars: dict[str, set[str]]) -> list[Row]:
        if step.pattern.target == "entity":
            return self._entity_rows(step, entity_vars)
        if step.pattern.target == "fact":
            return self._fact_rows(step, basis, window, entity_vars)
        return self._event_rows(step, basis, window, entity_vars)

    def _select(self, step: Step, rows: list[Row]) -> list[Row]:
        sel = step.select
        if sel.op in ("all", "count") or not rows:
            return rows

        def key(r: Row) -> Interval:
            return r.time

        pick = {"first": lambda: op.first(rows, key, by=sel.by), "last": lambda: op.last(rows, key, by=sel.by),
                "nth": lambda: op.nth(rows, key, sel.n, by=sel.by)}[sel.op]()
        if pick is None:
            return []
        # ties at the same time (several entities sharing one granule) are all kept
        same_time = [r for r in rows if r.time == pick.time]
        return same_time or [pick]

    # -- time -------------------------------------------------------------------------------------
    @staticmethod
    def _values(ref: TimeRef | None, time_vars: dict[str, list[Interval]]) -> list[Interval] | None:
        if ref is None:
            return None
        if ref.interval is not None:
            return [ref.interval]
        assert ref.var is not None
        return time_vars.get(ref.var)

    def _window(self, constraints: list[TimeConstraint], time_vars: dict[str, list[Interval]]) -> Interval | None:
        """A coarse valid-time window implied by the constraints, for the store to prune with."""
        start = None
        end = None
        for c in constraints:
            values = self._values(c.ref, time_vars)
            if not values:
                continue
            if c.op == "before":
                cut = max((v.start for v in values if v.start), default=None)
                if cut is None:
                    continue
                end = cut if end is None else min(end, cut)
            elif c.op == "after":
                cut = min((v.start if c.loose else (v.end or v.start) for v in values if v.start), default=None)
                if cut is None:
                    continue
                start = cut if start is None else max(start, cut)
            elif c.op == "between":
                ends = self._values(c.ref2, time_vars) or []
                s = min((v.start for v in values if v.start), default=None)
                e = max((x for v in ends if (x := v.end or v.start) is not None), default=None)
                if s is not None:
                    start = s if start is None else max(start, s)
                if e is not None:
                    end = e if end is None else min(end, e)
            else:
                g = _same_granularity(c.op)
                spans = [op.coarsen(v, g) if g else v for v in values]
                h = op.hull(spans)
                if h.start is not None:
                    start = h.start if start is None else max(start, h.start)
                if h.end is not None:
                    end = h.end if end is None else min(end, h.end)
        if start is None and end is None:
            return None
        if start is not None and end is not None and end < start:
            return Interval(start=start, end=start)
        return Interval(start=start, end=end)

    def _holds(self, t: Interval, c: TimeConstraint, time_vars: dict[str, list[Interval]], *,
               state: bool = False) -> bool:
        values = self._values(c.ref, time_vars)
        if values is None:
            return True  # unbound variable: nothing to check against
        if c.op == "between":
            ends = self._values(c.ref2, time_vars) or []
            return any(op.between(t, a, b, loose=c.loose) for a in values for b in ends)
        return any(check(c, t, v, state=state) for v in values)

    # -- entities ---------------------------------------------------------------------------------
    def resolve(self, name: str) -> list[str]:
        """Entity ids for a name: exact name/alias first, else the entities whose names differ from it by
        the fewest words, when the words of one hold the other's ("Leo" -> "Leo Silva"), unless too many do."""
        key = normalize_name(name)
        if key in self._names:
            return self._names[key]
        found = self.store.find_entities(self.tenant, name, limit=20)
        if not found:
            near = self.store.find_entities(self.tenant, name, words=True, limit=_NEAR_NAMES + 1)
            wanted = name_words(key)
            # The store ranks on every name ever used; the nearest current names decide among its matches.
            distance = {e.lineage_id: min((d for n in (e.name, *e.aliases)
                                           if (d := word_distance(wanted, name_words(n))) is not None),
                                          default=len(wanted) + 99) for e in near}
            best = min(distance.values(), default=None)
            found = [e for e in near if distance[e.lineage_id] == best]
            if len(found) > _NEAR_NAMES:  # "Leo" among thousands of Leos names none of them
                self._ambiguous[key] = [e.name for e in found[:3]]
                found = []
        ids = [e.lineage_id for e in found]
        self._names[key] = ids
        return ids

    def _ambiguity(self, step: Step) -> str:
        """Why a step found nothing, when a name it asks for is shared by too many entities to pick one."""
        names = [s.name for s in (step.pattern.subject, step.pattern.object) if s is not None and s.name]
        notes = [f"{n!r} names more than {_NEAR_NAMES} entities (such as {', '.join(self._ambiguous[k])}); "
                 "ask with the full name" for n in names if (k := normalize_name(n)) in self._ambiguous]
        return "".join(f"; {note}" for note in notes)

    def _slot_ids(self, slot: Slot | None, entity_vars: dict[str, set[str]]) -> set[str] | None:
        """Ids a slot may take: None = unconstrained."""
        if slot is None:
            return None
        if slot.name is not None:
            return set(self.resolve(slot.name))
        if slot.var is not None and slot.var in entity_vars:
            return set(entity_vars[slot.var])
        return None

    def _excluded(self, step: Step, entity_vars: dict[str, set[str]]) -> set[str]:
        out: set[str] = set()
        for x in step.pattern.exclude:
            out |= entity_vars.get(x, set()) if x.startswith("?") else set(self.resolve(x))
        return out

    def _name(self, entity_id: str) -> str:
        if entity_id not in self._labels:
            e = self.store.entity(self.tenant, entity_id)
            self._labels[entity_id] = e.name if e is not None else entity_id
        return self._labels[entity_id]

    # -- matching ---------------------------------------------------------------------------------
    def _entity_rows(self, step: Step, entity_vars: dict[str, set[str]]) -> list[Row]:
        p = step.pattern
        ids = self._slot_ids(p.subject, entity_vars) or set()
        rows = []
        for eid in ids:
            e = self.store.entity(self.tenant, eid)
            if e is not None:
                var = p.subject.var if p.subject and p.subject.var else "?x"
                rows.append(Row(e, e.valid, 1.0, {var: eid}))
        return rows

    def _fact_rows(self, step: Step, basis: Basis, window: Interval | None,
                   entity_vars: dict[str, set[str]]) -> list[Row]:
        p = step.pattern
        subj = self._slot_ids(p.subject, entity_vars)
        obj = self._slot_ids(p.object, entity_vars)
        if (subj is not None and not subj) or (obj is not None and not obj):
            return []
        relations = [self.relations.canonical(r) for r in p.relations] or None
        # at the basis' valid-at point for present-tense steps; over all valid time otherwise
        overlaps = window if window is not None else (None if step.at_basis else Interval())
        facts: list[Fact] = []
        if subj:
            for sid in subj:
                facts += self.store.facts(self.tenant, FactQuery(subject_id=sid, relations=relations,
                                                                 valid_overlaps=overlaps), basis)
        elif obj:
            for oid in obj:
                facts += self.store.facts(self.tenant, FactQuery(object_id=oid, relations=relations,
                                                                 valid_overlaps=overlaps), basis)
        else:
            facts = self.store.facts(self.tenant, FactQuery(relations=relations, valid_overlaps=overlaps), basis)
        rows = []
        kw = [stem(k) for k in p.keywords]
        for f in facts:
            if obj is not None and f.object_id not in obj:
                continue
            score = f.confidence
            if kw and obj is None:  # "join a new activist group": the object should say so
                label = f.object_value or (self._name(f.object_id) if f.object_id else "")
                score *= overlap(kw, label)
                if score < step.min_score:
                    continue
            binds = {}
            if p.subject is not None and p.subject.var:
                binds[p.subject.var] = f.subject_id
            if p.object is not None and p.object.var and f.object_id is not None:
                binds[p.object.var] = f.object_id
            rows.append(Row(f, f.valid, score, binds))
        return rows

    def _event_rows(self, step: Step, basis: Basis, window: Interval | None,
                    entity_vars: dict[str, set[str]]) -> list[Row]:
        p = step.pattern
        literal_slots: list[tuple[str, Slot]] = []
        var_slots: list[tuple[str, Slot]] = []
        for role, slot in [("subject", p.subject), ("object", p.object), *p.roles.items()]:
            if slot is None:
                continue
            ids = self._slot_ids(slot, entity_vars)
            if slot.is_literal or ids is not None:
                literal_slots.append((role, slot))
            if slot.var:
                var_slots.append((role, slot))
        required: list[tuple[str, set[str], Slot]] = []
        for role, slot in literal_slots:
            ids = self._slot_ids(slot, entity_vars) or set()
            if not ids and slot.is_literal and role != "object":
                return []  # a named participant that memory does not know
            required.append((role, ids, slot))
        q = EventQuery(valid_overlaps=window or Interval(), modalities=[m for m in p.modalities] or None)
        anchor = next((ids for role, ids, _ in required if ids and role != "object"), None)
        events: list[Event] = []
        if anchor:
            for eid in anchor:
                events += self.store.events(self.tenant, q.model_copy(update={"participant_id": eid}), basis)
        else:
            # objects may be places (not participants): read by participant and by predicate
            for ids in (ids for role, ids, _ in required if role == "object"):
                for eid in ids:
                    events += self.store.events(self.tenant, q.model_copy(update={"participant_id": eid}), basis)
            if p.predicates:
                for pred in p.predicates:
                    events += self.store.events(self.tenant, q.model_copy(update={"predicate": pred}), basis)
            if not p.predicates or not events:
                events += self.store.events(self.tenant, q, basis)
        seen: set[str] = set()
        rows = []
        kw = [stem(k) for k in p.keywords]
        preds = {stem(x) for x in p.predicates}
        for ev in events:
            if ev.version_id in seen:
                continue
            seen.add(ev.version_id)
            participants = {x.entity_id for x in ev.participants} | ({ev.place_id} if ev.place_id else set())
            ok = True
            for role, ids, slot in required:
                if ids & participants:
                    continue
                if role == "object" and slot.name and overlap(content_stems(slot.name), ev.summary) == 1.0:
                    continue
                ok = False
                break
            if not ok:
                continue
            score = _event_score(ev, preds, kw)
            if score < step.min_score:
                continue
            binds: dict[str, str] = {}
            taken = set().union(*(ids for _, ids, _ in required)) if required else set()
            for role, slot in var_slots:
                if slot.var in entity_vars:
                    hit = entity_vars[slot.var] & participants
                    if hit:
                        binds[slot.var] = sorted(hit)[0]
                    continue
                choice = _pick_participant(ev, role, taken)
                if choice is None:
                    ok = False
                    break
                binds[slot.var] = choice  # type: ignore[index]
            if ok:
                rows.append(Row(ev, ev.valid, score, binds))
        # an event query over a variable role: every participant is an answer, so expand
        return rows

    # -- answers ----------------------------------------------------------------------------------
    def _answer(self, plan: Plan, results: dict[str, StepResult], time_vars: dict[str, list[Interval]],
                basis: ResolvedBasis) -> Answer:
        spec = plan.answer
        res = results[spec.step]
        rows = res.rows
        evidence = self._evidence(results, plan)
        conf = max((r.score for r in rows), default=0.0)
        if plan.measure is not None:
            m = plan.measure
            bound_a = time_vars.get(m.a) or []
            a = bound_a[0] if bound_a else None
            if a is None:
                return Answer.abstain(f"not in memory: no time bound for {m.a!r}", plan=plan, basis=basis,
                                      evidence=evidence)
            if m.op == "duration":
                delta = op.duration(a)
            else:
                bound_b = time_vars.get(m.b or "") or []
                b = bound_b[0] if bound_b else None
                delta = op.gap(a, b) if b is not None else None
            d = op.days(delta)
            if d is None:
                return Answer.abstain("not in memory: the interval(s) are open, so the duration is unknown",
                                      plan=plan, basis=basis, evidence=evidence)
            return Answer(kind="duration", value=_fmt_days(d), duration_days=d, confidence=conf,
                          evidence=evidence, plan=plan, basis=basis, explanation=f"{m.op} of {m.a} {m.b or ''}")
        if spec.kind == "count":
            return Answer(kind="count", value=str(len(rows)), count=len(rows), confidence=1.0 if rows else 0.5,
                          evidence=evidence, plan=plan, basis=basis, explanation=f"{len(rows)} match(es)")
        if spec.kind == "yes_no":
            yes = bool(rows)
            if not yes:  # "did Alice live in Paris in 2021?": known at other times means no, unknown abstains
                probe = res.step.model_copy(update={"at_basis": False, "constraints": []})
                res = StepResult(res.step, [], len(self._rows(probe, Basis(as_of=basis.as_of), None, {})))
            if not yes and res.candidates == 0:
                return Answer.abstain("not in memory: nothing matches the pattern at all", plan=plan,
                                      basis=basis, evidence=evidence)
            return Answer(kind="yes_no", value="yes" if yes else "no", confidence=conf if yes else 0.6,
                          evidence=evidence, plan=plan, basis=basis,
                          explanation="a match satisfies every constraint" if yes else
                          "matches exist but none satisfies the time constraints")
        if spec.kind == "profile":
            return self._profile(plan, results, evidence, basis)
        top = rows[0]
        if spec.kind == "time":
            dated = [r for r in rows if r.time.start is not None or r.time.end is not None]
            top = dated[0] if dated else top  # the best match that has a time
            t = top.time
            if t.start is None and t.end is None:
                return Answer.abstain("not in memory: the matching item has no known time", plan=plan,
                                      basis=basis, evidence=evidence)
            if t.start is not None and t.end is None:
                # an open-ended state answers "when" with its start ("when did she join ...")
                t = Interval.granule(t.start, t.start_granularity if t.start_granularity is not Granularity.INSTANT
                                     else Granularity.DAY)
            if spec.granularity is not None and t.start is not None:
                t = op.coarsen(t, spec.granularity) if spec.granularity.rank > t.start_granularity.rank else t
            return Answer(kind="time", value=format_time(t), time=t, confidence=conf, evidence=evidence,
                          plan=plan, basis=basis, explanation=self._readable(top.item))
        if spec.kind == "event":
            best = [r for r in rows if r.score >= top.score][:5]
            best.sort(key=lambda r: op.lo(r.time))
            return Answer(kind="event", value="; ".join(_distinct(_summary(r.item) for r in best)), time=top.time,
                          confidence=conf, evidence=evidence, plan=plan, basis=basis,
                          explanation=f"{len(best)} event(s)")
        # entity answers: the answer variable (default: object of a fact, first var of an event)
        var = spec.var or _default_var(plan.step(spec.step))
        ids: list[str] = []
        for r in rows:
            eid = r.binds.get(var) if var else None
            if eid is None and isinstance(r.item, Fact) and r.item.object_id:
                eid = r.item.object_id
            if eid is None and isinstance(r.item, Fact) and r.item.object_value:
                eid = "value:" + r.item.object_value
            if eid is not None and eid not in ids:
                ids.append(eid)
        if not ids:
            return Answer.abstain("not in memory: matches bind no entity to the answer variable", plan=plan,
                                  basis=basis, evidence=evidence)
        names = [i[6:] if i.startswith("value:") else self._name(i) for i in ids]
        return Answer(kind="entity", value=", ".join(names), time=top.time, confidence=conf, evidence=evidence,
                      plan=plan, basis=basis, explanation=f"{len(names)} entit{'y' if len(names) == 1 else 'ies'}")

    def _profile(self, plan: Plan, results: dict[str, StepResult], evidence: list[EvidenceItem],
                 basis: ResolvedBasis) -> Answer:
        """What memory holds about one entity: its facts, then the latest events it took part in."""
        facts = [r.item for res in results.values() for r in res.rows if isinstance(r.item, Fact)]
        events = [r for res in results.values() for r in res.rows if isinstance(r.item, Event)]
        if not facts and not events:
            return Answer.abstain("not in memory: no fact or event about this entity", plan=plan, basis=basis,
                                  evidence=evidence)
        parts = [f"{f.relation.replace('_', ' ')} {self._object(f)}"
                 for f in sorted(facts, key=lambda f: (f.relation, op.lo(f.valid)))]
        latest = sorted(events, key=lambda r: op.lo(r.time), reverse=True)[:self.profile_events]
        lines = [f"{_summary(r.item)} ({format_time(r.time)})" for r in latest]
        value = "; ".join(_distinct(parts))
        if lines:
            value += ("; " if value else "") + "latest events: " + "; ".join(_distinct(lines))
        # evidence for what the answer lists: every fact, and only the events shown
        listed = {id(r) for r in latest}
        shown = {k: StepResult(res.step, [r for r in res.rows if isinstance(r.item, Fact) or id(r) in listed])
                 for k, res in results.items()}
        return Answer(kind="profile", value=value, confidence=1.0, evidence=self._evidence(shown, plan), plan=plan,
                      basis=basis, explanation=f"{len(facts)} fact(s), {len(events)} event(s)")

    def _readable(self, item: Item) -> str:
        """An item as a person reads it: facts with entity names, not ids."""
        if isinstance(item, Fact):
            return f"{self._name(item.subject_id)} {item.relation} {self._object(item)}"
        return _summary(item)

    def _object(self, fact: Fact) -> str:
        return fact.object_value if fact.object_value is not None else self._name(fact.object_id or "")

    def _evidence(self, results: dict[str, StepResult], plan: Plan, per_step: int = 5) -> list[EvidenceItem]:
        items: list[EvidenceItem] = []
        episode_ids: list[str] = []
        for step in plan.order():
            res = results.get(step.id)
            if res is None:
                continue
            for r in res.rows[:per_step]:
                spans = r.item.provenance or ()
                ents = sorted(set(r.binds.values()))
                base = {"step": step.id, "score": r.score, "valid": r.time, "entity_ids": ents,
                        "fact_id": r.item.version_id if isinstance(r.item, Fact) else None,
                        "event_id": r.item.version_id if isinstance(r.item, Event) else None,
                        "note": self._readable(r.item)}
                if not spans:
                    items.append(EvidenceItem(**base))
                for sp in spans[:2]:
                    episode_ids.append(sp.episode_id)
                    items.append(EvidenceItem(episode_id=sp.episode_id, span_start=sp.start, span_end=sp.end,
                                              **base))
        if episode_ids:
            eps = {e.id: e for e in self.store.episodes(self.tenant, list(dict.fromkeys(episode_ids)))}
            for it in items:
                ep = eps.get(it.episode_id or "")
                if ep is not None:
                    it.text = ep.text
                    it.reference_time = ep.reference_time
        return items


# -- helpers --------------------------------------------------------------------------------------
def _distinct(summaries: Iterable[str]) -> list[str]:
    """Summaries in order, without one that another already says ("hiking in the Alps" inside "went hiking
    in the Alps"): one sentence often yields a fuller and a shorter event."""
    items = list(dict.fromkeys(summaries))
    return [s for s in items if not any(s != o and s.casefold() in o.casefold() for o in items)]


def _same_granularity(o: str) -> Granularity | None:
    return {"same_day": Granularity.DAY, "same_week": Granularity.WEEK, "same_month": Granularity.MONTH,
            "same_year": Granularity.YEAR}.get(o)


def check(c: TimeConstraint, t: Interval, v: Interval, *, state: bool = False) -> bool:
    """Does time `t` stand in relation `c.op` to the reference time `v`? For states (facts), loose
    before/after mean "held at some time before/after" rather than "started before/after"."""
    g = _same_granularity(c.op)
    if g is not None:
        return op.same(t, v, g)
    match c.op:
        case "before":
            return op.holds_before(t, v) if state and c.loose else op.before(t, v, loose=c.loose)
        case "after":
            return op.holds_after(t, v) if state and c.loose else op.after(t, v, loose=c.loose)
        case "during":
            return op.during(t, v)
        case "in" | "overlaps":
            return op.overlaps(t, v)
        case "starts_in":
            return op.starts_in(t, v)
        case "ends_in":
            return op.ends_in(t, v)
    return False


# A name that resolves only by its words to more equally near entities than this is ambiguous: it names none.
_NEAR_NAMES = 100
# light and aspectual verbs carry little of the event ("start taking cooking classes" is about the classes)
_LIGHT_VERBS = frozenset({"go", "do", "have", "get", "make", "take", "be", "come", "give", "put", "say", "see",
                          "start", "begin", "stop", "finish", "continue", "keep", "resume", "try", "plan", "decide"})


def _event_score(ev: Event, preds: set[str], kw: list[str]) -> float:
    """Lexical match of an event to the step: predicate lemma and keywords in predicate + summary.
    Keywords weigh more than the verb, and light verbs ("go", "have") weigh little."""
    pred_hit = 1.0 if preds and stem(ev.predicate.split("_")[0]) in preds else 0.0
    text = f"{ev.predicate} {ev.summary}"
    kw_hit = overlap(kw, text) if kw else 0.0
    if preds and kw:
        w = 0.2 if preds & {stem(v) for v in _LIGHT_VERBS} else 0.4
        return w * pred_hit + (1 - w) * kw_hit
    if preds:
        return pred_hit
    if kw:
        return kw_hit
    return 1.0


_AGENT_ROLES = ("agent", "subject", "speaker", "experiencer", "actor")


def _pick_participant(ev: Event, role: str, taken: set[str]) -> str | None:
    """The participant that fills a variable slot: agent-like for subjects, anything else for objects."""
    others = [p for p in ev.participants if p.entity_id not in taken]
    if role == "subject":
        agents = [p for p in others if p.role in _AGENT_ROLES]
        pick = agents or others
    elif role == "object":
        non_agents = [p for p in others if p.role not in _AGENT_ROLES]
        pick = non_agents
        if not pick and ev.place_id and ev.place_id not in taken:
            return ev.place_id
    else:
        pick = [p for p in others if p.role == role]
    return pick[0].entity_id if pick else None


def _default_var(step: Step) -> str | None:
    p = step.pattern
    for slot in (p.object, p.subject, *p.roles.values()):
        if slot is not None and slot.var and not slot.is_literal:
            return slot.var
    return None


def _summary(item: Item) -> str:
    if isinstance(item, Event):
        return item.summary or item.predicate
    if isinstance(item, Fact):
        return f"{item.subject_id} {item.relation} {item.object_id or item.object_value}"
    return item.name


def _describe(step: Step) -> str:
    p = step.pattern
    bits: Iterable[str] = [p.target, *(p.relations or p.predicates), *p.keywords[:4]]
    for slot in (p.subject, p.object):
        if slot is not None:
            bits = [*bits, slot.name or slot.var or ""]
    return " ".join(b for b in bits if b)


def format_time(t: Interval) -> str:
    """An interval as a person would say it at its granularity: '2023-05-07', '2023-05', '2019'."""
    if t.start is None:
        return f"before {t.end.date().isoformat()}" if t.end else "unknown"
    g = t.start_granularity
    s = t.start
    single = t.end is not None and Interval.granule(s, g).end == t.end if g is not Granularity.INSTANT else False
    label = {Granularity.YEAR: f"{s.year}", Granularity.MONTH: f"{s.year}-{s.month:02d}",
             Granularity.DECADE: f"{s.year}s"}.get(g, s.date().isoformat())
    if g is Granularity.WEEK:
        label = f"week of {s.date().isoformat()}"
    if g is Granularity.SEASON:
        label = f"season starting {s.year}-{s.month:02d}"
    if single or t.end is None or g is Granularity.INSTANT:
        return label if t.end is not None or g is not Granularity.INSTANT else f"since {label}"
    return f"{label} to {t.end.date().isoformat()}"


def _fmt_days(d: float) -> str:
    if abs(d) >= 365:
        return f"{d / 365.25:.1f} years ({d:.0f} days)"
    if abs(d) >= 60:
        return f"{d / 30.44:.1f} months ({d:.0f} days)"
    return f"{d:g} days"
