"""Entity mentions: speakers and spaCy named entities, merged per stable id with their provenance spans.

An entity's provenance spans are its `mentions` links: each names the episode and the characters that
mention it. One `Entity` per lineage id per batch, carrying every span and every surface form seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tkgmem.model import Entity, Episode, Span, normalize_name, stable_id
from tkgmem.temporal import utcnow

if TYPE_CHECKING:
    from spacy.tokens import Doc

# spaCy labels that name things worth a node; numbers, dates, money and the like are values, not entities.
_ENTITY_TYPES = {
    "PERSON": "person",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "ORG": "organization",
    "NORP": "group",
    "EVENT": "event",
    "WORK_OF_ART": "work_of_art",
    "PRODUCT": "product",
    "LAW": "law",
    "LANGUAGE": "language",
}
_VALUE_LABELS = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}


def entity_type(label: str) -> str | None:
    """The graph type for a spaCy label; None for value-like labels (dates, numbers, money)."""
    if label in _VALUE_LABELS:
        return None
    return _ENTITY_TYPES.get(label, label.lower())


def clean_name(text: str) -> str:
    """Strip determiners, possessive endings and stray punctuation from an entity's surface form."""
    name = text.strip().strip(".,;:!?\"'()[]")
    for prefix in ("the ", "The "):
        if name.startswith(prefix) and len(name) > 4:
            name = name[len(prefix):]
    for suffix in ("'s", "’s"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.strip()


@dataclass
class _Acc:
    name: str
    type: str
    names: dict[str, None] = field(default_factory=dict)
    spans: dict[Span, None] = field(default_factory=dict)
    attributes: dict[str, object] = field(default_factory=dict)


class EntityCollector:
    """Accumulates entities over a batch; `entities()` returns one `Entity` per stable id."""

    def __init__(self, tenant: str, recorded_at: datetime | None = None) -> None:
        self.tenant = tenant
        self.recorded_at = recorded_at or utcnow()
        self._acc: dict[str, _Acc] = {}

    def entity_id(self, name: str, type_: str) -> str:
        return Entity.make_id(self.tenant, name, type_)

    def mention(self, name: str, type_: str, span: Span, surface: str | None = None,
                **attributes: object) -> str:
        """Record one mention; returns the entity's stable id."""
        eid = self.entity_id(name, type_)
        acc = self._acc.get(eid)
        if acc is None:
            acc = self._acc[eid] = _Acc(name=name, type=type_)
        if surface and normalize_name(surface) != normalize_name(acc.name):
            acc.names[surface] = None
        acc.spans[span] = None
        acc.attributes.update(attributes)
        return eid

    def speaker(self, episode: Episode, name: str) -> str:
        return self.mention(name, "person", Span(episode_id=episode.id))

    def add(self, episode: Episode, doc: Doc, resolve: Callable[[str], str] | None = None,
            ) -> list[tuple[str, int, int]]:
        """Speakers and named entities of one episode; returns (entity id, start, end) of the NER hits."""
        for person in (episode.speaker, episode.addressee):
            if person:
                self.speaker(episode, person)
        hits: list[tuple[str, int, int]] = []
        for ent in doc.ents:
            type_ = entity_type(ent.label_)
            if type_ is None:
                continue
            name = clean_name(ent.text)
            if len(name) < 2 or not any(c.isalpha() for c in name):
                continue
            offset = ent.text.find(name) if name in ent.text else 0
            start = ent.start_char + offset
            surface = name
            if type_ == "person" and resolve is not None:
                name = resolve(name)
            eid = self.mention(name, type_, Span(episode_id=episode.id, start=start, end=start + len(surface)),
                               surface=surface)
            hits.append((eid, start, start + len(surface)))
        return hits

    def entities(self) -> list[Entity]:
        out = []
        for eid, acc in self._acc.items():
            out.append(
                Entity(
                    version_id=stable_id("v", eid, "extract"),
                    lineage_id=eid,
                    tenant=self.tenant,
                    recorded_at=self.recorded_at,
                    reason="ingest",
                    name=acc.name,
                    type=acc.type,
                    aliases=tuple(acc.names),
                    attributes=dict(acc.attributes),
                    provenance=tuple(acc.spans),
                )
            )
        return out


__all__ = ["EntityCollector", "clean_name", "entity_type"]
