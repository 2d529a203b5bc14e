"""Versions decoded from a store: the body's JSON plus the columns stored beside it."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def with_columns(fresh: M, **columns: Any) -> M:
    """`fresh`, a model just decoded that nothing else holds yet, with the stored columns (expiry, provenance)
    set in place. `model_copy(update=...)` sets them the same way, unvalidated, but on a copy it makes first:
    ~10 us a version, a third of a large read (10.8k entities: 0.30 -> 0.20 s, median of 8, collector off)."""
    fresh.__dict__.update(columns)
    fresh.__pydantic_fields_set__.update(columns)
    return fresh


__all__ = ["with_columns"]
