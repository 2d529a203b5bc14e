"""Each extraction stage alone on real dialogue turns: segment, people, events, facts, links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tkgmem.extract.events import ClauseEvent, EventBuilder
from tkgmem.extract.facts import FactExtractor
from tkgmem.extract.links import links
from tkgmem.extract.mentions import EntityCollector
from tkgmem.extract.people import NameIndex, People
from tkgmem.extract.segment import clauses
from tkgmem.model import Entity, Episode, LinkType, Modality
from tkgmem.nlp import load_spacy
from tkgmem.timex import find_times

pytestmark = pytest.mark.models

REF = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
T = "t1"


def pid(name: str) -> str:
    return Entity.make_id(T, name, "person")


class Run:
    def __init__(self, text: str, speaker: str = "Caroline", addressee: str = "Melanie",
                 names: tuple[str, ...] = ()) -> None:
        self.ep = Episode(id="ep1", source="chat", session="s1", speaker=speaker, addressee=addressee, text=text,
                          reference_time=REF)
        self.doc = load_spacy()(text)
        self.collector = EntityCollector(T)
        index = NameIndex()
        for n in (speaker, addressee, *names):
            index.add(n)
        self.names = index
        self.people = People(self.collector, index)
        self.collector.add(self.ep, self.doc, index.resolve)
        self.clauses = clauses(self.doc)
        self.events: list[ClauseEvent] = EventBuilder(T, self.people, REF).build(
            self.ep, self.doc, self.clauses, find_times(text, REF))

    def event(self, predicate: str) -> ClauseEvent:
        hits = [ce for ce in self.events if ce.event.predicate == predicate]
        assert hits, [ce.event.predicate for ce in self.events]
        return hits[0]


@pytest.fixture(scope="module", autouse=True)
def _models() -> None:
    load_spacy()


def test_segment_splits_coordinated_clauses() -> None:
    r = Run("We explored nature, roasted marshmallows around the campfire and even went on a hike.")
    heads = [r.doc[c.head].lemma_ for c in r.clauses]
    assert {"explore", "go"} <= set(heads)
    # coordinated verbs inherit the subject "We"
    assert all(c.subject is not None and r.doc[c.subject].lower_ == "we" for c in r.clauses)


def test_first_person_is_the_speaker_and_time_resolves() -> None:
    r = Run("I went to a LGBTQ support group yesterday and it was so powerful.")
    ev = r.event("go").event
    assert [p.entity_id for p in ev.participants] == [pid("Caroline")]
    assert ev.modality is Modality.HAPPENED
    assert ev.valid.start == datetime(2023, 5, 7, tzinfo=UTC)
    assert "support group" in ev.summary


@pytest.mark.parametrize(("text", "predicate", "day"), [
    # the parser hangs "yesterday" on "sends"; it ends the hiking clause
    ("My sister Carol went hiking in the Alps yesterday, she sends her regards.", "go", 7),
    # fronted time expressions stay with the clause they open
    ("I stayed home, and yesterday, my sister went hiking.", "go", 7),
    ("Yesterday, my sister went hiking and I stayed home.", "go", 7),
    # the parser hangs "yesterday" on "hiking"; going hiking happened then too
    ("We went hiking together yesterday.", "go", 7),
])
def test_time_goes_to_the_clause_it_ends_or_opens(text: str, predicate: str, day: int) -> None:
    ev = Run(text).event(predicate).event
    assert ev.valid.start == datetime(2023, 5, day, tzinfo=UTC)


def test_dropped_subject_in_dialogue_is_the_speaker() -> None:
    r = Run("Lost my job as a banker yesterday, so I'm gonna take a shot at starting my own business.",
            speaker="Jon", addressee="Gina")
    lost = next(ce.event for ce in r.events if ce.event.predicate in ("lose", "lost"))
    assert lost.participants[0].entity_id == pid("Jon")
    assert lost.valid.start == datetime(2023, 5, 7, tzinfo=UTC)
    take = r.event("take").event
    assert take.modality is Modality.PLANNED  # a plan is not a past event
    assert take.valid.start is not None and take.valid.start >= REF


@pytest.mark.parametrize(
    ("text", "predicate", "modality"),
    [
        ("I won't go camping next month.", "go", Modality.NEGATED),
        ("If I win, I would buy a boat.", "buy", Modality.HYPOTHETICAL),
        ("I'm planning to visit my parents in June.", "visit", Modality.PLANNED),
        ("I usually go hiking on Sundays.", "go", Modality.HABITUAL),
        ("I'm currently reading a great book about startups.", "read", Modality.ONGOING),
        ("I ran a charity race last Saturday.", "run", Modality.HAPPENED),
        ("I did not move to Berlin.", "move", Modality.NEGATED),
        ("I never went to Rome.", "go", Modality.NEGATED),
        # a correction of a detail: the event happened ("not" hangs on the verb in this parse)
        ("Correction to what I told you: we actually moved to Berlin in July 2022, not August.", "move",
         Modality.HAPPENED),
    ],
)
def test_modality(text: str, predicate: str, modality: Modality) -> None:
    assert Run(text).event(predicate).event.modality is modality


def test_second_person_is_the_addressee() -> None:
    r = Run("You painted that lake last year, right?")
    ev = r.event("paint").event
    assert ev.participants[0].entity_id == pid("Melanie")
    assert ev.valid.start == datetime(2022, 1, 1, tzinfo=UTC)


def test_kinship_makes_a_related_entity_and_fact() -> None:
    r = Run("My sister moved to Boston last year.")
    sister = Entity.make_id(T, "Caroline's sister", "person")
    ev = r.event("move").event
    assert ev.participants[0].entity_id == sister
    assert any(f.subject_id == pid("Caroline") and f.relation == "has_sibling" and f.object_id == sister
               for f in r.people.facts)
    facts = FactExtractor(r.collector).facts(r.ep, r.doc, r.events)
    lives = [f for f in facts if f.relation == "lives_in"]
    assert lives and lives[0].subject_id == sister
    assert lives[0].object_id == Entity.make_id(T, "Boston", "place")
    assert lives[0].valid.start == datetime(2022, 1, 1, tzinfo=UTC)


def test_named_kin() -> None:
    r = Run("My daughter Emma turned five last week.", speaker="Melanie", addressee="Caroline")
    emma = Entity.make_id(T, "Emma", "person")
    assert any(f.relation == "has_child" and f.object_id == emma and f.subject_id == pid("Melanie")
               for f in r.people.facts)


def test_name_variants_resolve_but_namesakes_stay_apart() -> None:
    index = NameIndex()
    for n in ("Melanie", "Caroline", "John Smith", "John Brown"):
        index.add(n)
    assert index.resolve("Mel") == "Melanie"
    assert index.resolve("melanie") == "Melanie"
    assert index.resolve("John") == "John"  # two Johns known: ambiguous, not merged into either
    index2 = NameIndex()
    index2.add("John Smith")
    assert index2.resolve("John") == "John Smith"


def test_same_event_twice_has_one_lineage() -> None:
    a = Run("I went to the support group yesterday.").event("go").event
    b = Run("Yesterday I went to the support group, it was great.").event("go").event
    assert a.lineage_id == b.lineage_id


def test_cause_and_order_links() -> None:
    r = Run("I lost my job yesterday, so I started my own business today.")
    kinds = {lk.type for lk in links(r.ep, r.doc, r.events, T)}
    assert LinkType.CAUSE in kinds
    assert LinkType.BEFORE in kinds
    r2 = Run("I quit my job because my boss yelled at me last week.")
    found = links(r2.ep, r2.doc, r2.events, T)
    boss = next(ce.event for ce in r2.events if ce.event.predicate == "yell")
    quit_ = next(ce.event for ce in r2.events if ce.event.predicate == "quit")
    assert any(lk.type is LinkType.CAUSE and lk.source_id == boss.lineage_id and lk.target_id == quit_.lineage_id
               for lk in found)


def test_third_person_possessive_follows_the_named_person() -> None:
    r = Run("I met Sarah Miller yesterday and her kids were so sweet.", names=("Sarah Miller",))
    kids = Entity.make_id(T, "Sarah Miller's kid", "person")
    assert any(f.subject_id == pid("Sarah Miller") and f.relation == "has_child" and f.object_id == kids
               for f in r.people.facts)
