"""The canonical relation vocabulary: names, synonyms, and which relations hold one value at a time.

Single-valued relations drive the scoped contradiction rule of the store: a new value closes the
previous value of the same subject and relation, and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field

_DEFAULT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "lives_in": ("lives in", "resides in", "resident of", "home", "city", "residence", "lives at"),
    "works_at": ("works at", "works for", "employer", "employed by", "job at", "company"),
    "works_as": ("job title", "occupation", "profession", "role", "position"),
    "married_to": ("spouse", "married", "wife", "husband", "partner of"),
    "has_child": ("child", "son", "daughter", "parent of", "kid"),
    "has_sibling": ("sibling", "sister", "brother"),
    "has_parent": ("parent", "mother", "father", "mom", "dad"),
    "studies_at": ("studies at", "school", "university", "college", "student at"),
    "owns": ("has", "owner of", "possesses", "bought"),
    "likes": ("enjoys", "loves", "fan of", "interested in", "hobby"),
    "dislikes": ("hates", "does not like"),
    "member_of": ("belongs to", "part of", "joined"),
    "friend_of": ("friend", "friends with"),
    "located_in": ("located in", "based in", "headquartered in"),
    "dating": ("girlfriend", "boyfriend", "dates", "seeing"),
    "has_pet": ("pet", "dog", "cat"),
    "nationality": ("citizen of", "citizenship"),
    "has_grandparent": ("grandparent", "grandmother", "grandfather", "grandma", "grandpa"),
    "has_relative": ("relative", "cousin", "aunt", "uncle", "niece", "nephew"),
    "has_colleague": ("colleague", "coworker", "boss", "mentor"),
    "age": ("aged",),
    "status": ("state",),
}

# One value at a time for a given subject; a new value closes the previous one.
_DEFAULT_SINGLE_VALUED = frozenset(
    {"lives_in", "works_at", "works_as", "married_to", "studies_at", "located_in", "dating", "nationality",
     "age", "status"}
)


def canonical_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


class RelationRegistry(BaseModel):
    """Canonical relations with synonyms; configurable by constructing one with other tables."""

    synonyms: dict[str, tuple[str, ...]] = Field(default_factory=lambda: dict(_DEFAULT_SYNONYMS))
    single_valued: frozenset[str] = _DEFAULT_SINGLE_VALUED

    def canonical(self, relation: str) -> str:
        """The canonical name of `relation` (unknown relations are kept, normalised to snake_case)."""
        key = canonical_key(relation)
        if key in self.synonyms:
            return key
        for name, words in self.synonyms.items():
            if key in {canonical_key(w) for w in words}:
                return name
        return key

    def is_single_valued(self, relation: str) -> bool:
        return self.canonical(relation) in self.single_valued

    def extended(
        self, synonyms: Mapping[str, Iterable[str]] | None = None, single_valued: Iterable[str] = ()
    ) -> RelationRegistry:
        merged = dict(self.synonyms)
        for name, words in (synonyms or {}).items():
            merged[canonical_key(name)] = tuple(merged.get(canonical_key(name), ())) + tuple(words)
        return RelationRegistry(
            synonyms=merged,
            single_valued=self.single_valued | {canonical_key(s) for s in single_valued},
        )


DEFAULT_RELATIONS = RelationRegistry()
