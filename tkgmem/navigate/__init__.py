"""The event-graph navigator: questions become plans of temporal operators run over the store."""

from tkgmem.navigate.answer import Answer, EvidenceItem
from tkgmem.navigate.ask import Fallback, ask, run_plan
from tkgmem.navigate.executor import Executor
from tkgmem.navigate.experience import ExperienceMemory
from tkgmem.navigate.explain import explain, explain_plan
from tkgmem.navigate.plan import AnswerSpec, Measure, Pattern, Plan, Selector, Slot, Step, TimeConstraint, TimeRef

__all__ = [
    "Answer",
    "AnswerSpec",
    "EvidenceItem",
    "Executor",
    "ExperienceMemory",
    "Fallback",
    "Measure",
    "Pattern",
    "Plan",
    "Selector",
    "Slot",
    "Step",
    "TimeConstraint",
    "TimeRef",
    "ask",
    "explain",
    "explain_plan",
    "run_plan",
]
