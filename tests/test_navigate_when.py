"""`ask` on "When ...?" over dialogue turns: choosing the reporting turn and reading its time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tkgmem.model import Batch, Episode, SearchHit
from tkgmem.navigate import ask
from tkgmem.navigate.text import content_stems
from tkgmem.navigate.when import share
from tkgmem.store import Store, open_store
from tkgmem.temporal import Granularity, Interval, as_utc

T = "when"
NOW = as_utc("2023-07-01T12:00:00")

TURNS = [  # (speaker, said, text)
    ("Jon", "2023-01-29T14:32:00", "Oh, I've been to Paris yesterday! It was sooo cool."),
    ("Gina", "2023-01-29T14:33:00", "Paris?! That is really great Jon! Never had a chance to visit it."),
    ("Gina", "2023-05-10T15:14:00", "Oh, btw, I had an interview for a design internship yesterday!"),
    ("Gina", "2023-05-27T19:18:00", "A lot's happened - I just got accepted for a fashion internship!"),
    ("Jon", "2023-06-16T21:38:00", "Been doing some promotion for my business. Got any tips?"),
    ("Jon", "2023-06-16T21:40:00", "I got mentored by this amazing business dude yesterday!"),
    ("Jon", "2023-04-03T13:26:00", "I'm expanding my studio's social media presence. I'm also hosting a dance "
                                   "competition next month."),
    ("Gina", "2022-09-05T10:00:00", "We moved to Berlin last month! The new flat is lovely."),
    ("Gina", "2023-03-02T10:00:00", "Correction to what I told you: we actually moved to Berlin in July 2022, "
                                    "not August."),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("when") / "memory.db"
    s = open_store(f"sqlite:///{path}")
    eps = [Episode(id=f"e{i}", tenant=T, source="chat", speaker=who, addressee="Gina" if who == "Jon" else "Jon",
                   text=text, reference_time=as_utc(said)) for i, (who, said, text) in enumerate(TURNS)]
    s.write(Batch(tenant=T, episodes=eps), recorded_at=NOW)
    yield s
    s.close()


def _everything(store: Store):  # type: ignore[no-untyped-def]
    """A fallback that returns every turn in a fixed order: the ranking has to come from `when`."""

    def fallback(question: str, k: int, time_range: Interval | None) -> list[SearchHit]:
        return [SearchHit(episode_id=f"e{i}", score=1.0) for i in reversed(range(len(TURNS)))][:k]

    return fallback


def day(s: str) -> Interval:
    return Interval.granule(s, Granularity.DAY)


def test_the_subjects_own_turn_wins_over_one_that_names_them(store: Store) -> None:
    a = ask(store, T, "When was Jon in Paris?", now=NOW, fallback=_everything(store))
    assert a.kind == "time" and a.time == day("2023-01-28")
    assert a.evidence[0].episode_id == "e0"


def test_the_verb_decides_between_turns_sharing_the_object(store: Store) -> None:
    a = ask(store, T, "When did Gina get accepted for the design internship?", now=NOW,
            fallback=_everything(store))
    assert a.time == day("2023-05-27")


def test_a_dated_turn_beats_an_undated_mention_and_derivations_match(store: Store) -> None:
    a = ask(store, T, "When did Jon receive mentorship to promote his venture?", now=NOW,
            fallback=_everything(store))
    assert a.time == day("2023-06-15")


def test_the_time_comes_from_the_sentence_about_the_event(store: Store) -> None:
    comp = ask(store, T, "When did Jon host a dance competition?", now=NOW, fallback=_everything(store))
    assert comp.time == Interval.granule("2023-05-01", Granularity.MONTH)
    media = ask(store, T, "When did Jon start expanding his studio's social media presence?", now=NOW,
                fallback=_everything(store))
    assert media.time == day("2023-04-03")


def test_which_month_questions_get_a_month(store: Store) -> None:
    a = ask(store, T, "In which month was Jon in Paris?", now=NOW, fallback=_everything(store))
    assert a.time == Interval.granule("2023-01-01", Granularity.MONTH)


def test_share_counts_derivations_but_not_short_prefixes() -> None:
    assert share(content_stems("mentorship"), "I got mentored") == 1.0
    assert share(content_stems("party"), "a part of it") == 0.0


def test_an_undated_report_takes_the_time_of_the_speakers_earlier_turn(tmp_path: Path) -> None:
    said = "2023-05-20T19:38:00"  # a Saturday
    turns = [("Jon", 1, "Here's a pic from last Friday with some veterans. They're excited!"),
             ("Gina", 2, "Wow, what did you do?"),
             ("Jon", 3, "We had a great time throwing a small party and inviting some veterans."),
             ("Jon", 9, "I went to the gym today.")]
    s = open_store(f"sqlite:///{tmp_path / 'n.db'}")
    try:
        eps = [Episode(id=f"n{seq}", tenant=T, source="chat", session="s1", seq=seq, speaker=who, text=text,
                       reference_time=as_utc(said)) for who, seq, text in turns]
        s.write(Batch(tenant=T, episodes=eps), recorded_at=NOW)

        def fallback(question: str, k: int, time_range: Interval | None) -> list[SearchHit]:
            return [SearchHit(episode_id=e.id, score=1.0) for e in eps]

        a = ask(s, T, "When did Jon have a party with veterans?", now=NOW, fallback=fallback)
        assert a.evidence[0].episode_id == "n3"
        assert a.time == day("2023-05-19")  # "from last Friday" is a day, not an open range
    finally:
        s.close()


def test_an_explicit_correction_supersedes_the_statement_it_corrects(store: Store) -> None:
    def earlier_first(question: str, k: int, time_range: Interval | None) -> list[SearchHit]:
        return [SearchHit(episode_id="e7", score=1.0), SearchHit(episode_id="e8", score=0.9)]

    a = ask(store, T, "When did Gina move to Berlin?", now=NOW, fallback=earlier_first)
    assert a.time == Interval.granule("2022-07-01", Granularity.MONTH)
    assert a.evidence[0].episode_id == "e8"
