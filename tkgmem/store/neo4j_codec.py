"""Pure conversions between the model and the Neo4j store's parameters and records.

Kept free of any driver session so they can be tested without a server. Times go to Neo4j as aware UTC
datetimes (the driver sends them as zoned DATETIME values) and come back as `neo4j.time.DateTime`.
Every version node also keeps its full JSON `body` (without provenance and expiry), so reading a version
back gives exactly the object that was written, while the native properties serve indexes and Browser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from neo4j.time import DateTime

from tkgmem.errors import ConfigError, StoreError
from tkgmem.model import Entity, Episode, Event, EventLink, Fact, LinkType, Span, name_word_rows, normalize_name
from tkgmem.store.decoded import with_columns
from tkgmem.temporal import as_utc

AnyVersion = Entity | Fact | Event
KINDS: dict[str, type[Entity] | type[Fact] | type[Event]] = {"entity": Entity, "fact": Fact, "event": Event}

VECTOR_DIMENSIONS = 384  # must match schema/003_search_indexes.cypher
NO_OFFSET = -1  # span ends are relationship properties, which cannot be MERGEd as null


# -- time ---------------------------------------------------------------------------------------
def to_db_time(t: datetime | None) -> datetime | None:
    """An aware UTC datetime for the driver (naive values are taken as UTC)."""
    return None if t is None else as_utc(t)


def from_db_time(value: Any) -> datetime | None:
    """A DATETIME read from Neo4j (or an already-native datetime) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, DateTime):
        return as_utc(value.to_native())
    if isinstance(value, datetime):
        return as_utc(value)
    raise StoreError(f"expected a DATETIME from Neo4j, got {type(value).__name__}; run `tkgmem migrate` and "
                     "check that the data was written by tkgmem")


# -- versions -----------------------------------------------------------------------------------
def version_body(v: AnyVersion, tenant: str) -> str:
    return v.model_copy(update={"provenance": (), "expired_at": None, "tenant": tenant}).model_dump_json()


def version_props(v: AnyVersion, tenant: str) -> dict[str, Any]:
    """Native properties of a version node: both time axes as DATETIME, and the readable fields."""
    props: dict[str, Any] = {
        "kind": v.kind,
        "lineage_id": v.lineage_id,
        "valid_from": to_db_time(v.valid.start),
        "valid_to": to_db_time(v.valid.end),
        "valid_from_granularity": v.valid.start_granularity.value,
        "valid_to_granularity": v.valid.end_granularity.value,
        "recorded_at": to_db_time(v.recorded_at),
        "expired_at": to_db_time(v.expired_at),
        "supersedes": v.supersedes,
        "reason": v.reason,
        "body": version_body(v, tenant),
    }
    if isinstance(v, Entity):
        props.update(name=v.name, type=v.type, aliases=list(v.aliases))
    elif isinstance(v, Fact):
        props.update(subject_id=v.subject_id, relation=v.relation, object_id=v.object_id,
                     object_value=v.object_value, confidence=v.confidence)
    else:
        props.update(predicate=v.predicate, summary=v.summary, modality=v.modality.value, place_id=v.place_id)
    return props


def version_row(v: AnyVersion, tenant: str) -> dict[str, Any]:
    """One row of the `*_versions_insert` query of the version's kind."""
    row: dict[str, Any] = {"version_id": v.version_id, "supersedes": v.supersedes, "props": version_props(v, tenant)}
    if isinstance(v, Entity):
        names = list(dict.fromkeys(normalize_name(n) for n in (v.name, *v.aliases)))
        row.update(lineage_id=v.lineage_id, name=v.name, type=v.type, names=names,
                   name_words=[{"word": w, "name": n, "words": k} for w, n, k in name_word_rows(names)])
    elif isinstance(v, Fact):
        row.update(subject_id=v.subject_id, object_id=v.object_id)
    else:
        row.update(lineage_id=v.lineage_id, predicate=v.predicate, summary=v.summary, place_id=v.place_id,
                   participants=[{"entity_id": p.entity_id, "role": p.role} for p in v.participants])
    return row


INSERT_QUERIES = {"entity": "entity_versions_insert", "fact": "fact_versions_insert", "event": "event_versions_insert"}


def decode_version(kind: str, body: str, expired_at: Any, provenance: Sequence[Span] = ()) -> AnyVersion:
    try:
        cls = KINDS[kind]
    except KeyError:
        raise StoreError(f"unknown version kind {kind!r} in Neo4j; the data was not written by tkgmem") from None
    return with_columns(cls.model_validate_json(body), expired_at=from_db_time(expired_at),
                        provenance=tuple(provenance))


