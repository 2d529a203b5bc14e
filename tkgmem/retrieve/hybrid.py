"""Hybrid retrieval of evidence episodes for a free-text question.

Several independent signals each rank candidate episodes: lexical (the store's full-text index), dense
(sentence embeddings), entity (episodes of the people and things the question names, through the graph)
and time (episodes said in, or about, the question's time range). They are fused by weighted
reciprocal-rank fusion, which needs no score calibration between signals, then two priors are applied:
who is speaking (a question about a person is mostly answered by that person's own turns) and local
context (a reply is often relevant because the turn it answers is). Only the `Store` protocol is used, so
it works the same on every store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from tkgmem.model import Episode, EventQuery, FactQuery, SearchHit
from tkgmem.retrieve.evidence import Evidence, Signal
from tkgmem.retrieve.query import QueryAnalysis, analyse
from tkgmem.retrieve.weights import DEFAULT_WEIGHTS, Weights
from tkgmem.store.base import Store
from tkgmem.temporal import Basis, Interval



class TextEncoder(Protocol):
    """What the dense signal needs (`tkgmem.nlp.Encoder` is one): normalised vectors, one row per text."""

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


Fallback = Callable[[str, int, Interval | None], list[SearchHit]]


class _Candidate:
    __slots__ = ("event_ids", "fact_ids", "ranks", "score")

    def __init__(self) -> None:
        self.ranks: dict[Signal, int] = {}
        self.fact_ids: list[str] = []
        self.event_ids: list[str] = []
        self.score = 0.0


class HybridRetriever:
    """Lexical + dense + entity + time retrieval over one store; `encoder=None` means no dense signal."""

    def __init__(self, store: Store, encoder: TextEncoder | None = None, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.store = store
        self.encoder = encoder
        self.weights = weights

    # -- public -----------------------------------------------------------------------------------
    def search(self, tenant: str, text: str, k: int = 10, *, basis: Basis = Basis(),
               time_range: Interval | None = None) -> list[Evidence]:
        """The `k` best evidence episodes for `text`, best first.

        `time_range` (the period the question is about) boosts episodes said in it or cited by facts and
        events valid in it. `basis.as_of` hides episodes the memory had not yet recorded.
        """
        if k <= 0 or not text.strip():
            return []
        w = self.weights
        pool = max(w.pool, 4 * k)
        query = analyse(text)
        cands: dict[str, _Candidate] = {}

        def rank(signal: Signal, ids: list[str]) -> None:
            for i, eid in enumerate(dict.fromkeys(ids)):
                c = cands.setdefault(eid, _Candidate())
                c.ranks.setdefault(signal, i)

        rank("lexical", [h.episode_id for h in self.store.search_text(tenant, query.lexical_text, pool)])
        if self.encoder is not None:
            vector = self.encoder.encode([query.dense_text])[0]
            rank("dense", [h.episode_id for h in self.store.search_vector(tenant, vector.tolist(), pool)])
        people = self._entity_signal(tenant, query, basis, cands, rank)
        if time_range is not None:
            self._time_signal(tenant, time_range, basis, people, cands, rank)
        if not cands:
            return []

        episodes = {e.id: e for e in self.store.episodes(tenant, list(cands))}
        if basis.as_of is not None:
            episodes = {i: e for i, e in episodes.items() if e.recorded_at is None or e.recorded_at <= basis.as_of}
        for eid, c in cands.items():
            c.score = sum(w.signal(s) / (w.rrf_k + r + 1) for s, r in c.ranks.items())
        self._priors(query, episodes, cands, time_range)

        ranked = sorted((eid for eid in cands if eid in episodes), key=lambda e: -cands[e].score)[:k]
        return [
            Evidence(episode=episodes[eid], score=cands[eid].score, sources=sorted(cands[eid].ranks),
                     fact_ids=cands[eid].fact_ids, event_ids=cands[eid].event_ids)
            for eid in ranked
        ]

    def as_fallback(self, tenant: str, basis: Basis = Basis()) -> Fallback:
        """`(question, k, time_range) -> [SearchHit]`: what `ask` uses when no navigator plan fits."""

        def fallback(question: str, k: int, time_range: Interval | None) -> list[SearchHit]:
            found = self.search(tenant, question, k, basis=basis, time_range=time_range)
            return [SearchHit(episode_id=e.episode.id, score=e.score) for e in found]

        return fallback

    # -- signals ----------------------------------------------------------------------------------
    def _entity_signal(self, tenant: str, query: QueryAnalysis, basis: Basis,
                       cands: dict[str, _Candidate], rank: Callable[[Signal, list[str]], None]) -> set[str]:
        """Episodes reached through the entities named in the question: the facts and events about them
        that share words with the question, best overlap first. Returns the names of the people found."""
        found: dict[str, str] = {}
        for name in query.names:
            for entity in self.store.find_entities(tenant, name, basis=basis, limit=5):
                found[entity.lineage_id] = entity.name
        if not found:
            return set()
        scored: list[tuple[float, str, str, str]] = []  # (overlap, episode id, kind, lineage id)
        window = Interval()
        for entity_id in found:
            for fact in self.store.facts(tenant, FactQuery(entity_id=entity_id, valid_overlaps=window), basis):
                text = f"{fact.relation.replace('_', ' ')} {fact.object_value or ''}"
                overlap = query.overlap(text)
                if overlap > 0:
                    scored.extend((overlap, s.episode_id, "fact", fact.lineage_id) for s in fact.provenance)
            for event in self.store.events(tenant, EventQuery(participant_id=entity_id, valid_overlaps=window),
                                           basis):
                overlap = query.overlap(f"{event.predicate.replace('_', ' ')} {event.summary}")
                if overlap > 0:
                    scored.extend((overlap, s.episode_id, "event", event.lineage_id) for s in event.provenance)
        scored.sort(key=lambda t: -t[0])
        rank("entity", [eid for _, eid, _, _ in scored[: self.weights.pool]])
        for _, eid, kind, lineage in scored[: self.weights.pool]:
            c = cands[eid]
            (c.fact_ids if kind == "fact" else c.event_ids).append(lineage)
        return {n.casefold() for n in found.values()}

    def _time_signal(self, tenant: str, window: Interval, basis: Basis, people: set[str],
                     cands: dict[str, _Candidate], rank: Callable[[Signal, list[str]], None]) -> None:
        """Episodes cited by facts and events valid in the window (those of the question's people when it
        names any), ranked by how tightly they fit it."""
        hits: list[tuple[float, str]] = []
        entity_ids = [e.lineage_id for n in people for e in self.store.find_entities(tenant, n, basis=basis, limit=5)]
        fact_queries = [FactQuery(entity_id=e, valid_overlaps=window) for e in entity_ids] or [
            FactQuery(valid_overlaps=window, limit=self.weights.pool)]
        event_queries = [EventQuery(participant_id=e, valid_overlaps=window) for e in entity_ids] or [
            EventQuery(valid_overlaps=window, limit=self.weights.pool)]
        for fq in fact_queries:
            for fact in self.store.facts(tenant, fq, basis):
                hits.extend((_fit(fact.valid, window), s.episode_id) for s in fact.provenance)
        for eq in event_queries:
            for event in self.store.events(tenant, eq, basis):
                hits.extend((_fit(event.valid, window), s.episode_id) for s in event.provenance)
        hits.sort(key=lambda t: -t[0])
        ids = [eid for _, eid in hits if eid in cands] + [eid for _, eid in hits if eid not in cands]
        rank("time", ids[: self.weights.pool])

    # -- priors -----------------------------------------------------------------------------------
    def _priors(self, query: QueryAnalysis, episodes: dict[str, Episode], cands: dict[str, _Candidate],
                window: Interval | None) -> None:
        w = self.weights
        names = {n.casefold() for n in query.names}
        speakers = {e.speaker.casefold() for e in episodes.values() if e.speaker}
        asked_about = {s for s in speakers if s in names or s.split()[0] in names}
        base = {eid: c.score for eid, c in cands.items()}
        # Context: a turn inherits part of the score of the turn just before it in the same session.
        by_position = {(e.source, e.session, e.seq): e.id for e in episodes.values()}
        for eid, e in episodes.items():
            prev = by_position.get((e.source, e.session, e.seq - 1))
            if prev is not None and base[prev] > 0:
                cands[eid].score += w.context * base[prev]
                if base[prev] > base[eid]:
                    cands[eid].ranks.setdefault("context", 0)
        for eid, e in episodes.items():
            c = cands[eid]
            if asked_about and e.speaker and e.speaker.casefold() not in asked_about:
                c.score *= w.other_speaker
            if window is not None and window.contains(e.reference_time):
                c.score *= w.said_in_window
                c.ranks.setdefault("time", 0)


def _fit(valid: Interval, window: Interval) -> float:
    """1 for an interval inside the window, less the more it extends beyond it (unknown ends count half)."""
    if window.covers(valid):
        return 1.0
    return 0.5


__all__ = ["Evidence", "Fallback", "HybridRetriever", "TextEncoder"]
