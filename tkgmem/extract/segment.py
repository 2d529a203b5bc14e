"""Segmentation: a parsed episode cut into clauses, each headed by one content verb.

A clause is the unit an event comes from: its head verb (the predicate), its subject, and the character
span that `summary` and time attachment use. Coordinated verbs ("I went hiking and saw a bear") are
separate clauses that share the subject of the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_CLAUSE_DEPS = {"ROOT", "conj", "advcl", "ccomp", "xcomp", "relcl", "parataxis"}
_SUBJ_DEPS = {"nsubj", "nsubjpass", "expl"}


@dataclass(frozen=True)
class Clause:
    head: int  # token index of the head verb
    subject: int | None  # token index of its subject (possibly inherited)
    start: int  # char offsets of the clause, end exclusive
    end: int
    sent: int  # index of the sentence in the doc
    sent_start: int = 0  # token index where that sentence starts

    def text(self, doc: Doc) -> str:
        return str(doc.text[self.start:self.end]).strip(" -–—,;:\n\t")


def subject_of(tok: Token) -> Token | None:
    """The subject of a verb; coordinated and controlled verbs inherit it from their head."""
    seen = 0
    while seen < 6:
        for child in tok.children:
            if child.dep_ in _SUBJ_DEPS:
                return child
        if tok.dep_ in ("conj", "xcomp") and tok.head is not tok:
            tok = tok.head
            seen += 1
            continue
        return None
    return None


def _span(tok: Token) -> tuple[int, int]:
    """The clause's own tokens: its subtree minus nested clauses that are events of their own."""
    nested = [c for c in tok.children if c.dep_ in ("conj", "advcl", "ccomp", "parataxis") and c.pos_ in
              ("VERB", "AUX")]
    left = tok.left_edge.i
    right = tok.right_edge.i
    for c in nested:
        if c.i > tok.i:
            right = min(right, c.left_edge.i - 1)
        elif c.i < tok.i:
            left = max(left, c.right_edge.i + 1)
    doc = tok.doc
    right = max(right, tok.i)
    left = min(left, tok.i)
    while right > tok.i and (doc[right].is_punct or doc[right].lower_ in ("and", "but", "so", "or")):
        right -= 1
    return doc[left].idx, doc[right].idx + len(doc[right].text)


def clauses(doc: Doc) -> list[Clause]:
    out: list[Clause] = []
    for si, sent in enumerate(doc.sents):
        for tok in sent:
            if tok.pos_ not in ("VERB", "AUX") or tok.dep_ not in _CLAUSE_DEPS:
                continue
            if tok.pos_ == "AUX" and any(c.pos_ == "VERB" and c.dep_ in ("xcomp", "acomp") for c in tok.children):
                continue
            subj = subject_of(tok)
            start, end = _span(tok)
            out.append(Clause(head=tok.i, subject=None if subj is None else subj.i, start=start, end=end,
                              sent=si, sent_start=sent.start))
    return out


__all__ = ["Clause", "clauses", "subject_of"]
