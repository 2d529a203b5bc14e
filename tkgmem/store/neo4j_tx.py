"""Running named queries inside a managed transaction, and reading versions back with their provenance.

Every query goes through `run`, which takes the query by name from the Cypher library and checks the
parameters against the ones its header declares, so a mistyped parameter fails loudly here instead of
silently matching nothing on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from neo4j import ManagedTransaction

from tkgmem.errors import StoreError
from tkgmem.model import Span
from tkgmem.store.neo4j_codec import AnyVersion, chunks, decode_span, decode_version
from tkgmem.store.queries import query


def run(tx: ManagedTransaction, name: str, /, **params: Any) -> list[dict[str, Any]]:
    """Run the named query with exactly its declared parameters; returns the records as dicts."""
    q = query(name)
    if set(params) != q.params:
        missing, extra = sorted(q.params - set(params)), sorted(set(params) - q.params)
        raise StoreError(f"query {name!r} called with wrong parameters (missing {missing}, unexpected {extra})")
    return [r.data() for r in tx.run(q.text, params)]


def run_rows(tx: ManagedTransaction, name: str, tenant: str, rows: Sequence[Any], size: int) -> None:
    """An UNWIND write in batches of at most `size` rows, all inside the caller's transaction."""
    for part in chunks(rows, size):
        run(tx, name, tenant=tenant, rows=list(part))


def known_episodes(tx: ManagedTransaction, tenant: str, ids: Sequence[str], size: int) -> set[str]:
    """Which of the episode ids the tenant already holds (writes and imports store only the others)."""
    return {r["id"] for part in chunks(list(ids), size) for r in run(tx, "episodes_known", tenant=tenant,
                                                                     ids=list(part))}


def provenance(tx: ManagedTransaction, tenant: str, lineage_ids: Sequence[str], size: int) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for part in chunks(sorted(set(lineage_ids)), size):
        for r in run(tx, "provenance_for_lineages", tenant=tenant, lineage_ids=list(part)):
            out.setdefault(r["lineage_id"], []).append(decode_span(r["episode_id"], r["start"], r["end"]))
    return out


def versions(tx: ManagedTransaction, tenant: str, name: str, size: int, /, **params: Any) -> list[Any]:
    """Versions returned by a query (columns kind, body, expired_at), with each lineage's provenance."""
    rows = run(tx, name, tenant=tenant, **params)
    items = [decode_version(r["kind"], r["body"], r["expired_at"]) for r in rows]
    if not items:
        return items
    spans = provenance(tx, tenant, [v.lineage_id for v in items], size)
    return [v.model_copy(update={"provenance": tuple(spans.get(v.lineage_id, ()))}) for v in items]


def current(tx: ManagedTransaction, tenant: str, lineage_ids: Sequence[str], size: int) -> dict[str, AnyVersion]:
    """The current version of each lineage that has one."""
    out: dict[str, AnyVersion] = {}
    for part in chunks(sorted(set(lineage_ids)), size):
        for v in versions(tx, tenant, "versions_current", size, lineage_ids=list(part)):
            out.setdefault(v.lineage_id, v)
    return out
