"""The schema: queries, mutations, scalars and the limit/error extensions.

Regenerate the committed SDL with `python -m tkgmem.graphql.schema > api/schema.graphql`.
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from tkgmem.errors import TkgError
from tkgmem.graphql.documents import DocumentCache
from tkgmem.graphql.limits import Limits, limit_extensions
from tkgmem.graphql.mutations import Mutation
from tkgmem.graphql.queries import Query
from tkgmem.graphql.scalars import SCALAR_OVERRIDES
from tkgmem.graphql.types import EntityNode, EventNode, FactNode


class Schema(strawberry.Schema):
    """Logs only unexpected errors: client mistakes (validation, limits, our own TkgErrors) are not server
    problems and would flood the log with tracebacks."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        unexpected = [e for e in errors if e.original_error is not None
                      and not isinstance(e.original_error, TkgError | GraphQLError)]
        super().process_errors(unexpected, execution_context)


def build_schema(limits: Limits | None = None, documents: DocumentCache | None = None) -> Schema:
    """`documents` caches parsed and validated queries (a bounded one of this schema alone by default;
    a shared one keeps each schema's validation results apart)."""
    limits = limits or Limits()
    return Schema(
        query=Query,
        mutation=Mutation,
        types=[EntityNode, FactNode, EventNode],
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=limit_extensions(limits, documents),
        config=StrawberryConfig(auto_camel_case=True),
    )


def schema_sdl() -> str:
    """The schema in SDL, as committed in api/schema.graphql (limits do not change the SDL)."""
    return build_schema().as_str() + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(schema_sdl())
