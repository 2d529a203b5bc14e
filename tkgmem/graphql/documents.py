"""A bounded cache of parsed and validated query documents, so a repeated query skips both steps.

Parsing a query and validating it against the schema cost more than executing a cheap one (validation
alone runs some thirty graphql-core rules plus our depth and alias limits over the whole document).
Neither depends on the caller: the document is a function of the query text and the parse options
(`max_tokens`), and its validation errors a function of the document, the schema and the rule classes.
So one cache per schema (`limit_extensions` builds one with the schema's rule classes, once) keys a
document by (query text, parse options) and its errors by (schema, rules): another limits config has
other rule classes and its own cache, and nothing in a key or an entry comes from the request's key,
tenant, variables or context.

A query that fails validation (over `maxDepth` or `maxAliases`, or not valid for the schema) is cached
with its errors and rejected with the same errors on every submission; each request gets fresh copies
of the errors, so the error policy labelling them cannot change the cached ones. A query that fails to
parse (a syntax error, over `maxTokens`) is not cached: it is parsed, and rejected, every time.

The cache holds at most `max_entries` documents and at most `max_chars` characters of query text
(a parsed document takes roughly 100 bytes per character of its query); a query longer than that is
never cached. Least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

DEFAULT_MAX_ENTRIES = 256
DEFAULT_MAX_CHARS = 256 * 1024


@dataclass
class _Entry:
    document: DocumentNode
    size: int
    errors: dict[Hashable, tuple[GraphQLError, ...]] = field(default_factory=dict)  # by (schema, rules)


class DocumentCache:
    """Thread-safe LRU of parsed documents and their validation errors, bounded by entries and query text."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        if max_entries < 0 or max_chars < 0:
            raise ValueError("cache bounds must be >= 0")
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        """Characters of query text held now."""
        return self._chars

    def get(self, key: Hashable) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Hashable, document: DocumentNode, size: int) -> _Entry:
        """Cache `document` (of a query of `size` characters) unless it is larger than the whole cache;
        returns its entry either way."""
        entry = _Entry(document, size)
        if size > self.max_chars or self.max_entries == 0:
            return entry
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._chars -= old.size
            self._entries[key] = entry
            self._chars += size
            while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                _, evicted = self._entries.popitem(last=False)
                self._chars -= evicted.size
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0


def _fresh(error: GraphQLError) -> GraphQLError:
    """A copy of a cached error for one response (later extensions may relabel or replace it)."""
    return GraphQLError(error.message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, original_error=error.original_error,
                        extensions=dict(error.extensions) if error.extensions else None)


class CachedDocuments(SchemaExtension):
    """Parse and validate through a `DocumentCache`; fresh per request, the cache is shared.

    Runs its parse hook after the extensions that set parse options and validation rules (they do so in
    `on_operation`), and leaves documents it did not parse itself (set by another extension) alone."""

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache
        self._entry: _Entry | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if context.graphql_document is not None or not isinstance(query, str) or not query:
            yield
            return
        try:
            key: Hashable | None = (query, tuple(sorted(context.parse_options.items())))
            hash(key)
        except TypeError:  # an unhashable parse option: parse as usual, cache nothing
            key = None
        entry = self.cache.get(key) if key is not None else None
        if entry is not None:
            context.graphql_document = entry.document  # Strawberry skips its own parse
        yield
        if key is None:
            return
        if entry is None and context.graphql_document is not None:  # parsed now (a parse error raises)
            entry = self.cache.put(key, context.graphql_document, len(query))
        self._entry = entry

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = self._entry
        rules = context.validation_rules
        if (entry is None or context.graphql_document is not entry.document or not rules
                or context.pre_execution_errors is not None):
            yield  # not a document of ours, validation disabled, or already done: Strawberry's default
            return
        schema = context.schema._schema
        errors = entry.errors.get((schema, rules))
        if errors is None:
            errors = tuple(validate_document(schema, entry.document, rules))
            entry.errors[(schema, rules)] = errors
        context.pre_execution_errors = [_fresh(e) for e in errors]  # Strawberry skips its own validation
        yield

