"""The rule both stores apply for `Store.speaking`: the forms a participant's name is known by."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

People = Iterable[tuple[str | None, str | None]]  # (speaker, addressee) of each episode


def name_forms(name: str) -> tuple[str, str]:
    """The forms a participant is known by: the whole name and its first word, lower-cased ("ana silva",
    "ana"). Cypher's `toLower(trim())` and `split(name, ' ')` read them the same for the Neo4j store."""
    whole = name.strip().lower()
    return whole, whole.split(" ", 1)[0]


def episode_forms(speaker: str | None, addressee: str | None) -> set[str]:
    """The forms one episode's participants are known by."""
    return {f for person in (speaker, addressee) if person and person.strip() for f in name_forms(person)}


def form_counts(people: People) -> Counter[str]:
    """How many of the episodes have each form (a form counted once per episode): what both stores keep per
    tenant, so that `speaking` is an index lookup and an erase can take its episodes away again."""
    counts: Counter[str] = Counter()
    for speaker, addressee in people:
        counts.update(episode_forms(speaker, addressee))
    return counts


def asked_forms(names: Sequence[str]) -> dict[str, str]:
    """Each non-blank name of a question with the form it is looked up by."""
    return {n: n.strip().lower() for n in names if n.strip()}


def speaking_names(asked: dict[str, str], found: Iterable[str]) -> set[str]:
    """The asked names whose form is among the `found` participants' forms, as the caller gave them."""
    forms = set(found)
    return {n for n, form in asked.items() if form in forms}


__all__ = ["People", "asked_forms", "episode_forms", "form_counts", "name_forms", "speaking_names"]
