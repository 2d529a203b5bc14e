"""Everyday commands: ingest, stats, timeline, history, ask."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tkgmem.cli.common import (
    basis_from,
    basis_options,
    emit_json,
    friendly_errors,
    json_option,
    open_memory,
    store_options,
)
from tkgmem.ingest.formats import READERS, ReaderOptions
from tkgmem.memory import Memory
from tkgmem.model import Entity, Event, Fact
from tkgmem.navigate.answer import RETRIEVED, Answer
from tkgmem.temporal import Interval, as_utc


def _columns(spec: str | None) -> dict[str, str]:
    if not spec:
        return {}
    pairs = [p.split("=", 1) for p in spec.split(",") if p.strip()]
    if any(len(p) != 2 for p in pairs):
        raise click.BadParameter("use field=column pairs separated by commas, e.g. subject=name,object=city")
    return {k.strip(): v.strip() for k, v in pairs}


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(READERS)), default=None,
              help="Input format (detected from the file where unambiguous).")
@store_options
@click.option("--batch-size", type=int, default=None, help="Records per transaction (default 256).")
@click.option("--record-time", type=click.Choice(["now", "reference"]), default="now", show_default=True,
              help="Transaction time: now, or each record's own time (replaying a historical log).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=Path("tkgmem-rejects.jsonl"),
              show_default=True, help="Where rejected records go (JSONL: source, line, reason, raw).")
@click.option("--job-id", default=None, help="Name the job; a rerun with the same id resumes after a crash.")
@click.option("--time", "ref_time", default=None, help="Reference time for documents without front matter.")
@click.option("--columns", default=None, help="CSV column mapping: subject=col,relation=col,object=col,...")
@click.option("--relation", default=None, help="CSV: one relation for every row.")
@click.option("--no-embeddings", is_flag=True, help="Skip sentence embeddings (faster; no dense search).")
@json_option
@friendly_errors
def ingest(paths: tuple[Path, ...], fmt: str | None, store_url: str | None, tenant: str | None,
           batch_size: int | None, record_time: str, rejects: Path, job_id: str | None, ref_time: str | None,
           columns: str | None, relation: str | None, no_embeddings: bool, as_json: bool) -> None:
    """Ingest dialogue JSONL, LoCoMo JSON, text/Markdown, facts JSONL or CSV files."""
    overrides: dict[str, Any] = {"batch_size": batch_size}
    if no_embeddings:
        overrides["embeddings"] = False
    mem = open_memory(store_url, tenant, **overrides)
    options = ReaderOptions(reference_time=as_utc(ref_time) if ref_time else None, columns=_columns(columns),
                            relation=relation)
    report = mem.ingest(list(paths), format=fmt, record_time=record_time,  # type: ignore[arg-type]
                        rejects=rejects, job_id=job_id, options=options)
    if as_json:
        emit_json(report)
        return
    click.echo(f"read {report.read} records in {report.seconds:.1f}s ({report.per_second:.0f}/s): "
               f"{report.episodes_added} episodes added, {report.skipped_duplicates} already known, "
               f"{report.entities_added} entities, {report.facts_added} facts, {report.events_added} events, "
               f"{report.versions_expired} versions expired, {report.rejected} rejected")
    for r in report.rejects[:20]:
        click.echo(f"  rejected {r.source}:{r.line}: {r.reason}", err=True)
    if report.rejected:
        click.echo(f"  all rejects are in {report.rejects_file}", err=True)


@click.command()
@store_options
@json_option
@friendly_errors
def stats(store_url: str | None, tenant: str | None, as_json: bool) -> None:
    """Counts of episodes, entities, events and facts (current versions) and of all versions."""
    s = open_memory(store_url, tenant).stats()
    if as_json:
        emit_json(s)
    else:
        for key, value in s.model_dump().items():
            click.echo(f"{key:>17}: {value}")


def describe(mem: Memory, item: Fact | Event | Entity, names: dict[str, str]) -> str:
    def name(eid: str | None) -> str:
        if eid is None:
            return "?"
        if eid not in names:
            e = mem.store.entity(mem.tenant, eid) or next(
                (v for v in mem.store.history(mem.tenant, eid) if isinstance(v, Entity)), None)
            names[eid] = e.name if isinstance(e, Entity) else eid
        return names[eid]

    if isinstance(item, Fact):
        obj = name(item.object_id) if item.object_id else repr(item.object_value)
        return f"{name(item.subject_id)} {item.relation} {obj}"
    if isinstance(item, Event):
        who = ", ".join(name(p.entity_id) for p in item.participants)
        return f"{item.predicate} ({who}) [{item.modality.value}]: {item.summary[:80]}"
    return f"entity {item.name} ({item.type}) aliases={list(item.aliases)} attributes={item.attributes}"


@click.command()
@click.argument("entity")
@store_options
@basis_options
@click.option("--from", "start", default=None, help="Only what is valid from this time.")
@click.option("--to", "end", default=None, help="Only what is valid before this time.")
@json_option
@friendly_errors
def timeline(entity: str, store_url: str | None, tenant: str | None, valid_at: str | None, as_of: str | None,
             start: str | None, end: str | None, as_json: bool) -> None:
    """Facts and events of ENTITY in valid-time order, as believed at --as-of."""
    mem = open_memory(store_url, tenant)
    window = Interval.between(start, end) if start or end else None
    rows = mem.timeline(entity, basis_from(valid_at, as_of), window)
    if as_json:
        emit_json(rows)
        return
    names: dict[str, str] = {}
    for row in rows:
        click.echo(f"{row.valid!s:<52} {describe(mem, row.item, names)}")
    if not rows:
        click.echo("(nothing known)")


@click.command()
@click.argument("entity")
@store_options
@json_option
@friendly_errors
def history(entity: str, store_url: str | None, tenant: str | None, as_json: bool) -> None:
    """Every version of ENTITY and of the facts about it, with both time axes."""
    mem = open_memory(store_url, tenant)
    versions = mem.entity_history(entity)
    if as_json:
        emit_json(versions)
        return
    names: dict[str, str] = {}
    for v in versions:
        believed = f"believed [{v.recorded_at:%Y-%m-%d %H:%M}, " + (
            f"{v.expired_at:%Y-%m-%d %H:%M})" if v.expired_at else "now)")
        click.echo(f"{believed:<44} valid {v.valid!s:<52} {describe(mem, v, names)}  ({v.reason})")


@click.command()
@click.argument("question")
@store_options
@basis_options
@click.option("--explain", is_flag=True, help="Print the plan and the evidence path.")
@click.option("-k", "k", default=5, show_default=True, help="Evidence items to show.")
@json_option
@friendly_errors
def ask(question: str, store_url: str | None, tenant: str | None, valid_at: str | None, as_of: str | None,
        explain: bool, k: int, as_json: bool) -> None:
    """Answer a question from memory, with its evidence."""
    mem = open_memory(store_url, tenant)
    answer = mem.ask(question, basis_from(valid_at, as_of))
    if as_json:
        emit_json(answer)
        return
    click.echo(render_answer(answer, explain=explain, k=k))


def render_answer(answer: Answer, *, explain: bool = False, k: int = 3) -> str:
    """The answer and its best evidence in a few lines; with `explain`, the plan and full evidence path."""
    several = False
    if explain:
        from tkgmem.navigate.explain import explain as explain_answer

        return explain_answer(answer)
    if answer.abstained:
        head = f"A: not in memory ({answer.explanation})" if answer.explanation else "A: not in memory"
    elif answer.kind == "evidence":  # why no plan answered (none fits, or the memory has nothing it asks for)
        why = answer.explanation.removesuffix(RETRIEVED) or "no plan fits this question"
        head = f"A: {why}; the closest evidence:"
    else:
        head = f"A: {answer.value}"
        # With several answers, each has its own validity: show it on its evidence line instead.
        several = len({str(e.valid) for e in answer.evidence if e.valid is not None}) > 1
        if answer.time is not None and answer.kind != "time" and not several:
            head += f"  (valid {answer.time})"
    lines = [head]
    shown: set[str] = set()
    # what the answer was read from first; the hops it depends on after ("Orbital" before the move it precedes)
    answered = answer.plan.answer.step if answer.plan is not None else None
    for e in sorted(answer.evidence, key=lambda e: e.step != answered):
        # several facts/events of one turn are one line to a reader
        key = e.episode_id or e.text
        if key in shown:
            continue
        if len(shown) == k:
            break
        shown.add(key)
        said = f"{e.reference_time:%Y-%m-%d}" if e.reference_time else "?"
        valid = f"  (valid {e.valid})" if several and e.valid is not None else ""
        lines.append(f"   [{said}] {e.text[:160]}{valid}")
    if answer.basis is not None:
        lines.append(f"   basis: {answer.basis.describe()}")
    return "\n".join(lines)
