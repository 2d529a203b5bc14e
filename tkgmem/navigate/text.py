"""Tiny lexical helpers shared by the parser and the executor: tokens, a crude stemmer, stopwords.

Kept dependency-free so operator detection and event matching run without loading any model.
"""

from __future__ import annotations

import re

STOPWORDS = frozenset({
    "taking", "doing", "getting", "making", "now", "currently", "current", "today", "ago", "recently", "nowadays",
    "never", "days",
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "onto",
    "about", "as", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "have",
    "has", "had", "having", "i", "me", "my", "mine", "we", "us", "our", "you", "your", "he", "him", "his", "she",
    "her", "hers", "it", "its", "they", "them", "their", "this", "that", "these", "those", "there", "here", "what",
    "which", "who", "whom", "whose", "when", "where", "why", "how", "than", "then", "so", "such", "very", "just",
    "also", "too", "not", "no", "nor", "can", "could", "would", "should", "will", "shall", "may", "might", "must",
    "up", "down", "out", "over", "under", "again", "further", "once", "all", "any", "both", "each", "few", "more",
    "most", "other", "some", "own", "same", "only", "if", "because", "while", "until", "after", "before", "during",
    "between", "through", "above", "below", "off", "first", "last", "next", "previous", "time", "times", "ever",
    "yet", "still", "one", "ones", "thing", "things", "get", "got", "go", "going", "went", "gone", "make", "made",
    "take", "took", "taken", "let", "lets", "s", "t",
})

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("’", "'"))


def stem(word: str) -> str:
    """A deliberately crude suffix stripper: enough to match 'visited'/'visits'/'visiting' to 'visit' and
    'moved'/'move' to 'mov' (a final e is dropped)."""
    w = word.casefold()
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not (suffix == "s" and w.endswith(("ss", "us", "is"))):
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    if len(w) >= 4 and w.endswith("e"):
        w = w[:-1]
    return w


def content_stems(text: str) -> list[str]:
    """Stems of the content words of `text`, in order, without duplicates."""
    out: list[str] = []
    for w in words(text):
        if w in STOPWORDS or len(w) < 2:
            continue
        s = stem(w)
        if s not in out:
            out.append(s)
    return out


def overlap(query: list[str], text: str) -> float:
    """Share of the query stems found in `text` (0..1)."""
    if not query:
        return 0.0
    have = set(content_stems(text))
    return sum(1 for q in query if q in have) / len(query)
