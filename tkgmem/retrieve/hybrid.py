"""Hybrid retrieval of evidence episodes for a free-text question.

Independent signals each score candidate episodes: lexical (the store's full-text index), dense
(sentence embeddings), entity (facts and events about the things the question names, through the graph)
and time (facts and events valid in the question's time range). Each signal's scores are rescaled to
[0, 1] over its own candidates and summed with fixed weights; then priors from the conversation's structure
apply: local context (a reply is relevant when the turn it answers is), who is speaking (a question
about a person is mostly answered by that person's own turns), whether a turn places things in time (for
"when" questions) and whether it was said in the question's time range. See `weights.py` for the reasons
behind each number. Only the `Store` protocol is used, so it works the same on every store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import numpy as np

from tkgmem.model import Entity, Episode, EventQuery, Fact, FactQuery, SearchHit
from tkgmem.retrieve.evidence import Evidence, Signal
from tkgmem.retrieve.query import QueryAnalysis, analyse, content_words, mentions_time, stems
from tkgmem.retrieve.weights import DEFAULT_WEIGHTS, Weights
from tkgmem.store.base import Store
from tkgmem.temporal import Basis, Interval

if TYPE_CHECKING:
    from tkgmem.timex import TimeMention


class TextEncoder(Protocol):
    """What the dense signal needs (`tkgmem.nlp.Encoder` is one): normalised vectors, one row per text."""

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


Fallback = Callable[[str, int, Interval | None], list[SearchHit]]


class _Candidate:
    __slots__ = ("event_ids", "fact_ids", "signals")

    def __init__(self) -> None:
        self.signals: dict[Signal, float] = {}
        self.fact_ids: list[str] = []
        self.event_ids: list[str] = []


class _Pool:
    """Candidates with one standardised score per signal that found them."""

    def __init__(self) -> None:
        self.cands: dict[str, _Candidate] = {}

    def add(self, signal: Signal, scored: Iterable[tuple[str, float]], truncated: bool = False) -> None:
        """Scale a signal's scores to [0, 1]: 1 for its best candidate, 0 for its floor. The floor is the
        weakest candidate when the list was cut at the pool size, else "no match" (score 0)."""
        best: dict[str, float] = {}
        for eid, score in scored:
            best[eid] = max(score, best.get(eid, score))
        if not best:
            return
        floor = min(best.values()) if truncated else min(0.0, *best.values())
        top = max(best.values())
        for eid, score in best.items():
            scaled = (score - floor) / (top - floor) if top > floor else 1.0
            self.cands.setdefault(eid, _Candidate()).signals[signal] = scaled

    def __getitem__(self, eid: str) -> _Candidate:
        return self.cands[eid]

    def __contains__(self, eid: str) -> bool:
        return eid in self.cands


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

        `time_range` is the period the question is about; when None it is read from the question itself
        ("in June", "last weekend"), relative to the latest episode found. `basis.as_of` hides episodes
        the memory had not recorded yet, and facts and events are read at `basis`.
        """
        if k <= 0 or not text.strip():
            return []
        w = self.weights
        pool_size = max(w.pool, 4 * k)
        mentions = _time_mentions(text, datetime.now(UTC))
        query = analyse(text, [(m.start, m.end) for m in mentions])
        people = self._people_asked_about(tenant, query)
        stripped = query.without(people)
        pool = _Pool()
        # The question is embedded on another thread while the full-text index and the graph are read. The
        # encoder's helper process (`encoder_process`) makes that parallel: in this process the encoding
        # would wait for the GIL behind them.
        encoding = _encoding_threads().submit(self.encoder.encode, [stripped]) if self.encoder is not None else None
        # Content words only: function words add nothing to the ranking but make the index visit many rows.
        lexical = self.store.search_text(tenant, " ".join(content_words(stripped)) or stripped, pool_size)
        pool.add("lexical", ((h.episode_id, h.score) for h in lexical), len(lexical) >= pool_size)
        self._entity_signal(tenant, query, people, basis, pool)
        episodes: dict[str, Episode] = {}
        read: set[str] = set()
        if encoding is not None:
            # The candidates so far are read while the helper process encodes (about as long, ~10 ms).
            self._read_new(tenant, pool, basis, episodes, read)
            vector = encoding.result()[0]
            dense = self.store.search_vector(tenant, vector.tolist(), pool_size)
            pool.add("dense", ((h.episode_id, h.score) for h in dense), len(dense) >= pool_size)
        self._read_new(tenant, pool, basis, episodes, read)
        if time_range is None and mentions:
            # re-read against the memory's own latest time (where times are is the same for any reference)
            time_range = _question_range(text, [e.reference_time for e in episodes.values()], mentions)
        if time_range is not None:
            self._time_signal(tenant, time_range, basis, pool)
            self._read_new(tenant, pool, basis, episodes, read)
        if not episodes:
            return []
        scores, prior, sources = self._score(query, people, episodes, pool, time_range)
        chosen = self._choose(scores, prior, episodes, people, k)
        return [
            Evidence(episode=episodes[eid], score=round(scores[eid], 6), sources=sorted(sources[eid]),
                     fact_ids=list(dict.fromkeys(pool[eid].fact_ids)),
                     event_ids=list(dict.fromkeys(pool[eid].event_ids)))
            for eid in chosen
        ]

    def query_text(self, tenant: str, text: str) -> str:
        """What the text signals match for `text`: the question without the names of the people it is
        about (their turns are found by the speaker prior instead). Lets callers batch-encode queries."""
        query = analyse(text, [(m.start, m.end) for m in _time_mentions(text, datetime.now(UTC))])
        return query.without(self._people_asked_about(tenant, query))

    def as_fallback(self, tenant: str, basis: Basis = Basis()) -> Fallback:
        """`(question, k, time_range) -> [SearchHit]`: what `ask` uses when no navigator plan fits."""

        def fallback(question: str, k: int, time_range: Interval | None) -> list[SearchHit]:
            found = self.search(tenant, question, k, basis=basis, time_range=time_range)
            return [SearchHit(episode_id=e.episode.id, score=e.score) for e in found]

        return fallback

    # -- who the question is about ---------------------------------------------------------------
    def _people_asked_about(self, tenant: str, query: QueryAnalysis) -> set[str]:
        """Names in the question that take part in this memory's conversations (their own turns answer
        it best): speakers, and people turns are addressed to (their own turns rarely say their name, so
        the turns that name them are mostly the other side's). One store read for all the names; the
        words of a name already found ("Ana" of "Ana Silva") are not counted again."""
        speaking = self.store.speaking(tenant, query.names) if query.names else set()
        people: set[str] = set()
        for name in query.names:
            if name in speaking and not any(name.casefold() in p.casefold().split() for p in people):
                people.add(name)
        return people

    # -- graph signals ----------------------------------------------------------------------------
    def _entity_signal(self, tenant: str, query: QueryAnalysis, people: set[str], basis: Basis,
                       pool: _Pool) -> None:
        """Episodes cited by facts and events about the entities the question names, scored by how many
        of the question's other words they share (one shared word among a person's hundreds of events is
        noise, so at least `entity_min_overlap` of them must be shared).

        A fact's words are its relation and value; the entity's own name is why the fact was read, so
        sharing it is no evidence. When the question's other words cannot reach the threshold ("Who works
        at Jones Group Ltd?": "works" is a quarter of works/jones/group/ltd), no fact is read at all. Event
        summaries name their participants, and match on every word."""
        entities: dict[str, Entity] = {}
        found_words: set[str] = set()
        for name in query.names:  # whole names first, then their words
            if name.casefold() in found_words:
                continue  # a word of a name that is an entity ("Boston" of "Boston 51") is another entity
            found = self.store.find_entities(tenant, name, basis=basis, limit=5)
            if found:
                found_words.update(name.casefold().split())
            entities.update((e.lineage_id, e) for e in found)
        if not entities:
            return
        words = QueryAnalysis(query.text, words=[w for w in query.words
                                                 if w not in {p.casefold() for p in people}])
        hits: list[tuple[str, float, str, str]] = []
        window = Interval()
        least = self._least_overlap
        for entity_id, entity in entities.items():
            own = stems([entity.name, *entity.aliases])
            if words.reachable(own) >= least:
                for fact in self._facts_about(tenant, entity_id, words, own, basis):
                    overlap = words.overlap(f"{fact.relation.replace('_', ' ')} {fact.object_value or ''}", own)
                    if overlap >= least:
                        hits.extend((s.episode_id, overlap, "fact", fact.lineage_id) for s in fact.provenance)
            for event in self.store.events(tenant, EventQuery(participant_id=entity_id, valid_overlaps=window),
                                           basis):
                overlap = words.overlap(f"{event.predicate.replace('_', ' ')} {event.summary}")
                if overlap >= least:
                    hits.extend((s.episode_id, overlap, "event", event.lineage_id) for s in event.provenance)
        hits.sort(key=lambda h: -h[1])
        hits = hits[: self.weights.pool]
        pool.add("entity", ((eid, score) for eid, score, _, _ in hits))
        for eid, _, kind, lineage in hits:
            (pool[eid].fact_ids if kind == "fact" else pool[eid].event_ids).append(lineage)

    @property
    def _least_overlap(self) -> float:
        """The share of the question's words a fact or event must share (a weight of 0 still needs one)."""
        return max(self.weights.entity_min_overlap, 1e-9)

    def _facts_about(self, tenant: str, entity_id: str, words: QueryAnalysis, own: frozenset[str],
                     basis: Basis) -> list[Fact]:
        """The entity's own facts, and those that point at it with a relation that shares enough of the
        question's words: their value is the entity, so the relation is all they can share. The store counts
        those by relation first, because a place hundreds of people live in is the value of hundreds of
        facts (~8 ms to decode at 1M facts) that a question about moving there does not need."""
        window = Interval()
        least = self._least_overlap
        found = self.store.facts(tenant, FactQuery(subject_id=entity_id, valid_overlaps=window), basis)
        pointing = self.store.fact_relations(tenant, FactQuery(object_id=entity_id, valid_overlaps=window), basis)
        wanted = [r for r in pointing if words.overlap(r.replace("_", " "), own) >= least]
        if wanted:
            found += [f for f in self.store.facts(tenant, FactQuery(object_id=entity_id, relations=wanted,
                                                                    valid_overlaps=window), basis)
                      if f.subject_id != entity_id]  # a fact about itself was read above
        return found

    def _time_signal(self, tenant: str, window: Interval, basis: Basis, pool: _Pool) -> None:
        """Episodes cited by facts and events valid in the window, the tighter the fit the better.

        A window holding more facts (or events) than the pool selects nothing: which of them would fill
        the pool is arbitrary, so that list is left out (the episodes said in the window keep their
        prior). In a large memory every month holds thousands of facts: counting up to the pool size
        first spares decoding them."""
        limit = self.weights.pool
        hits: list[tuple[str, float, str, str]] = []
        query = FactQuery(valid_overlaps=window, limit=limit)
        facts = self.store.facts(tenant, query, basis) if self.store.count_facts(
            tenant, query, basis, at_most=limit + 1) <= limit else []
        for fact in facts:
            hits.extend((s.episode_id, _fit(fact.valid, window), "fact", fact.lineage_id) for s in fact.provenance)
        events = self.store.events(tenant, EventQuery(valid_overlaps=window, limit=limit + 1), basis)
        for event in events if len(events) <= limit else []:
            hits.extend((s.episode_id, _fit(event.valid, window), "event", event.lineage_id)
                        for s in event.provenance)
        pool.add("time", ((eid, score) for eid, score, _, _ in hits))
        for eid, _, kind, lineage in hits:
            (pool[eid].fact_ids if kind == "fact" else pool[eid].event_ids).append(lineage)

    # -- scoring ----------------------------------------------------------------------------------
    def _score(self, query: QueryAnalysis, people: set[str], episodes: dict[str, Episode], pool: _Pool,
               window: Interval | None) -> tuple[dict[str, float], dict[str, float], dict[str, set[Signal]]]:
        w = self.weights
        weight = {"lexical": w.lexical, "dense": w.dense, "entity": w.entity, "time": w.time}
        base = {eid: sum(weight.get(s, 0.0) * z for s, z in pool[eid].signals.items()) for eid in episodes}
        sources: dict[str, set[Signal]] = {eid: set(pool[eid].signals) for eid in episodes}
        position = {(e.source, e.session, e.seq): e.id for e in episodes.values()}
        scores = dict(base)
        for eid, e in episodes.items():
            prev = position.get((e.source, e.session, e.seq - 1))
            nxt = position.get((e.source, e.session, e.seq + 1))
            inherited = (w.context_previous * base[prev] if prev else 0.0) + (
                w.context_next * base[nxt] if nxt else 0.0)
            scores[eid] += inherited
            if inherited > base[eid]:
                sources[eid].add("context")
        said_in = _widened(window, w.min_slack) if window is not None else None
        for eid, e in episodes.items():
            if query.asks_when and mentions_time(e.text):
                scores[eid] *= w.time_words
            if said_in is not None and said_in.contains(e.reference_time):
                scores[eid] *= w.said_in_window
                sources[eid].add("time")
        prior = dict(scores)
        if people:
            asked = {p.casefold() for p in people}
            for eid, e in episodes.items():
                if not _speaks(e, asked):
                    scores[eid] *= w.other_speaker
        return scores, prior, sources

    def _choose(self, scores: dict[str, float], prior: dict[str, float], episodes: dict[str, Episode],
                people: set[str], k: int) -> list[str]:
        """Top `k`; when the question is about someone, the best turns of the others keep a few slots."""
        ranked = sorted(scores, key=lambda e: (-scores[e], e))
        slots = int(k * self.weights.other_speaker_slots) if people else 0
        asked = {p.casefold() for p in people}
        reserved = [e for e in sorted(prior, key=lambda e: (-prior[e], e)) if not _speaks(episodes[e], asked)][:slots]
        chosen = [e for e in ranked if e not in reserved][: k - len(reserved)] + reserved
        return sorted(chosen, key=lambda e: (-scores[e], e))

    def _read_new(self, tenant: str, pool: _Pool, basis: Basis, episodes: dict[str, Episode],
                  read: set[str]) -> None:
        """Add the candidates not read yet to `episodes`; `read` holds the ids asked for, found or not."""
        new = [eid for eid in pool.cands if eid not in read]
        read.update(new)
        episodes.update(self._episodes(tenant, new, basis))

    def _episodes(self, tenant: str, ids: list[str], basis: Basis) -> dict[str, Episode]:
        if not ids:
            return {}
        found = {e.id: e for e in self.store.episodes(tenant, ids)}
        if basis.as_of is not None:
            as_of = basis.as_of
            found = {i: e for i, e in found.items() if e.recorded_at is None or e.recorded_at <= as_of}
        return found


