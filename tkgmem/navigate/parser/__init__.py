"""Rule-based question parser: operators, entities, the question's own time range, and plans."""

from tkgmem.navigate.parser.build import ParsedQuestion, build_plans, parse, relation_for
from tkgmem.navigate.parser.signals import Signals, detect, multitq_qtype, timequestions_signals
from tkgmem.navigate.parser.timerange import QuestionRange, question_range

__all__ = [
    "ParsedQuestion",
    "QuestionRange",
    "Signals",
    "build_plans",
    "detect",
    "multitq_qtype",
    "parse",
    "question_range",
    "relation_for",
    "timequestions_signals",
]
