"""Fusion weights and priors of hybrid retrieval, in one place, with the reason for each.

They are set from what each signal means, not fitted per data set (LoCoMo was used only to check that
each one helps; see BENCHMARKS.md):
- Each text signal hands over a wide pool (200 candidates), because the priors below (time range, context,
  speaker) can only lift turns that are in the pool, and the turn that states an event in its own words
  ("last night", not the date asked about) is often ranked far down by the text signals alone.
- Text signals are fused on a common scale: each signal's scores are rescaled to [0, 1] over its own
  candidate pool (best = 1, weakest kept = 0), since BM25 and cosine scores are not comparable; lexical and
  dense weigh the same.
- Graph signals (facts and events about the question's entities, facts and events valid in its time
  range) are corroboration, weighted half a text signal: they are only as good as extraction. A fact or
  event counts for a question only when it shares at least half of the question's content words. A time
  range holding more facts (or events) than the pool selects none of them: which would fill the pool is
  arbitrary (LoCoMo: 49 of 198 ranges held over 200 events; leaving them out changed no category by more
  than a point).
- A reply inherits half of the relevance of the turn it answers, a question a third of its answer's.
- A question that names a person is answered mostly by that person's own turns, but not only (the other
  side of a conversation may report it, or the question names the wrong person), so the other speakers'
  turns count half, and the best of them keep a fifth of the result slots.
- A "when" question needs evidence that places something in time: turns with time words count double.
- The question's own time expressions are taken out of the text it matches: the time range handles them,
  and a date as words ("May", "2022") matches turns by accident; a date stated outright wins over a
  relative phrase when choosing the range.
- Episodes said during the question's time range (widened by its own length, at least a week, on each
  side, because people talk about things shortly before and after they happen) count double.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field


class Weights(BaseModel):
    model_config = ConfigDict(frozen=True)

    pool: int = Field(200, ge=1, description="candidates taken from each text signal")
    lexical: float = 1.0
    dense: float = 1.0
    entity: float = 0.5
    entity_min_overlap: float = Field(0.5, ge=0, le=1, description="share of question words a fact/event needs")
    time: float = 0.5
    context_previous: float = Field(0.5, ge=0, description="share of the previous turn's score a turn inherits")
    context_next: float = Field(0.3, ge=0, description="share of the next turn's score a turn inherits")
    other_speaker: float = Field(0.5, ge=0, le=1, description="factor for turns of people not asked about")
    other_speaker_slots: float = Field(0.2, ge=0, le=1, description="share of results kept for other speakers")
    time_words: float = Field(2.0, ge=1, description="factor for turns with time words, for 'when' questions")
    said_in_window: float = Field(2.0, ge=1, description="factor for episodes said in the question's range")
    min_slack: timedelta = Field(timedelta(days=7), description="least widening of the time range per side")


DEFAULT_WEIGHTS = Weights()

__all__ = ["DEFAULT_WEIGHTS", "Weights"]
