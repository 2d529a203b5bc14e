"""Full-text search for the embedded store: FTS5's BM25, at a cost set by the query's rare terms.

FTS5's `bm25()` computes each query term's idf by reading the term's whole index entry, so one common word
("move" in 40% of a large memory's turns: 400k entries, 15 ms) makes every search linear in the memory,
even one that keeps only a few recent matches. Here a term found in at least `frequent_docs` episodes (all
tenants) is "frequent":

- candidates are every episode with a rare term, plus the tenant's most recent episodes with only
  frequent ones (recency is the tie-breaker a memory wants among weak matches);
- rare terms are scored by FTS5's `bm25()` (their entries are short);
- a frequent term adds the same BM25 summand, computed here: its document frequency is estimated from
  the latest `sample_rows` index rows (and cached), its presence in each candidate comes from an index
  query without `bm25()`, and it counts as occurring once (turns rarely repeat a common word).

With no frequent term (always, below `frequent_docs` episodes) the ranking is exactly FTS5's BM25.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable

from tkgmem.model import SearchHit

# FTS5's bm25() constants (fts5_aux.c), so the summands computed here add to the ones FTS5 returns.
K1 = 1.2
B = 0.75
_AVERAGES_ROWID = 1  # FTS5's record of (row count, tokens per column) in the %_data table

_FROM = "FROM episodes_fts JOIN episodes e ON e.rowid = episodes_fts.rowid "
_HITS = "SELECT e.id, bm25(episodes_fts) AS score " + _FROM
_SCORED = "SELECT e.id, episodes_fts.rowid, bm25(episodes_fts) " + _FROM
_IDS = "SELECT e.id, episodes_fts.rowid " + _FROM


def fts_words(text: str) -> list[str]:
    """The words of `text` as FTS5 query terms (its tokenizer splits on what is not a letter or digit)."""
    return [w for w in "".join(c if c.isalnum() else " " for c in text).split() if len(w) > 1]


def or_query(words: Iterable[str]) -> str:
    return " OR ".join(f'"{w}"' for w in words)


def varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers (1-9 bytes, big-endian, 7 bits a byte; the 9th byte gives 8)."""
    out: list[int] = []
    value, used = 0, 0
    for byte in blob:
        used += 1
        if used == 9:
            out.append((value << 8) | byte)
            value, used = 0, 0
        elif byte & 0x80:
            value = (value << 7) | (byte & 0x7F)
        else:
            out.append((value << 7) | byte)
            value, used = 0, 0
    return out


