"""The default offline extractor: spaCy + a time normaliser + a sentence encoder, no language model.

Runs the models once per batch (`nlp.pipe`, batched encoding) and hands the parsed documents to small
stages, one module each: mentions (speakers, named entities), people (pronouns, kinship, name variants),
segment (clauses), time (`tkgmem.timex`), events, facts, links. Extraction therefore costs little more
than the models themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tkgmem.extract.events import ClauseEvent, EventBuilder
from tkgmem.extract.facts import FactExtractor
from tkgmem.extract.links import links
from tkgmem.extract.mentions import EntityCollector, clean_name
from tkgmem.extract.people import NameIndex, People
from tkgmem.extract.segment import clauses
from tkgmem.model import Batch, Episode, Event, EventLink, FactInput, LinkType, followed
from tkgmem.nlp import load_encoder, load_spacy
from tkgmem.settings import Settings
from tkgmem.temporal import Interval, utcnow
from tkgmem.timex import TimeMention, find_times

if TYPE_CHECKING:
    from spacy.tokens import Doc

_CONTEXT = 4  # earlier time mentions of a session kept for anaphora ("the day after")


class Pipeline:
    """`Extractor` implementation: episodes in, entities / events / facts / links / embeddings out."""

    name = "offline"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    def parse(self, episodes: Sequence[Episode]) -> list[Doc]:
        nlp = load_spacy(self.settings.spacy_model)
        return list(nlp.pipe((e.text for e in episodes), batch_size=min(self.settings.batch_size, 512)))

    def embed(self, episodes: Sequence[Episode]) -> dict[str, list[float]]:
        if not self.settings.embeddings or not episodes:
            return {}
        vectors = load_encoder(self.settings.embedding_model).encode([e.text for e in episodes])
        return {e.id: v.tolist() for e, v in zip(episodes, vectors, strict=True)}

    def extract(self, episodes: Sequence[Episode], tenant: str) -> Batch:
        episodes = list(episodes)
        docs = self.parse(episodes)
        now = utcnow()
        collector = EntityCollector(tenant, now)
        names = _names(episodes, docs)
        people = People(collector, names)
        builder = EventBuilder(tenant, people, now)
        fact_stage = FactExtractor(collector)
        events: dict[str, Event] = {}
        facts: list[FactInput] = []
        link_list: list[EventLink] = []
        context: dict[str, list[TimeMention]] = {}
        order = sorted(range(len(episodes)), key=lambda i: (episodes[i].session or episodes[i].source,
                                                            episodes[i].reference_time, episodes[i].seq))
        last_event: dict[str, ClauseEvent] = {}
        moved: dict[str, tuple[Interval, Interval]] = {}  # events re-dated by a later telling: (old, new)
        for i in order:
            ep, doc = episodes[i], docs[i]
            collector.add(ep, doc, names.resolve)
            key = ep.session or ep.source
            ctx = context.setdefault(key, [])
            times = find_times(ep.text, ep.reference_time, context=ctx)
            ctx.extend(t for t in times if t.kind in ("point", "range"))
            del ctx[:-_CONTEXT]
            found = builder.build(ep, doc, clauses(doc), times)
            for ev in (e for ce in found for e in (ce.event, ce.denies) if e is not None):
                if ev.lineage_id in events:
                    before = events[ev.lineage_id].valid
                    events[ev.lineage_id] = _told_again(events[ev.lineage_id], ev)
                    if events[ev.lineage_id].valid != before:
                        first = moved.get(ev.lineage_id, (before,))[0]
                        moved[ev.lineage_id] = (first, events[ev.lineage_id].valid)
                else:
                    events[ev.lineage_id] = ev
            people.scan(ep, doc)
            people.note(ep, doc)
            facts += fact_stage.facts(ep, doc, found)
            link_list += links(ep, doc, found, tenant)
            # "After that, ..." at the start of a turn follows the previous turn's last event.
            opens_follow_up = len(doc) > 0 and (doc[0].lower_ in ("then", "afterwards")
                                                or doc.text.lower().startswith("after that"))
            if found and key in last_event and opens_follow_up:
                prev = last_event[key].event
                link_list.append(EventLink(tenant=tenant, source_id=prev.lineage_id,
                                           target_id=found[0].event.lineage_id, type=LinkType.FOLLOW_UP,
                                           episode_id=ep.id))
            if found:
                last_event[key] = found[-1]
        facts += people.unique_facts()
        _follow(events, moved, link_list)
        return Batch(
            tenant=tenant,
            episodes=episodes,
            entities=collector.entities(),
            facts=facts,
            events=list(events.values()),
            links=list({(lk.source_id, lk.target_id, lk.type): lk for lk in link_list}.values()),
            embeddings=self.embed(episodes),
        )


def _told_again(prior: Event, later: Event) -> Event:
    """The same event twice in one batch: one event with both spans. What the later telling says of it wins
    (a correction of its time, a plan that happened, a denial), unless it is only vaguer ("in July" after
    "on 12 July"), as the store decides between batches (`versioning.plan_event`)."""
    spans = tuple(dict.fromkeys(prior.provenance + later.provenance))
    changed = later.valid != prior.valid or later.modality != prior.modality
    if changed and later.valid.granularity.rank <= prior.valid.granularity.rank:
        return later.model_copy(update={"provenance": spans, "place_id": later.place_id or prior.place_id})
    return prior.model_copy(update={"provenance": spans})


def _follow(events: dict[str, Event], moved: dict[str, tuple[Interval, Interval]], link_list: list[EventLink]) -> None:
    """Events that took their time from one re-dated later in the batch move with it, as the store moves
    them between batches (`versioning.plan_followers`)."""
    for lk in link_list:
        follower = events.get(lk.source_id)
        if lk.type is LinkType.DATED_BY and lk.target_id in moved and follower is not None:
            valid = followed(follower.valid, *moved[lk.target_id])
            if valid is not None:
                events[lk.source_id] = follower.model_copy(update={"valid": valid})


def _names(episodes: Sequence[Episode], docs: Sequence[Doc]) -> NameIndex:
    """Full person names known to the batch: speakers, addressees and multi-word PERSON entities."""
    index = NameIndex()
    for ep in episodes:
        for person in (ep.speaker, ep.addressee):
            if person:
                index.add(person)
    for doc in docs:
        for ent in doc.ents:
            if ent.label_ == "PERSON" and " " in (name := clean_name(ent.text)):
                index.add(name)
    return index


__all__ = ["Pipeline"]
