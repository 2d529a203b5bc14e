"""`tkgmem demo`: ingest a bundled multi-session dialogue and CRM records, then show both time axes."""

from __future__ import annotations

import json
from importlib import resources

import click

from tkgmem.cli.common import friendly_errors, open_memory
from tkgmem.cli.core import describe, render_answer
from tkgmem.ingest.items import EpisodeIn, FactRecordIn
from tkgmem.memory import Memory
from tkgmem.model import FactQuery
from tkgmem.temporal import Basis, parse_granular


def demo_items() -> list[EpisodeIn | FactRecordIn]:
    """The sample, merged in recording order so transaction time runs forward as it would have live."""
    folder = resources.files("tkgmem.demo")
    items: list[EpisodeIn | FactRecordIn] = []
    for line in folder.joinpath("dialogue.jsonl").read_text(encoding="utf-8").splitlines():
        items.append(EpisodeIn.model_validate({**json.loads(line), "source": "demo-chat"}))
    for line in folder.joinpath("records.jsonl").read_text(encoding="utf-8").splitlines():
        items.append(FactRecordIn.model_validate(json.loads(line)))

    def when(item: EpisodeIn | FactRecordIn) -> object:
        if isinstance(item, EpisodeIn):
            return item.time
        return parse_granular(item.recorded_at or "")[0]

    return sorted(items, key=when)  # type: ignore[arg-type]


def where(mem: Memory, person: str, relation: str, basis: Basis) -> str:
    entity = mem.require_entity(person)
    facts = mem.facts(FactQuery(subject_id=entity.lineage_id, relation=relation), basis)
    names: dict[str, str] = {}
    return ", ".join(describe(mem, f, names).split(f" {relation} ", 1)[1] for f in facts) or "(unknown)"


@click.command()
@click.option("--store", "store_url", default="sqlite:///tkgmem-demo.db", show_default=True, metavar="URL")
@click.option("--tenant", default="demo", show_default=True)
@friendly_errors
def demo(store_url: str, tenant: str) -> None:
    """Ingest the bundled sample and answer questions on both time axes."""
    mem = open_memory(store_url, tenant)
    report = mem.ingest_episodes(demo_items(), record_time="reference")  # type: ignore[arg-type]
    s = mem.stats()
    click.echo(f"Ingested {report.read} records ({report.skipped_duplicates} already known) into {store_url}: "
               f"{s.episodes} episodes, {s.entities} entities, {s.facts} facts, {s.events} events, "
               f"{s.versions} versions of which {s.expired_versions} superseded.\n")

    click.echo("Where did Alice live? (rows: when in the world; columns: what the memory believed when)")
    header = f"{'':24}{'believed 2021-01-01':>24}{'believed 2023-01-15':>24}{'believed now':>24}"
    click.echo(header)
    for valid_at in ("2021-01-01", "2022-07-15", "2024-06-01"):
        cells = [where(mem, "Alice", "lives_in", Basis(valid_at=valid_at, as_of=as_of))
                 for as_of in ("2021-01-01", "2023-01-15", None)]
        click.echo(f"{'true on ' + valid_at:24}" + "".join(f"{c:>24}" for c in cells))
    click.echo("  (the 2023-03-02 correction moved the Berlin move from August to July 2022)\n")

    click.echo("Where does Alice work, now and on 2021-01-01?")
    click.echo(f"  now: {where(mem, 'Alice', 'works_at', Basis())};   "
               f"2021-01-01: {where(mem, 'Alice', 'works_at', Basis(valid_at='2021-01-01'))}\n")

    click.echo("History of Alice's residence (every version, both axes):")
    names: dict[str, str] = {}
    for v in mem.entity_history("Alice"):
        if getattr(v, "relation", None) == "lives_in":
            believed = f"[{v.recorded_at:%Y-%m-%d}, " + (f"{v.expired_at:%Y-%m-%d})" if v.expired_at else "now)")
            click.echo(f"  believed {believed:<26} valid {v.valid!s:<52} {describe(mem, v, names)} ({v.reason})")
    click.echo("")

    for question in ("When did Alice move to Berlin?", "Where did Alice work before she moved to Berlin?",
                     "What did Alice do first after she moved to Berlin?", "When did Bob adopt a puppy?",
                     "What did Carol do in the Alps?"):
        answer = mem.ask(question)
        click.echo(f"Q: {question}\n{render_answer(answer, k=2)}\n")
    click.echo("Try: tkgmem timeline Alice --store " + store_url + " --tenant " + tenant)
