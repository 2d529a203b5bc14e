"""Structured fact records -> graph items, with no NLP: the path for business records.

Subjects and objects are resolved by name against entities already in the store (so a record about
"Alice" lands on the Alice that dialogue extraction created), else created with the record's type.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from tkgmem.ingest.items import FactRecordIn
from tkgmem.model import Batch, Entity, Episode, EpisodeKind, FactInput, Span, normalize_name, stable_id
from tkgmem.store.base import Store
from tkgmem.temporal import Granularity, Interval, parse_granular, utcnow


class RecordConverter:
    def __init__(self, store: Store, tenant: str) -> None:
        self.store = store
        self.tenant = tenant
        self._entities: dict[tuple[str, str], str] = {}  # (normalised name, type) -> entity id

    def _entity(self, name: str, type_: str | None, out: dict[str, Entity]) -> str:
        key = (normalize_name(name), type_ or "")
        if key in self._entities:
            return self._entities[key]
        found = [e for e in self.store.find_entities(self.tenant, name) if type_ is None or e.type == type_]
        if len(found) == 1:
            eid = found[0].lineage_id
        else:
            eid = Entity.make_id(self.tenant, name, type_ or "thing")
            if eid not in out:
                out[eid] = Entity(version_id=stable_id("v", eid, "1"), lineage_id=eid, tenant=self.tenant,
                                  name=name.strip(), type=type_ or "thing", recorded_at=utcnow())
        self._entities[key] = eid
        return eid

    def convert(self, records: Sequence[tuple[FactRecordIn, int]]) -> Batch:
        entities: dict[str, Entity] = {}
        batch = Batch(tenant=self.tenant)
        for record, line in records:
            content = record.model_dump(exclude={"id"}, exclude_none=True)
            eid = record.id or stable_id("ep", self.tenant, record.source or "", json.dumps(content, sort_keys=True))
            start, sg = parse_granular(record.valid_from) if record.valid_from else (None, Granularity.INSTANT)
            end, eg = parse_granular(record.valid_to) if record.valid_to else (None, Granularity.INSTANT)
            text = f"{record.subject} {record.relation} {record.object}"
            # What the record states, no more: an open end is "no end given", not "to now" (a later
            # record may close it, and this text is shown as evidence long after).
            if record.valid_from and record.valid_to:
                text += f" (from {record.valid_from} to {record.valid_to})"
            elif record.valid_from:
                text += f" (from {record.valid_from})"
            elif record.valid_to:
                text += f" (until {record.valid_to})"
            batch.episodes.append(Episode(
                id=eid, tenant=self.tenant, kind=EpisodeKind.RECORD, source=record.source or "records",
                text=text, reference_time=start or utcnow(), seq=line, metadata={"record": content},
            ))
            subject = self._entity(record.subject, record.subject_type, entities)
            fact = FactInput(
                subject_id=subject, relation=record.relation,
                valid=Interval(start=start, end=end, start_granularity=sg, end_granularity=eg),
                provenance=(Span(episode_id=eid),),
            )
            if record.object_is_value:
                fact = fact.model_copy(update={"object_value": record.object})
            else:
                fact = fact.model_copy(update={"object_id": self._entity(record.object, record.object_type, entities)})
            batch.facts.append(fact)
        for e in entities.values():
            batch.entities.append(e.model_copy(update={"provenance": ()}))
        return batch
