"""GraphQL scalars: ISO-8601 `DateTime` (always UTC on output; naive input or a bare date is taken as UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.schema.types.scalar import ScalarDefinition

from tkgmem.temporal import as_utc


def serialize_datetime(value: datetime) -> str:
    text = as_utc(value).isoformat()
    return text.removesuffix("+00:00") + "Z"


def parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"DateTime must be an ISO-8601 string such as 2023-05-08T13:56:00Z, got {value!r}")
    return as_utc(value)


DateTimeScalar: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="An ISO-8601 date-time, e.g. 2023-05-08T13:56:00Z. Output is always UTC; a bare date "
    "(2023-05-08) or a time without offset is read as UTC.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
    specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339",
)

SCALAR_OVERRIDES: dict[object, Any] = {datetime: DateTimeScalar}