@lru_cache(maxsize=1)
def _encoding_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="tkgmem-encode")


def _speaks(episode: Episode, asked: set[str]) -> bool:
    """The episode is said by one of the `asked` names (a full name or a first name)."""
    if not episode.speaker:
        return True  # documents and records have no speaker: no prior either way
    name = episode.speaker.casefold()
    return name in asked or name.split()[0] in asked


def _fit(valid: Interval, window: Interval) -> float:
    """1 for an interval inside the window, a half for one that only overlaps it."""
    return 1.0 if window.covers(valid) else 0.5


def _widened(window: Interval, least: timedelta) -> Interval:
    if window.start is None or window.end is None:
        return window
    slack = max(window.end - window.start, least)
    return Interval(start=window.start - slack, end=window.end + slack)


def _time_mentions(text: str, reference: datetime) -> list[TimeMention]:
    try:
        from tkgmem.timex import find_times
    except ImportError:  # the time normaliser is optional for retrieval
        return []
    return [m for m in find_times(text, reference, prefer="past")
            if m.kind in ("point", "range") and m.interval.start is not None and m.interval.end is not None]


def _question_range(text: str, times: list[datetime], parsed: Sequence[TimeMention] = ()) -> Interval | None:
    """The period the question names, resolved against the latest episode time seen (the memory's now).
    A date the question states outright wins over a relative phrase ("the week before 16 November" may be
    read as "the week before [now]" when the date itself is not parsed as its anchor). `parsed`: the
    question's mentions read against another time; when all of them state their year, no reference time
    moves them, so they are not parsed again (~2 ms)."""
    if not times:
        return None
    found = list(parsed) if parsed and not any(m.relative for m in parsed) else _time_mentions(text, max(times))
    found.sort(key=lambda m: m.relative)  # stable: explicit dates first, each kind in text order
    return found[0].interval if found else None


__all__ = ["Evidence", "Fallback", "HybridRetriever", "TextEncoder"]
