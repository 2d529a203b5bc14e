"""Fusion weights and priors of hybrid retrieval, in one place, with the reason for each.

They are set from what each signal means, not fitted to a benchmark:
- Reciprocal-rank fusion with k = 60 (the value of Cormack et al., 2009) needs no score calibration.
- Lexical and dense count equally: neither dominates across question types.
- Entity and time are *structural* evidence from the graph and count as much as one text signal.
- A question that names a person is answered mostly by that person's own turns, but not only (the other
  side of a conversation may report it, and a question may name the wrong person), so the other
  speakers' turns are down-weighted, not removed.
- A reply inherits part of the relevance of the turn it answers (half of its fused score at most).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tkgmem.retrieve.evidence import Signal


class Weights(BaseModel):
    model_config = ConfigDict(frozen=True)

    pool: int = Field(100, ge=1, description="candidates taken from each signal")
    rrf_k: float = Field(60.0, gt=0)
    lexical: float = 1.0
    dense: float = 1.0
    entity: float = 1.0
    time: float = 1.0
    context: float = Field(0.5, ge=0, description="share of the previous turn's score a turn inherits")
    other_speaker: float = Field(0.5, ge=0, le=1, description="factor for turns of people not asked about")
    said_in_window: float = Field(1.5, ge=1, description="factor for episodes said in the question's range")

    def signal(self, name: Signal) -> float:
        return float(getattr(self, name, 0.0)) if name != "context" else 0.0


DEFAULT_WEIGHTS = Weights()

__all__ = ["DEFAULT_WEIGHTS", "Weights"]