# -- provenance ---------------------------------------------------------------------------------
def span_row(span: Span, **key: str) -> dict[str, Any]:
    return {**key, "episode_id": span.episode_id,
            "start": NO_OFFSET if span.start is None else span.start,
            "end": NO_OFFSET if span.end is None else span.end}


def decode_span(episode_id: str, start: int | None, end: int | None) -> Span:
    def off(x: int | None) -> int | None:
        return None if x is None or x < 0 else int(x)

    return Span(episode_id=episode_id, start=off(start), end=off(end))


# -- episodes -----------------------------------------------------------------------------------
def pad_vector(vector: Sequence[float], dims: int = VECTOR_DIMENSIONS) -> list[float]:
    """Zero-pad to the index's dimension: cosine similarity is unchanged by trailing zeros."""
    if len(vector) > dims:
        raise ConfigError(
            f"embedding has {len(vector)} dimensions but the Neo4j vector index holds {dims}; use a "
            f"{dims}-dimension model or recreate the episode_embedding index with the model's dimension"
        )
    return [float(x) for x in vector] + [0.0] * (dims - len(vector))


def episode_row(ep: Episode, at: datetime, embedding: Sequence[float] | None,
                dims: int = VECTOR_DIMENSIONS) -> dict[str, Any]:
    return {"id": ep.id, "props": {
        "kind": ep.kind.value, "source": ep.source, "session": ep.session, "speaker": ep.speaker,
        "addressee": ep.addressee, "text": ep.text, "reference_time": to_db_time(ep.reference_time),
        "seq": ep.seq, "metadata": json.dumps(ep.metadata, default=str),
        "recorded_at": to_db_time(ep.recorded_at or at),
        "embedding": None if embedding is None else pad_vector(embedding, dims),
        "embedding_dims": None if embedding is None else len(embedding),
    }}


def decode_episode(r: Mapping[str, Any], tenant: str) -> Episode:
    return Episode(id=r["id"], tenant=tenant, kind=r["kind"], source=r["source"], session=r["session"],
                   speaker=r["speaker"], addressee=r["addressee"], text=r["text"],
                   reference_time=from_db_time(r["reference_time"]), seq=r["seq"],
                   metadata=json.loads(r["metadata"] or "{}"), recorded_at=from_db_time(r["recorded_at"]))


def decode_embedding(r: Mapping[str, Any]) -> list[float] | None:
    vector, dims = r.get("embedding"), r.get("embedding_dims")
    if vector is None:
        return None
    return [float(x) for x in vector[: dims if dims is not None else len(vector)]]


# -- search -------------------------------------------------------------------------------------
def lucene_query(text: str) -> str:
    """Words of the text as quoted Lucene terms joined by OR (the same words the embedded store matches)."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in text).split() if len(w) > 1]
    return " OR ".join(f'"{w}"' for w in words)


def cosine_from_score(score: float) -> float:
    """Neo4j reports cosine similarity rescaled to [0, 1] as (1 + cos) / 2; give back the cosine."""
    return 2.0 * float(score) - 1.0


# -- links and audit ----------------------------------------------------------------------------
def link_row(link: EventLink, at: datetime) -> dict[str, Any]:
    return {"source_id": link.source_id, "target_id": link.target_id, "type": link.type.value,
            "recorded_at": to_db_time(link.recorded_at or at), "episode_id": link.episode_id}


def decode_link(r: Mapping[str, Any], tenant: str) -> EventLink:
    return EventLink(tenant=tenant, source_id=r["source_id"], target_id=r["target_id"],
                     type=LinkType(str(r["type"]).lower()), recorded_at=from_db_time(r["recorded_at"]),
                     episode_id=r["episode_id"])


def audit_row(audit_id: str, at: datetime, actor: str, action: str, reason: str,
              details: Mapping[str, object]) -> dict[str, Any]:
    return {"id": audit_id, "at": to_db_time(at), "actor": actor, "action": action, "reason": reason,
            "details": json.dumps(dict(details), sort_keys=True, default=str)}


def decode_audit(r: Mapping[str, Any]) -> dict[str, object]:
    return {"id": r["id"], "at": from_db_time(r["at"]), "actor": r["actor"], "action": r["action"],
            "reason": r["reason"], "details": json.loads(r["details"] or "{}")}


def chunks(rows: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """UNWIND batches of at most `size` rows."""
    return [rows[i : i + size] for i in range(0, len(rows), max(1, size))]
