"""Reference retrievers the benchmarks compare tkgmem against: Okapi BM25 and plain dense retrieval.

Both rank a fixed list of documents (the same turns tkgmem stores) for a query, with no knowledge of
speakers, time or the graph: they are what "just search the text" gives.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# A small, standard English stop list (function words only), so BM25 is not a straw man.
_STOPWORDS_TEXT = """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    i'm it's that's what's don't didn't"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def tokenize(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in STOPWORDS]


class BM25:
    """Okapi BM25 (k1 = 1.5, b = 0.75, the usual defaults) over pre-tokenised documents."""

    def __init__(self, docs: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tfs = [Counter(tokenize(d)) for d in docs]
        self.lengths = np.array([sum(tf.values()) for tf in self.tfs], dtype=np.float64)
        self.avg = float(self.lengths.mean()) if len(docs) else 0.0
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.tfs))
        terms = [t for t in tokenize(query) if t in self.idf]
        if not terms:
            return out
        norm = self.k1 * (1 - self.b + self.b * self.lengths / (self.avg or 1.0))
        for i, tf in enumerate(self.tfs):
            s = 0.0
            for t in terms:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm[i])
            out[i] = s
        return out

    def top(self, query: str, k: int) -> list[int]:
        return _top(self.scores(query), k)


class Dense:
    """Cosine similarity of normalised sentence embeddings (the same model tkgmem uses)."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.matrix = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def top(self, query_vector: np.ndarray, k: int) -> list[int]:
        return _top(self.matrix @ query_vector, k)


def _top(scores: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-scores, kind="stable")
    return [int(i) for i in order[:k]]
