"""`tkgmem jobs`: the ingestion jobs of a tenant, read from their checkpoints in the store.

A job's checkpoint holds its counts as of its last committed batch, so after a crash the numbers shown
are what is safely in the store; a rerun with the same `--job-id` continues from there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from tkgmem.cli.common import emit_json, friendly_errors, json_option, open_memory, store_options

COLUMNS = ("read", "ingested", "duplicates", "rejected")


def job_row(job: dict[str, object]) -> dict[str, Any]:
    """One job as a flat row: counts read / ingested / skipped as duplicate / rejected, and its status."""
    counts = job.get("counts")
    c: dict[str, Any] = counts if isinstance(counts, dict) else {}
    files = job.get("files")
    updated = job.get("updated_at")
    return {
        "job_id": str(job.get("job_id", "")),
        "status": str(job.get("status", "unknown")),
        "read": int(c.get("read", 0)),
        "ingested": int(c.get("episodes_added", 0)),
        "duplicates": int(c.get("skipped_duplicates", 0)),
        "rejected": int(c.get("rejected", 0)),
        "facts_added": int(c.get("facts_added", 0)),
        "rejects_file": c.get("rejects_file"),
        "files": dict(files) if isinstance(files, dict) else {},
        "updated_at": updated.isoformat() if isinstance(updated, datetime) else updated,
    }


@click.command()
@store_options
@click.option("--status", "only", default=None, help="Only jobs with this status (running, done).")
@json_option
@friendly_errors
def jobs(store_url: str | None, tenant: str | None, only: str | None, as_json: bool) -> None:
    """Ingestion jobs with counts (read, ingested, skipped as duplicate, rejected) and status.

    A job left "running" was interrupted; rerun `tkgmem ingest` with the same --job-id to resume it.
    """
    mem = open_memory(store_url, tenant)
    rows = [job_row(j) for j in mem.store.jobs(mem.tenant)]
    if only is not None:
        rows = [r for r in rows if r["status"] == only]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("(no jobs)")
        return
    width = max(len("job"), *(len(r["job_id"]) for r in rows))
    click.echo(f"{'job':<{width}}  {'status':<8} " + " ".join(f"{c:>10}" for c in COLUMNS) + "  updated")
    for r in rows:
        click.echo(f"{r['job_id']:<{width}}  {r['status']:<8} " + " ".join(f"{r[c]:>10}" for c in COLUMNS)
                   + f"  {r['updated_at'] or ''}")
