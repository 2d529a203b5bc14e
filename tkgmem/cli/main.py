"""The `tkgmem` command line."""

from __future__ import annotations

import click

from tkgmem.cli import admin, core, demo, jobs, serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tkgmem")
def cli() -> None:
    """tkgmem: a temporal knowledge-graph memory (bi-temporal graph, temporal navigation, GraphQL)."""


for command in (
    core.ingest, core.stats, core.timeline, core.history, core.ask, demo.demo, jobs.jobs,
    serve.serve, serve.keys, admin.migrate, admin.export,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="tkgmem")
