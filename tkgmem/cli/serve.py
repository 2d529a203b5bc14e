"""`tkgmem serve` (the GraphQL API under uvicorn) and `tkgmem keys create|list|revoke` (API keys)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from tkgmem.errors import TkgError
from tkgmem.settings import Settings

if TYPE_CHECKING:
    from tkgmem.graphql.keys import KeyStore

_KEYS_HELP = "API keys file (SQLite); default: next to a SQLite store file (memory.keys.db), else ./tkgmem-keys.db"


def _store_url(store: str | None) -> str:
    return store or Settings.from_env().store_url


@click.command("serve")
@click.option("--store", "store", envvar="TKGMEM_STORE_URL", default=None, help="store URL (sqlite:///… or neo4j://…)")
@click.option("--host", default="127.0.0.1", show_default=True, help="interface to listen on")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--keys", "keys_path", envvar="TKGMEM_KEYS_FILE", default=None, help=_KEYS_HELP)
@click.option("--max-depth", type=int, default=None, help="deepest query nesting allowed")
@click.option("--max-page-size", type=int, default=None, help="largest `first`/`last` allowed")
@click.option("--log-level", default="info", show_default=True)
def serve(store: str | None, host: str, port: int, keys_path: str | None, max_depth: int | None,
          max_page_size: int | None, log_level: str) -> None:
    """Serve the GraphQL API at http://HOST:PORT/graphql (console page in a browser) and /healthz."""
    import uvicorn

    from tkgmem.graphql.app import create_app
    from tkgmem.graphql.keys import open_keys
    from tkgmem.graphql.limits import Limits
    from tkgmem.memory import Memory

    settings = Settings.from_env(store_url=store)
    memory = Memory.open(settings.store_url, settings=settings)
    keys = open_keys(keys_path, settings.store_url)
    overrides = {k: v for k, v in {"max_depth": max_depth, "max_page_size": max_page_size}.items() if v}
    limits = Limits(**overrides)
    if not keys.list():
        click.echo(f"note: no API keys in {keys.path}; every request will get 401. Create one with "
                   f"`tkgmem keys create --tenant {settings.tenant} --role read`", err=True)
    click.echo(f"tkgmem GraphQL on http://{host}:{port}/graphql (keys: {keys.path})", err=True)
    uvicorn.run(create_app(memory, keys, limits, freeze_gc=True), host=host, port=port, log_level=log_level)


@click.group("keys")
def keys() -> None:
    """Create, list and revoke API keys (stored hashed; the token is shown once)."""


def _open(store: str | None, keys_path: str | None) -> KeyStore:
    from tkgmem.graphql.keys import open_keys

    try:
        return open_keys(keys_path, _store_url(store))
    except TkgError as exc:
        raise click.ClickException(str(exc)) from exc


_store_opt = click.option("--store", "store", envvar="TKGMEM_STORE_URL", default=None,
                          help="store URL; locates the default keys file")
_keys_opt = click.option("--keys", "keys_path", envvar="TKGMEM_KEYS_FILE", default=None, help=_KEYS_HELP)


@keys.command("create")
@click.option("--tenant", required=True, help="the tenant every request with this key is scoped to")
@click.option("--role", type=click.Choice(["read", "write", "admin"]), default="read", show_default=True)
@click.option("--label", default="", help="a note, e.g. who holds the key")
@_store_opt
@_keys_opt
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def keys_create(tenant: str, role: str, label: str, store: str | None, keys_path: str | None, as_json: bool) -> None:
    """Create a key and print its token (shown once; only a salted hash is kept)."""
    ks = _open(store, keys_path)
    try:
        key, token = ks.create(tenant, role, label)
    except TkgError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"id": key.id, "tenant": key.tenant, "role": key.role.value, "token": token}))
    else:
        click.echo(f"key {key.id} (tenant {key.tenant}, role {key.role.value}); token, shown once:\n{token}")


@keys.command("list")
@click.option("--tenant", default=None)
@click.option("--all", "include_revoked", is_flag=True, help="include revoked keys")
@_store_opt
@_keys_opt
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def keys_list(tenant: str | None, include_revoked: bool, store: str | None, keys_path: str | None,
              as_json: bool) -> None:
    """List keys (never their tokens)."""
    found = _open(store, keys_path).list(tenant, include_revoked)
    if as_json:
        click.echo(json.dumps([json.loads(k.model_dump_json()) for k in found]))
        return
    for k in found:
        revoked = f" revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else ""
        click.echo(f"{k.id}  {k.tenant}  {k.role.value:<5}  {k.created_at:%Y-%m-%d %H:%M}{revoked}  {k.label}")


@keys.command("revoke")
@click.argument("key_id")
@_store_opt
@_keys_opt
def keys_revoke(key_id: str, store: str | None, keys_path: str | None) -> None:
    """Revoke a key by id; requests with it get 401 from then on."""
    try:
        key = _open(store, keys_path).revoke(key_id)
    except TkgError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {key.id} (tenant {key.tenant})")