class FullTextSearch:
    """BM25 search over `episodes_fts`; keeps estimated document frequencies of frequent terms."""

    def __init__(self, frequent_docs: int = 1000, sample_rows: int = 5000) -> None:
        self.frequent_docs = frequent_docs
        self.sample_rows = sample_rows
        self._df: dict[str, tuple[float, int]] = {}  # term -> (estimated df, row count when estimated)

    def search(self, conn: sqlite3.Connection, tenant: str, text: str, k: int) -> list[SearchHit]:
        words = list({w.casefold(): w for w in fts_words(text)}.values())
        if not words or k <= 0:
            return []
        cap = self.frequent_docs
        totals = self._totals(conn)
        # min(document frequency, cap) of each term: reading at most `cap` index entries per term (a term
        # whose estimate is cached is frequent already).
        df = {w: cap if self._cached_df(w, totals[0]) >= cap else conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM episodes_fts WHERE episodes_fts MATCH ? LIMIT ?)",
            (or_query([w]), cap)).fetchone()[0] for w in words}
        rare = [w for w in words if 0 < df[w] < cap]
        frequent = [w for w in words if df[w] >= cap]
        if not frequent:
            if not rare:
                return []
            top = conn.execute(_HITS + "WHERE episodes_fts MATCH ? AND e.tenant = ? ORDER BY score LIMIT ?",
                               (or_query(rare), tenant, k)).fetchall()
            return [SearchHit(episode_id=r[0], score=-float(r[1])) for r in top]
        scores: dict[int, float] = {}
        ids: dict[int, str] = {}
        has: dict[str, set[int]] = {f: set() for f in frequent}
        if rare:
            for eid, rowid, score in conn.execute(_SCORED + "WHERE episodes_fts MATCH ? AND e.tenant = ?",
                                                  (or_query(rare), tenant)):
                ids[rowid], scores[rowid] = eid, -float(score)
            for f in frequent:  # FTS5 walks the short rare-term entries and seeks into the long one
                has[f].update(r for (r,) in conn.execute(
                    "SELECT rowid FROM episodes_fts WHERE episodes_fts MATCH ?",
                    (f"({or_query(rare)}) AND {or_query([f])}",)) if r in ids)
        self._recent(conn, tenant, rare, frequent, min(cap, max(20 * k, 100)), ids, scores, has)
        self._add_frequent(conn, has, scores, totals)
        ranked = sorted(scores, key=lambda r: (-scores[r], ids[r]))[:k]
        return [SearchHit(episode_id=ids[r], score=scores[r]) for r in ranked]

    def _recent(self, conn: sqlite3.Connection, tenant: str, rare: list[str], frequent: list[str], window: int,
                ids: dict[int, str], scores: dict[int, float], has: dict[str, set[int]]) -> None:
        """The tenant's `window` latest episodes with a frequent term and no rare one, and which frequent
        terms each holds (an index read over their rowid range, without `bm25()`)."""
        match = f"({or_query(frequent)}) NOT ({or_query(rare)})" if rare else or_query(frequent)
        found = conn.execute(_IDS + "WHERE episodes_fts MATCH ? AND e.tenant = ? ORDER BY episodes_fts.rowid DESC "
                             "LIMIT ?", (match, tenant, window)).fetchall()
        if not found:
            return
        rowids = {r for _, r in found}
        for eid, rowid in found:
            ids[rowid], scores[rowid] = eid, 0.0
        if len(frequent) == 1:
            has[frequent[0]] |= rowids
            return
        low, high = min(rowids), max(rowids)
        for f in frequent:
            has[f].update(r for (r,) in conn.execute(
                "SELECT rowid FROM episodes_fts WHERE episodes_fts MATCH ? AND rowid BETWEEN ? AND ?",
                (or_query([f]), low, high)) if r in rowids)

    def _add_frequent(self, conn: sqlite3.Connection, has: dict[str, set[int]], scores: dict[int, float],
                      totals: tuple[int, float]) -> None:
        """Add each frequent term's BM25 summand (one occurrence) to the candidates that hold it. (A row's
        token counts are varints, each one byte below 128: then their sum is the sum of the bytes.)"""
        rows, avgdl = totals
        rowids = sorted(set().union(*has.values()))
        length = {i: sum(sz) if sz.isascii() else sum(varints(sz)) for i, sz in conn.execute(
            "SELECT id, sz FROM episodes_fts_docsize WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(rowids),))}
        for f, holders in has.items():
            idf = self._idf(conn, f, rows)
            for r in holders:
                norm = 1 - B + B * length.get(r, avgdl) / avgdl
                scores[r] += idf * (K1 + 1) / (1 + K1 * norm)

    @staticmethod
    def _totals(conn: sqlite3.Connection) -> tuple[int, float]:
        """FTS5's row count and average row length in tokens (all columns), as `bm25()` reads them."""
        row = conn.execute("SELECT block FROM episodes_fts_data WHERE id = ?", (_AVERAGES_ROWID,)).fetchone()
        counts = varints(row[0]) if row else []
        rows = counts[0] if counts else 0
        return rows, (sum(counts[1:]) / rows if rows else 1.0) or 1.0

    def _cached_df(self, term: str, rows: int) -> float:
        """The cached estimate of `term`'s document frequency, or -1 when none is cached or the row count
        has moved by more than a tenth since."""
        cached = self._df.get(term.casefold())
        return cached[0] if cached is not None and abs(rows - cached[1]) <= rows / 10 else -1.0

    def _idf(self, conn: sqlite3.Connection, term: str, rows: int) -> float:
        """FTS5's idf, from a document frequency estimated on the latest `sample_rows` rows (exact when the
        index has no more), cached until the row count moves by a tenth."""
        n = self._cached_df(term, rows)
        if n < 0:
            last = conn.execute("SELECT max(id) FROM episodes_fts_docsize").fetchone()[0] or 0
            low = last - self.sample_rows
            hits = conn.execute("SELECT count(*) FROM episodes_fts WHERE episodes_fts MATCH ? AND rowid > ?",
                                (or_query([term]), low)).fetchone()[0]
            seen = conn.execute("SELECT count(*) FROM episodes_fts_docsize WHERE id > ?", (low,)).fetchone()[0]
            n = float(hits) if seen >= rows else max(self.frequent_docs, hits * rows / max(seen, 1))
            if len(self._df) > 10_000:
                self._df.clear()
            self._df[term.casefold()] = (n, rows)
        return max(math.log((rows - n + 0.5) / (n + 0.5)), 1e-6)


__all__ = ["K1", "B", "FullTextSearch", "fts_words", "or_query", "varints"]
