"""Server-side limits on queries, and the error policy: limit and input errors readable, the rest masked.

Every limit error names the limit (`maxDepth`, `maxAliases`, `maxTokens`, `maxPageSize`, ...) both in
its message and in `extensions.limit`, so a client can tell which knob it hit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from graphql import GraphQLError
from pydantic import BaseModel, Field
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from tkgmem.errors import InputError, NotFoundError, PermissionDenied, TkgError
from tkgmem.graphql.documents import CachedDocuments, DocumentCache


class Limits(BaseModel):
    max_depth: int = Field(12, ge=1, description="deepest selection nesting of one operation")
    max_aliases: int = Field(30, ge=0, description="aliases in one document")
    max_tokens: int = Field(4000, ge=10, description="lexical tokens in one document")
    default_page_size: int = Field(20, ge=1, description="page size when `first`/`last` is not given")
    max_page_size: int = Field(100, ge=1, description="largest `first`/`last`, `k` or list length allowed")
    max_batch: int = Field(1000, ge=1, description="largest ingestion batch of one mutation")
    max_scan: int = Field(20_000, ge=1, description="most rows one connection reads from the store")
    max_body_bytes: int = Field(2_000_000, ge=1024, description="largest request body (query + variables)")


class LimitExceeded(InputError):
    """A request over one of the server's limits."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": "LIMIT_EXCEEDED", "limit": limit}


def check_page_size(value: int | None, limits: Limits, argument: str = "first") -> int:
    if value is None:
        return limits.default_page_size
    if value < 0:
        raise InputError(f"`{argument}` must be >= 0, got {value}")
    if value > limits.max_page_size:
        raise LimitExceeded(
            "maxPageSize",
            f"page size limit exceeded: `{argument}: {value}` is over maxPageSize={limits.max_page_size}; "
            "ask for fewer items and page with `after`",
        )
    return value


_LIMIT_PATTERNS = (
    (re.compile(r"exceeds maximum operation depth"), "maxDepth", "max_depth"),
    (re.compile(r"aliases found\. Allowed"), "maxAliases", "max_aliases"),
    (re.compile(r"more than \d+ tokens"), "maxTokens", "max_tokens"),
)

_CODES: tuple[tuple[type[Exception], str], ...] = (
    (PermissionDenied, "FORBIDDEN"),
    (NotFoundError, "NOT_FOUND"),
    (InputError, "BAD_USER_INPUT"),
    (TkgError, "BAD_REQUEST"),
)


def is_internal(error: GraphQLError) -> bool:
    """Mask errors that come from unexpected exceptions; keep validation errors and our own errors."""
    original = error.original_error  # unexpected ones are logged with their traceback by Schema.process_errors
    return not (original is None or isinstance(original, TkgError | GraphQLError))


class ErrorPolicy(SchemaExtension):
    """Label readable errors with a code (and the limit they hit); runs after masking."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        result.errors = [self._label(e) for e in errors]

    def _label(self, error: GraphQLError) -> GraphQLError:
        for pattern, limit, field in _LIMIT_PATTERNS:
            if pattern.search(error.message):
                message = f"query limit exceeded ({limit}={getattr(self.limits, field)}): {error.message}"
                return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                                    path=error.path, extensions={"code": "LIMIT_EXCEEDED", "limit": limit})
        if error.extensions:
            return error
        original = error.original_error
        code = "GRAPHQL_VALIDATION_FAILED" if original is None else "INTERNAL_SERVER_ERROR"
        for cls, name in _CODES:
            if isinstance(original, cls):
                code = name
                break
        if error.message == MASKED_MESSAGE:
            code = "INTERNAL_SERVER_ERROR"
        error.extensions = {"code": code}
        return error


MASKED_MESSAGE = "Internal server error; the server log has the details."


def limit_extensions(limits: Limits, cache: DocumentCache | None = None) -> list[Callable[[], SchemaExtension]]:
    """Factories, so every request gets fresh extension instances.

    The depth and alias rule classes are built once here, not per request: every request of this
    schema validates with the same rules, so its parsed and validated documents can be cached
    (`CachedDocuments`, in `cache` or a new `DocumentCache` of this config alone). A document over a
    limit is cached with its errors and rejected with them every time."""
    rules = [*QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
             *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules]
    documents = cache if cache is not None else DocumentCache()
    return [
        lambda: ErrorPolicy(limits),
        lambda: MaskErrors(should_mask_error=is_internal, error_message=MASKED_MESSAGE),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: CachedDocuments(documents),
    ]
