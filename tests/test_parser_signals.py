"""TimeQuestions signal labels: descriptive dates and "when" as a question word."""

from __future__ import annotations

import pytest

from tkgmem.navigate.parser.signals import timequestions_signals


@pytest.mark.parametrize(("question", "signal"), [
    # a founding date or a tenure start that identifies an entity is a description, not the question's time
    ("for what sports team founded in 1914 did ronaldo play in 2003", "OVERLAP"),
    ("what team founded before 1947 played in the 2010 nba finals", "No signal"),
    ("who held his governmental position from january 3, 1993 and is the current ohio state senator", "No signal"),
    ("who started his career in 2012 and is currently on the boston celtics roster", "No signal"),
    # ... but alone it is the question's own constraint
    ("which food festivals began in 1938", "START"),
    ("what is the country of kinshasa since 1960-6-30", "START"),
    # "from" starts a period only when a time follows it
    ("who was the canadian prime minister from 1993", "START"),
    ("what college did martin luther king graduate from in 1948", "OVERLAP"),
    ("who did brazil declare independence from in 1822", "OVERLAP"),
    # "when" asking for a time is not "during"
    ("what award did charlie parker win and when did he acquire it", "No signal"),
    ("henry i of france and anne of kiev got married when and where", "No signal"),
    # "when" opening a clause is
    ('where was the author of "profiles in courage" when he was shot', "OVERLAP"),
    ("who was u.s. president when alan rickman was born", "OVERLAP"),
])
def test_timequestions_signal(question: str, signal: str) -> None:
    assert timequestions_signals(question)[0] == signal
