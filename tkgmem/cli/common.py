"""Options and output helpers shared by the CLI commands."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import BaseModel

from tkgmem.errors import TkgError
from tkgmem.memory import Memory
from tkgmem.settings import Settings
from tkgmem.temporal import Basis

F = TypeVar("F", bound=Callable[..., Any])


def store_options(fn: F) -> F:
    fn = click.option("--tenant", default=None, help="Tenant (default: TKGMEM_TENANT or 'default').")(fn)
    fn = click.option("--store", "store_url", default=None, metavar="URL",
                      help="sqlite:///path.db or neo4j://host:7687 (default: TKGMEM_STORE_URL or ./tkgmem.db).")(fn)
    return fn


def basis_options(fn: F) -> F:
    fn = click.option("--as-of", default=None, metavar="TIME",
                      help="What the memory believed at this time (ISO-8601); default: latest.")(fn)
    fn = click.option("--valid-at", default=None, metavar="TIME",
                      help="The world at this time (ISO-8601); default: now.")(fn)
    return fn


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(fn)


def open_memory(store_url: str | None, tenant: str | None, **settings: Any) -> Memory:
    return Memory.open(store_url, tenant=tenant, settings=Settings.from_env(**settings))


def basis_from(valid_at: str | None, as_of: str | None) -> Basis:
    return Basis(valid_at=valid_at, as_of=as_of)


def emit_json(value: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, BaseModel):
            return o.model_dump(mode="json")
        return str(o)

    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    click.echo(json.dumps(value, indent=2, default=default, ensure_ascii=False))


def friendly_errors(fn: F) -> F:
    """Our own errors print as one line and exit 2; anything else is a bug and keeps its traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TkgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
