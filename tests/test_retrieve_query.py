"""Question analysis for retrieval: names, name stripping, 'when' questions, time words."""

from __future__ import annotations

from tkgmem.retrieve.query import analyse, content_words, mentions_time


def test_without_removes_names_and_possessives_but_never_everything() -> None:
    q = analyse("What do Melanie's kids like about Melanie?")
    assert q.without({"Melanie"}) == "What do kids like about ?"
    assert analyse("Who is Melanie?").without({"Melanie"}) == "Who is Melanie?"  # nothing left to match


def test_asks_when() -> None:
    assert analyse("When did Caroline go to the support group?").asks_when
    assert analyse("How long has Andrew had his dog?").asks_when
    assert analyse("Which year did they marry?").asks_when
    assert not analyse("What did Caroline research?").asks_when


def test_time_words() -> None:
    assert mentions_time("I went there yesterday")
    assert mentions_time("Back in 2019 we lived in Porto")
    assert not mentions_time("Pottery is like therapy for me")


def test_overlap_uses_content_words() -> None:
    q = analyse("When did Alice run a marathon?")
    assert q.overlap("Alice ran the marathon") > q.overlap("Alice bought bread") > 0
    assert "the" not in content_words("the marathon")


def test_months_and_days_are_not_names() -> None:
    assert analyse("What did Joanna do in January on a Sunday?").names == ["Joanna"]


def test_dropped_spans_leave_the_matched_text_but_not_the_kind() -> None:
    text = "When did Audrey eat sushi on October 24, 2023?"
    start = text.index("on October")
    q = analyse(text, [(start, len(text) - 1)])
    assert q.text == "When did Audrey eat sushi ?"
    assert "october" not in q.words and "2023" not in q.words and q.asks_when
    only_time = "What about last week?"
    assert analyse(only_time, [(11, 20)]).text == only_time  # nothing else to match: keep it all
