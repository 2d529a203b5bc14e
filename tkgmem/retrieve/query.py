"""Cheap analysis of a question for retrieval: the names it mentions, its content words, its kind.

No model is loaded: names are capitalised word runs (question words excluded), which is what a user
types for people, places and things; content words drive the overlap with fact and event text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_NOT_NAMES_TEXT = """
    what when where who whom whose which why how did does do is are was were will would could should can
    has have had may might must shall the a an in on at of for from to and or but if i you he she it we they
    my your his her its our their this that these those there here after before during since until between
    about tell list name describe give according
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
_STOPWORDS_TEXT = """
    a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself yourselves ever likely"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# Questions whose answer is a time: the evidence must place something in time.
_ASKS_WHEN = re.compile(
    r"^\s*(when\b|how long\b|how many (days|weeks|months|years)\b|what (date|day|year|month|time)\b|"
    r"which (date|day|year|month|week)\b|since when\b)", re.IGNORECASE)
# Words that place a statement in time (a cheap test; the extractor does the real normalisation).
_TIME_WORDS = re.compile(
    r"\b(yesterday|today|tonight|tomorrow|ago|recently|lately|last|next|weekends?|weeks?|months?|years?|since|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|(?:19|20)\d\d|soon|upcoming|the other day)\b", re.IGNORECASE)


def content_words(text: str) -> list[str]:
    return [w for w in (t.casefold().rstrip("'’").removesuffix("'s").removesuffix("’s")
                        for t in _TOKEN.findall(text)) if w not in STOPWORDS and len(w) > 1]


def mentions_time(text: str) -> bool:
    return _TIME_WORDS.search(text) is not None


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@dataclass
class QueryAnalysis:
    text: str
    names: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    asks_when: bool = False

    def without(self, names: set[str]) -> str:
        """The question with the given names (and their possessives) removed, for text matching."""
        text = self.text
        for name in sorted(names, key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(name)}(?:'s|’s)?\b", " ", text, flags=re.IGNORECASE)
        text = " ".join(text.split())
        return text if content_words(text) else self.text

    def overlap(self, text: str, ignored: frozenset[str] = frozenset()) -> float:
        """Share of the question's content words (crudely stemmed) that occur in `text`; words in
        `ignored` (stems, see `stems`) never count as shared."""
        if not self.words:
            return 0.0
        theirs = {_stem(w) for w in content_words(text)} - ignored
        return sum(1 for w in self.words if _stem(w) in theirs) / len(self.words)

    def reachable(self, ignored: frozenset[str]) -> float:
        """The highest `overlap(text, ignored)` any text can have."""
        if not self.words:
            return 0.0
        return sum(1 for w in self.words if _stem(w) not in ignored) / len(self.words)


def stems(texts: Sequence[str]) -> frozenset[str]:
    """The crude stems of the content words of `texts` (for `QueryAnalysis.overlap`'s `ignored`)."""
    return frozenset(_stem(w) for text in texts for w in content_words(text))


def names_in(text: str) -> list[str]:
    """Capitalised word runs ("Caroline", "New York", "Dr. Seuss's" -> "Dr. Seuss"), with a number that
    follows one ("Apollo 11", "Terminal 5"), then their words."""
    runs: list[tuple[int, int, list[str]]] = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        bare = word.removesuffix("'s").removesuffix("’s")
        joins = bool(runs) and text[runs[-1][1]:match.start()].strip(" .") == "" and not runs[-1][2][-1].endswith("s'")
        if bare.isdigit() and joins and text[runs[-1][1]:match.start()] == " ":
            start, _, words = runs[-1]
            runs[-1] = (start, match.start() + len(bare), [*words, bare])
            continue
        if not bare[:1].isupper() or bare.casefold() in _NOT_NAMES:
            continue
        if joins:
            start, _, words = runs[-1]
            runs[-1] = (start, match.start() + len(bare), [*words, bare])
        else:
            runs.append((match.start(), match.start() + len(bare), [bare]))
    out: dict[str, None] = {}
    for start, end, _ in runs:
        out[text[start:end]] = None
    for _, _, words in runs:
        if len(words) > 1:
            out.update(dict.fromkeys(w for w in words if len(w) > 2))
    return list(out)


def analyse(text: str, drop: Sequence[tuple[int, int]] = ()) -> QueryAnalysis:
    """`drop` are character spans left out of the text that is matched (the question's own time
    expressions: the time range handles them, and dates as words match turns by accident)."""
    kept = text
    for start, end in sorted(drop, reverse=True):
        kept = kept[:start] + " " + kept[end:]
    kept = " ".join(kept.split())
    if not content_words(kept):  # nothing but a time ("what about last week?"): keep it all
        kept = text
    return QueryAnalysis(text=kept, names=names_in(kept), words=list(dict.fromkeys(content_words(kept))),
                         asks_when=_ASKS_WHEN.search(text) is not None)


__all__ = ["QueryAnalysis", "analyse", "content_words", "mentions_time", "names_in", "stems"]
