"""Stores: open one by URL. Only this package knows which backend it talks to."""

from __future__ import annotations

from tkgmem.errors import ConfigError
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry
from tkgmem.settings import Settings
from tkgmem.store.base import Store

__all__ = ["Store", "open_store"]


def open_store(url: str, settings: Settings | None = None, relations: RelationRegistry = DEFAULT_RELATIONS) -> Store:
    """`sqlite:///path/to/memory.db` (embedded) or `neo4j://host:7687` / `bolt://...` (credentials from settings)."""
    settings = settings or Settings.from_env()
    if url.startswith("sqlite:"):
        from tkgmem.store.sqlite import SQLiteStore

        return SQLiteStore(url, relations=relations, ann_min_rows=settings.ann_min_rows,
                           vector_file_min_rows=settings.vector_file_min_rows, pin=settings.pin_store)
    if url.split("://", 1)[0] in {"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"}:
        from tkgmem.store.neo4j import Neo4jStore  # type: ignore[import-not-found,unused-ignore]

        return Neo4jStore(url, settings=settings, relations=relations)  # type: ignore[no-any-return,unused-ignore]
    raise ConfigError(
        f"unknown store URL {url!r}; use sqlite:///path/to/memory.db or neo4j://host:7687 (or bolt://host:7687)"
    )
