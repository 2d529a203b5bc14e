"""Optional language-model extractor: any OpenAI-compatible chat-completions endpoint, same typed Batch.

Configured by `settings.llm_url` (e.g. `http://localhost:8000/v1`); an API key, if the endpoint needs
one, comes from `TKGMEM_LLM_API_KEY`. The model returns JSON (entities, events, facts per episode);
times it writes as expressions are resolved by `tkgmem.timex` against the episode's reference time,
so relative dates stay correct. Nothing in tkgmem requires this module.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from tkgmem.errors import ConfigError, InputError
from tkgmem.model import Batch, Entity, Episode, Event, FactInput, Modality, Participant, Span, stable_id
from tkgmem.relations import DEFAULT_RELATIONS
from tkgmem.settings import Settings
from tkgmem.temporal import Granularity, Interval, as_utc, utcnow
from tkgmem.timex import find_times

PROMPT = """Extract a temporal knowledge graph from the dialogue turns below. Answer with one JSON object:
{"entities": [{"name": str, "type": "person|place|organization|thing"}],
 "events": [{"turn": int, "predicate": verb lemma, "summary": str, "participants": [{"name": str, "role": str}],
             "when": date or time expression as written or ISO date or null,
             "modality": "happened|ongoing|planned|habitual|negated|hypothetical"}],
 "facts": [{"turn": int, "subject": str, "relation": snake_case, "object": str, "since": str or null}]}
Use the speaker's name for "I" and the addressee's name for "you"."""


class LLMExtractor:
    """`Extractor` over an OpenAI-compatible endpoint; produces the same Batch as the offline pipeline."""

    name = "llm"

    def __init__(self, settings: Settings, model: str = "gpt-4o-mini", timeout: float = 60.0,
                 client: httpx.Client | None = None) -> None:
        if not settings.llm_url:
            raise ConfigError("the LLM extractor needs an endpoint: set TKGMEM_LLM_URL (OpenAI-compatible /v1 URL)")
        self.settings = settings
        self.url = settings.llm_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.client = client or httpx.Client(timeout=timeout)

    def _ask(self, episodes: Sequence[Episode]) -> dict[str, Any]:
        lines = [f"[{i}] ({e.reference_time.date().isoformat()}) {e.speaker or 'narrator'}"
                 f"{' to ' + e.addressee if e.addressee else ''}: {e.text}" for i, e in enumerate(episodes)]
        headers = {"Content-Type": "application/json"}
        if key := os.environ.get("TKGMEM_LLM_API_KEY"):
            headers["Authorization"] = f"Bearer {key}"
        body = {"model": self.model, "temperature": 0, "response_format": {"type": "json_object"},
                "messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": "\n".join(lines)}]}
        try:
            resp = self.client.post(self.url, json=body, headers=headers)
            resp.raise_for_status()
            content = resp.json()["choices"][0]["message"]["content"]
            data: dict[str, Any] = json.loads(content)
        except httpx.HTTPError as exc:
            raise ConfigError(f"LLM endpoint {self.url} failed: {exc}; check TKGMEM_LLM_URL") from exc
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise InputError(f"LLM endpoint {self.url} returned no usable JSON ({exc}); try another model") from exc
        return data

    def extract(self, episodes: Sequence[Episode], tenant: str) -> Batch:
        episodes = list(episodes)
        if not episodes:
            return Batch(tenant=tenant)
        data = self._ask(episodes)
        now = utcnow()
        entities: dict[str, Entity] = {}

        def entity(name: str, type_: str, ep: Episode) -> str:
            low = name.strip().casefold()
            if low in ("i", "me") and ep.speaker:
                name, type_ = ep.speaker, "person"
            elif low == "you" and ep.addressee:
                name, type_ = ep.addressee, "person"
            eid = Entity.make_id(tenant, name, type_)
            span = Span(episode_id=ep.id)
            prior = entities.get(eid)
            entities[eid] = Entity(
                version_id=stable_id("v", eid, "llm"), lineage_id=eid, tenant=tenant, recorded_at=now, name=name,
                type=type_, reason="ingest",
                provenance=tuple(dict.fromkeys((prior.provenance if prior else ()) + (span,))))
            return eid

        types = {str(e.get("name", "")).casefold(): str(e.get("type", "thing")) for e in data.get("entities", [])}
        for ep in episodes:
            for person in (ep.speaker, ep.addressee):
                if person:
                    entity(person, "person", ep)

        def turn(item: dict[str, Any]) -> Episode:
            i = item.get("turn", 0)
            return episodes[i] if isinstance(i, int) and 0 <= i < len(episodes) else episodes[0]

        events: dict[str, Event] = {}
        for item in data.get("events", []):
            ep = turn(item)
            parts = tuple(Participant(entity_id=entity(str(p["name"]), types.get(str(p["name"]).casefold(),
                                                                                   "person"), ep),
                                      role=str(p.get("role", "agent")))
                          for p in item.get("participants", []) if p.get("name"))
            valid = _when(item.get("when"), ep.reference_time)
            try:
                modality = Modality(str(item.get("modality", "happened")))
            except ValueError:
                modality = Modality.HAPPENED
            predicate = str(item.get("predicate", "event")).casefold()
            day = valid.start.date().isoformat() if valid.start else "open"
            lineage = stable_id("ev", tenant, *sorted(p.entity_id for p in parts), predicate, "", day)
            events[lineage] = Event(
                version_id=stable_id("v", lineage, "llm"), lineage_id=lineage, tenant=tenant, valid=valid,
                recorded_at=now, reason="ingest", provenance=(Span(episode_id=ep.id),), predicate=predicate,
                summary=str(item.get("summary", "")), participants=parts, modality=modality)
        facts = []
        for item in data.get("facts", []):
            ep = turn(item)
            if not item.get("subject") or not item.get("relation") or not item.get("object"):
                continue
            subj = entity(str(item["subject"]), types.get(str(item["subject"]).casefold(), "person"), ep)
            obj_name = str(item["object"])
            obj_type = types.get(obj_name.casefold())
            since = _when(item.get("since"), ep.reference_time) if item.get("since") else Interval()
            facts.append(FactInput(
                subject_id=subj, relation=DEFAULT_RELATIONS.canonical(str(item["relation"])),
                object_id=entity(obj_name, obj_type, ep) if obj_type else None,
                object_value=None if obj_type else obj_name,
                valid=Interval(start=since.start, start_granularity=since.start_granularity),
                confidence=0.8, provenance=(Span(episode_id=ep.id),)))
        return Batch(tenant=tenant, episodes=episodes, entities=list(entities.values()), facts=facts,
                     events=list(events.values()))


def _when(value: Any, reference: datetime) -> Interval:
    """An ISO date or a written expression ("yesterday") as an interval; unknown = open."""
    if not value:
        return Interval()
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        return Interval.granule(as_utc(f"{text}-01-01"), Granularity.YEAR)
    try:
        return Interval.granule(as_utc(text), Granularity.DAY)
    except Exception:  # not ISO: read it as a written expression
        pass
    found = find_times(text, reference)
    return found[0].interval if found else Interval()


__all__ = ["LLMExtractor"]
