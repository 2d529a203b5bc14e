"""The extractor contract: episodes in, one `Batch` of graph items out.

Every extractor (the default offline pipeline, the optional LLM one) implements this, so ingestion
never knows which one it runs. Extractors are pure with respect to the store: they never read or
write it; resolution against already-stored entities happens through stable ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from tkgmem.model import Batch, Episode


@runtime_checkable
class Extractor(Protocol):
    name: str

    def extract(self, episodes: Sequence[Episode], tenant: str) -> Batch:
        """Entities, facts, events, event links and embeddings derived from `episodes`.

        The returned batch includes the episodes themselves. Every derived item carries provenance
        spans naming the episode(s) it came from, so re-ingesting known episodes is skipped whole.
        """
        ...
