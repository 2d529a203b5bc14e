"""Store administration: `tkgmem migrate` (schema) and `tkgmem export` (copy a memory between stores)."""

from __future__ import annotations

import sys

import click
from tqdm import tqdm

from tkgmem.cli.common import emit_json, friendly_errors, json_option
from tkgmem.settings import Settings
from tkgmem.store import open_store
from tkgmem.store.transfer import copy_memory


@click.command()
@click.option("--store", "store_url", default=None, metavar="URL",
              help="sqlite:///path.db or neo4j://host:7687 (default: TKGMEM_STORE_URL).")
@friendly_errors
def migrate(store_url: str | None) -> None:
    """Create or upgrade the store's schema (constraints, indexes), idempotently; prints the schema version."""
    settings = Settings.from_env()
    store = open_store(store_url or settings.store_url, settings)
    try:
        version = store.migrate()
    finally:
        store.close()
    click.echo(f"{store.url}: schema version {version}")


@click.command()
@click.option("--from", "source", required=True, metavar="URL", help="Store to copy from, e.g. sqlite:///memory.db.")
@click.option("--to", "target", required=True, metavar="URL", help="Store to copy into, e.g. neo4j://localhost:7687.")
@click.option("--tenant", "tenants", multiple=True, metavar="T",
              help="Copy only this tenant (repeatable); default: all.")
@json_option
@friendly_errors
def export(source: str, target: str, tenants: tuple[str, ...], as_json: bool) -> None:
    """Copy a memory with every version and both time axes: embedded -> Neo4j, or back for a backup.

    Copying again is harmless: what the target already holds is kept as it is.
    """
    settings = Settings.from_env()
    src = open_store(source, settings)
    try:
        dst = open_store(target, settings)
        bar = tqdm(unit=" records", disable=as_json or not sys.stderr.isatty(), file=sys.stderr)
        try:
            def progress(tenant: str, kind: str, n: int) -> None:
                bar.set_description(f"{tenant}: {kind}s")
                bar.update(1)

            counts = copy_memory(src, dst, list(tenants) or None, progress)
        finally:
            bar.close()
            dst.close()
    finally:
        src.close()
    if as_json:
        emit_json(counts)
        return
    for tenant, by_type in counts.items():
        parts = ", ".join(f"{n} {kind}s" for kind, n in by_type.items() if n)
        click.echo(f"{tenant}: {parts or 'nothing to copy'}")
    click.echo(f"copied {len(counts)} tenant(s) from {source} to {target}")
