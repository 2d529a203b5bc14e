"""People: first/second person mapped to speaker/addressee, kinship and possessives, name variants.

"I" is the speaker and "you" the addressee of a dialogue turn. "my sister" is an entity of its own
("Caroline's sister") related to the speaker by a kinship fact; "my sister Sarah" names her. Short
forms of a known full name ("Mel" for "Melanie") resolve to that person, but a bare first name shared
by two known people stays ambiguous and is kept apart rather than merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tkgmem.extract.mentions import EntityCollector, clean_name
from tkgmem.model import Episode, FactInput, Span, normalize_name
from tkgmem.temporal import Interval

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

FIRST = {"i", "me", "my", "mine", "myself"}
FIRST_PLURAL = {"we", "us", "our", "ours", "ourselves"}
SECOND = {"you", "your", "yours", "yourself", "yourselves"}

# kin noun -> (relation from the possessor to the kin, entity type)
KINSHIP: dict[str, tuple[str, str]] = {
    **{w: ("has_sibling", "person") for w in ("sister", "brother", "sibling", "sis", "bro", "siblings",
                                              "sisters", "brothers")},
    **{w: ("has_parent", "person") for w in ("mom", "mother", "dad", "father", "mum", "parents", "parent",
                                             "mama", "papa")},
    **{w: ("has_child", "person") for w in ("son", "daughter", "kid", "kids", "child", "children", "sons",
                                            "daughters", "baby")},
    **{w: ("married_to", "person") for w in ("wife", "husband", "spouse")},
    **{w: ("dating", "person") for w in ("girlfriend", "boyfriend", "partner", "fiance", "fiancee", "fiancé")},
    **{w: ("friend_of", "person") for w in ("friend", "friends", "bestie", "buddy", "roommate")},
    **{w: ("has_grandparent", "person") for w in ("grandma", "grandmother", "grandpa", "grandfather",
                                                  "grandparents", "granny")},
    **{w: ("has_relative", "person") for w in ("cousin", "aunt", "uncle", "niece", "nephew", "cousins",
                                               "family", "fam")},
    **{w: ("has_pet", "animal") for w in ("dog", "cat", "puppy", "pup", "kitten", "pet", "dogs", "cats",
                                          "pets", "horse", "turtle", "turtles", "bird", "hamster")},
    **{w: ("has_colleague", "person") for w in ("boss", "coworker", "colleague", "colleagues", "coworkers",
                                                "mentor", "teacher", "coach")},
}


@dataclass
class NameIndex:
    """Known person names of a batch, for resolving short forms without merging namesakes."""

    full: dict[str, str] = field(default_factory=dict)  # normalised full name -> display name

    def add(self, name: str) -> None:
        self.full.setdefault(normalize_name(name), name)

    def resolve(self, name: str) -> str:
        """The known full name `name` is a variant of, or `name` itself when none or several fit."""
        key = normalize_name(name)
        if key in self.full:
            return self.full[key]
        cands = [
            disp for full, disp in self.full.items()
            if full != key and (
                full.split()[0] == key  # first name of a full name
                or (len(key) >= 3 and " " not in key and full.split()[0].startswith(key))  # "Mel" of "Melanie"
            )
        ]
        return cands[0] if len(cands) == 1 else name


@dataclass
class PersonRef:
    ids: tuple[str, ...]
    kin: str | None = None  # kin noun when the reference is "my sister"


class People:
    """Resolves person references of one episode to entity ids, emitting kinship facts as it goes."""

    def __init__(self, collector: EntityCollector, names: NameIndex) -> None:
        self.c = collector
        self.names = names
        self.facts: list[FactInput] = []
        self._last_person: dict[str, tuple[str, str]] = {}  # session -> last third person named

    def note(self, ep: Episode, doc: Doc) -> None:
        """Remember the last person named in this episode, for "her kids" in later turns."""
        people = [e for e in doc.ents if e.label_ == "PERSON"]
        if people:
            name = self.names.resolve(clean_name(people[-1].text))
            if name not in (ep.speaker, ep.addressee):
                self._last_person[ep.session or ep.source] = (self.c.entity_id(name, "person"), name)

    def scan(self, ep: Episode, doc: Doc) -> None:
        """Kinship and possessives anywhere in the turn ("my sister is a nurse"), not only in events."""
        for tok in doc:
            if tok.pos_ == "NOUN" and (tok.lower_ in KINSHIP or tok.lemma_.lower() in KINSHIP):
                self.kin(tok, ep)

    def unique_facts(self) -> list[FactInput]:
        seen: dict[tuple[str, str, str | None], FactInput] = {}
        for f in self.facts:
            key = (f.subject_id, f.relation, f.object_id)
            if key in seen:
                prior = seen[key]
                f = prior.model_copy(update={"provenance": tuple(dict.fromkeys(prior.provenance + f.provenance))})
            seen[key] = f
        return list(seen.values())

    def _third_person(self, tok: Token, ep: Episode) -> tuple[str, str] | None:
        """'her'/'his' -> the closest person named before it in the turn, else earlier in the session."""
        before = [e for e in tok.doc.ents if e.label_ == "PERSON" and e.end <= tok.i]
        if before:
            name = self.names.resolve(clean_name(before[-1].text))
            return self.c.entity_id(name, "person"), name
        return self._last_person.get(ep.session or ep.source)

    def speaker_id(self, ep: Episode) -> str | None:
        return self.c.entity_id(ep.speaker, "person") if ep.speaker else None

    def addressee_id(self, ep: Episode) -> str | None:
        return self.c.entity_id(ep.addressee, "person") if ep.addressee else None

    def owner(self, tok: Token, ep: Episode) -> tuple[str, str] | None:
        """(entity id, display name) of a possessor token: "my" -> speaker, "Jon's" -> Jon."""
        low = tok.lower_
        if low in FIRST | FIRST_PLURAL and ep.speaker:
            return self.c.entity_id(ep.speaker, "person"), ep.speaker
        if low in SECOND and ep.addressee:
            return self.c.entity_id(ep.addressee, "person"), ep.addressee
        if tok.pos_ == "PROPN":
            name = self.names.resolve(tok.text)
            return self.c.entity_id(name, "person"), name
        if low in ("his", "her", "their"):
            return self._third_person(tok, ep)
        return None

    def kin(self, noun: Token, ep: Episode) -> str | None:
        """Entity id for "my sister" / "Jon's kids" (with a kinship fact), else None."""
        lemma = noun.lower_
        if lemma not in KINSHIP:
            lemma = noun.lemma_.lower()
        if lemma not in KINSHIP:
            return None
        poss = next((c for c in noun.children if c.dep_ == "poss"), None)
        if poss is None:
            return None
        who = self.owner(poss, ep)
        if who is None:
            return None
        owner_id, owner_name = who
        relation, type_ = KINSHIP[lemma]
        span = Span(episode_id=ep.id, start=noun.idx, end=noun.idx + len(noun.text))
        named = next((c for c in noun.children if c.dep_ in ("appos", "compound") and c.pos_ == "PROPN"), None)
        if named is None and noun.head.dep_ == "appos" and noun.head.pos_ == "PROPN":
            named = noun.head
        if named is not None:
            name = self.names.resolve(named.text)
            kin_id = self.c.mention(name, type_, span, surface=named.text)
        else:
            kin_id = self.c.mention(f"{owner_name}'s {noun.lemma_.lower()}", type_, span,
                                    kinship=relation, of=owner_id)
        self.facts.append(FactInput(subject_id=owner_id, relation=relation, object_id=kin_id,
                                    valid=Interval(), confidence=0.8, provenance=(span,)))
        return kin_id

    def refer(self, tok: Token, ep: Episode) -> PersonRef | None:
        """Who a subject/object token refers to, including its coordinated partners ("my kids and I")."""
        ids: list[str] = []
        kin: str | None = None
        for t in [tok, *[c for c in tok.conjuncts]]:
            low = t.lower_
            sid = self.speaker_id(ep)
            if low in FIRST | FIRST_PLURAL and sid:
                ids.append(sid)
            elif low in SECOND and self.addressee_id(ep):
                ids.append(self.addressee_id(ep) or "")
            elif t.pos_ in ("NOUN", "PROPN") and (kid := self.kin(t, ep)):
                ids.append(kid)
                kin = kin or t.lower_
            elif t.pos_ == "PROPN" and t.ent_type_ == "PERSON":
                name = self.names.resolve(t.text)
                ids.append(self.c.mention(name, "person", Span(episode_id=ep.id, start=t.idx,
                                                                end=t.idx + len(t.text)), surface=t.text))
        ids = [i for i in dict.fromkeys(ids) if i]
        return PersonRef(tuple(ids), kin) if ids else None


__all__ = ["FIRST", "KINSHIP", "SECOND", "NameIndex", "People", "PersonRef"]
