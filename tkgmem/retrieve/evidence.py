"""What retrieval returns: an evidence episode, its fused score, and the signals that found it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tkgmem.model import Episode

Signal = Literal["lexical", "dense", "entity", "time", "context"]


class Evidence(BaseModel):
    """One episode judged relevant to a question; higher `score` is better (comparable within one search)."""

    model_config = ConfigDict(frozen=True)

    episode: Episode
    score: float
    sources: list[Signal] = Field(default_factory=list, description="signals that found it")
    fact_ids: list[str] = Field(default_factory=list, description="fact lineages citing it that led here")
    event_ids: list[str] = Field(default_factory=list, description="event lineages citing it that led here")


__all__ = ["Evidence", "Signal"]
