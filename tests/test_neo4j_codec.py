"""The pure parts of the Neo4j store: time conversion, parameter rows and record decoding (no server)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from neo4j.time import DateTime

from tkgmem.errors import ConfigError, StoreError
from tkgmem.model import Entity, Episode, Event, EventLink, Fact, LinkType, Participant, Span
from tkgmem.store import neo4j_codec as codec
from tkgmem.store.queries import schema_files
from tkgmem.store.sqlite_fts import fts_words, or_query
from tkgmem.temporal import Granularity, Interval, as_utc


def test_times_go_out_as_aware_utc_and_come_back_from_neo4j_datetime() -> None:
    paris = timezone(timedelta(hours=2))
    local = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=paris)
    out = codec.to_db_time(local)
    assert out == local and out is not None and out.utcoffset() == timedelta(0)
    assert codec.to_db_time(datetime(2024, 5, 1)) == datetime(2024, 5, 1, tzinfo=UTC)  # naive = UTC
    assert codec.to_db_time(None) is None
    # what the driver hands back for a DATETIME property
    stored = DateTime.from_native(local)
    back = codec.from_db_time(stored)
    assert back == local and back is not None and back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert codec.from_db_time(None) is None
    with pytest.raises(StoreError):
        codec.from_db_time("2024-05-01")


def _fact() -> Fact:
    return Fact(version_id="v1", lineage_id="fa_1", tenant="t", subject_id="en_a", relation="lives_in",
                object_id="en_p", valid=Interval.between("2019-01-01", "2021-05-01", Granularity.MONTH),
                recorded_at=as_utc("2019-03-01"), supersedes="v0", reason="contradiction",
                provenance=(Span(episode_id="ep_1", start=0, end=4),))


def test_version_row_has_native_time_axes_and_decodes_to_the_same_version() -> None:
    f = _fact()
    row = codec.version_row(f, "t")
    props = row["props"]
    assert (row["version_id"], row["subject_id"], row["object_id"], row["supersedes"]) == ("v1", "en_a", "en_p", "v0")
    assert props["valid_from"] == as_utc("2019-01-01") and props["valid_to"] == as_utc("2021-05-01")
    assert props["recorded_at"] == as_utc("2019-03-01") and props["expired_at"] is None
    assert all(props[k].tzinfo is not None for k in ("valid_from", "valid_to", "recorded_at"))
    assert props["valid_from_granularity"] == "month" and props["lineage_id"] == "fa_1"
    assert "provenance" not in props["body"] or '"provenance":[]' in props["body"]
    expired = DateTime.from_native(as_utc("2023-02-01"))
    back = codec.decode_version("fact", props["body"], expired, [Span(episode_id="ep_1", start=0, end=4)])
    assert back == f.model_copy(update={"expired_at": as_utc("2023-02-01")})
    assert codec.INSERT_QUERIES[f.kind] == "fact_versions_insert"
    with pytest.raises(StoreError):
        codec.decode_version("nope", props["body"], None)


def test_entity_and_event_rows_carry_what_the_graph_links_need() -> None:
    e = Entity(version_id="v", lineage_id="en_a", tenant="x", name="Alice", type="person", aliases=("Ally", "alice"),
               recorded_at=as_utc("2020-01-01"))
    row = codec.version_row(e, "t")
    assert row["names"] == ["alice", "ally"] and row["lineage_id"] == "en_a"
    assert codec.decode_version("entity", row["props"]["body"], None).tenant == "t"  # the tenant written under
    ev = Event(version_id="ve", lineage_id="ev_1", predicate="go", participants=(Participant(entity_id="en_a"),),
               place_id="en_p", recorded_at=as_utc("2020-01-01"))
    row = codec.version_row(ev, "t")
    assert row["participants"] == [{"entity_id": "en_a", "role": "agent"}] and row["place_id"] == "en_p"
    assert row["props"]["modality"] == "happened" and row["props"]["valid_from"] is None


def test_spans_use_minus_one_for_unknown_offsets() -> None:
    row = codec.span_row(Span(episode_id="ep"), version_id="v")
    assert row == {"version_id": "v", "episode_id": "ep", "start": -1, "end": -1}
    assert codec.decode_span("ep", -1, -1) == Span(episode_id="ep")
    assert codec.decode_span("ep", 3, 9) == Span(episode_id="ep", start=3, end=9)


def test_vectors_are_zero_padded_without_changing_cosine() -> None:
    a, b = [0.3, 0.4, 0.5], [0.1, 0.9, 0.2]
    pa, pb = codec.pad_vector(a), codec.pad_vector(b)
    assert len(pa) == codec.VECTOR_DIMENSIONS and pa[3:] == [0.0] * (codec.VECTOR_DIMENSIONS - 3)

    def cos(x: list[float], y: list[float]) -> float:
        return sum(i * j for i, j in zip(x, y, strict=True)) / math.sqrt(sum(i * i for i in x) * sum(j * j for j in y))

    assert cos(pa, pb) == pytest.approx(cos(a, b))
    with pytest.raises(ConfigError, match="dimensions"):
        codec.pad_vector([0.0] * (codec.VECTOR_DIMENSIONS + 1))
    assert codec.cosine_from_score(1.0) == 1.0 and codec.cosine_from_score(0.5) == 0.0


def test_vector_dimension_matches_the_schema_file() -> None:
    statements = [s for _n, _f, stmts in schema_files() for s in stmts if "VECTOR INDEX" in s]
    assert len(statements) == 1 and f"`vector.dimensions`: {codec.VECTOR_DIMENSIONS}" in statements[0]


def test_episode_round_trip_keeps_metadata_times_and_original_embedding() -> None:
    ep = Episode(id="ep_1", tenant="t", source="chat", speaker="Alice", text="hi", seq=3, metadata={"turn": 3},
                 reference_time=as_utc("2023-05-08T13:56:00Z"))
    at = as_utc("2023-05-09")
    row = codec.episode_row(ep, at, [1.0, 0.0])
    props = row["props"]
    assert props["recorded_at"] == at and len(props["embedding"]) == codec.VECTOR_DIMENSIONS
    stored = {"id": row["id"], **{k: DateTime.from_native(v) if isinstance(v, datetime) else v
                                  for k, v in props.items()}}
    assert codec.decode_episode(stored, "t") == ep.model_copy(update={"recorded_at": at})
    assert codec.decode_embedding(stored) == [1.0, 0.0]
    assert codec.episode_row(ep, at, None)["props"]["embedding"] is None


def test_lucene_query_uses_the_same_words_as_the_embedded_store() -> None:
    for text in ["puppy?", "Where did Alice live in 2021?", "  ", "a b c", "C'est l'été"]:
        assert codec.lucene_query(text) == or_query(fts_words(text))
    assert codec.lucene_query("puppy named Rex!") == '"puppy" OR "named" OR "Rex"'


def test_links_and_audit_rows_round_trip() -> None:
    link = EventLink(tenant="t", source_id="ev_1", target_id="ev_2", type=LinkType.PART_OF)
    at = as_utc("2023-05-08")
    row = codec.link_row(link, at)
    assert row["type"] == "part_of" and row["recorded_at"] == at
    stored = row | {"type": "PART_OF", "recorded_at": DateTime.from_native(at)}  # type(r) is upper case
    assert codec.decode_link(stored, "t") == link.model_copy(update={"recorded_at": at})
    arow = codec.audit_row("au_1", at, "dpo", "erase", "GDPR", {"episodes": 1})
    assert codec.decode_audit(arow | {"at": DateTime.from_native(at)}) == {
        "id": "au_1", "at": at, "actor": "dpo", "action": "erase", "reason": "GDPR", "details": {"episodes": 1}}


def test_chunks_bound_unwind_batches() -> None:
    assert [list(c) for c in codec.chunks(list(range(5)), 2)] == [[0, 1], [2, 3], [4]]
    assert codec.chunks([], 10) == []
