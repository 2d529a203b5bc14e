"""Stored columns set on a freshly decoded version give the same model as `model_copy(update=...)`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tkgmem.model import Fact, Span
from tkgmem.store.decoded import with_columns
from tkgmem.temporal import Interval, as_utc


def test_same_model_as_a_copy_with_the_update() -> None:
    body = Fact(version_id="v1", lineage_id="fa1", tenant="t", subject_id="en_a", relation="lives_in",
                object_value="Paris", valid=Interval.since("2020-01-01"), recorded_at=as_utc("2020-02-01"))
    columns = {"expired_at": as_utc("2021-01-01"), "provenance": (Span(episode_id="ep1", start=0, end=5),)}
    copied = Fact.model_validate_json(body.model_dump_json()).model_copy(update=columns)
    fresh = with_columns(Fact.model_validate_json(body.model_dump_json()), **columns)
    assert fresh == copied and fresh.model_fields_set == copied.model_fields_set
    assert fresh.model_dump_json() == copied.model_dump_json() and hash(fresh) == hash(copied)
    with pytest.raises(ValidationError):  # still frozen for everyone after the decoder
        fresh.expired_at = None  # type: ignore[misc]
