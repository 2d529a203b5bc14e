"""The store protocol: the one contract both stores implement and the conformance suite checks.

Every method takes the tenant explicitly; no read or write crosses tenants. Reads take a `Basis`
and return what was believed at `basis.as_of` (latest when None) about `basis.valid_at` (now when None).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from tkgmem.model import (
    Batch,
    Change,
    Diff,
    Entity,
    Episode,
    EraseReport,
    Event,
    EventLink,
    EventQuery,
    Fact,
    FactInput,
    FactQuery,
    SearchHit,
    Stats,
    TimelineItem,
    WriteReport,
)
from tkgmem.store.records import Record
from tkgmem.temporal import Basis, Interval


@runtime_checkable
class Store(Protocol):
    url: str

    # -- lifecycle ----------------------------------------------------------------------------
    def migrate(self) -> int:
        """Create or upgrade the schema idempotently; returns the schema version now in force."""
        ...

    def close(self) -> None: ...

    # -- writes -------------------------------------------------------------------------------
    def write(self, batch: Batch, *, recorded_at: datetime | None = None) -> WriteReport:
        """Write a batch in one transaction. Episodes already stored are skipped, with everything
        derived from them, so re-ingesting is a no-op. Facts go through the scoped contradiction rule."""
        ...

    def correct_fact(
        self,
        tenant: str,
        lineage_id: str,
        *,
        valid: Interval | None = None,
        value: FactInput | None = None,
        recorded_at: datetime | None = None,
        reason: str = "correction",
    ) -> Fact:
        """Expire the current version and record a successor with the new interval and/or object."""
        ...

    def retract(
        self, tenant: str, lineage_id: str, *, recorded_at: datetime | None = None, reason: str = "retraction"
    ) -> Fact:
        """Expire the current version of a fact or event with no successor; returns the expired version."""
        ...

    def erase(self, tenant: str, *, actor: str, reason: str, episode_ids: Sequence[str] = (),
              entity_id: str | None = None) -> EraseReport:
        """Delete episodes (and everything only they support) or an entity with its facts and
        events, for real. The only deletion there is; always written to the audit log."""
        ...

    def save_checkpoint(self, tenant: str, job_id: str, state: dict[str, object]) -> None: ...

    def load_checkpoint(self, tenant: str, job_id: str) -> dict[str, object] | None: ...

    def jobs(self, tenant: str) -> list[dict[str, object]]:
        """Every ingestion job of the tenant with its saved state: `job_id`, `updated_at` (datetime) and
        the checkpoint's keys (`status`, `counts`, `files`), most recently updated first."""
        ...

    # -- reads --------------------------------------------------------------------------------
    def known_episodes(self, tenant: str, ids: Iterable[str]) -> set[str]: ...

    def episodes(self, tenant: str, ids: Sequence[str]) -> list[Episode]: ...

    def speaking(self, tenant: str, names: Sequence[str]) -> set[str]:
        """Those of `names` that speak or are spoken to in the tenant's episodes (a speaker or an addressee),
        as the whole name or its first word, case-insensitively: "Ana" and "ana silva" for a turn of "Ana
        Silva". Returned as given."""
        ...

    def entity(self, tenant: str, entity_id: str, basis: Basis = Basis()) -> Entity | None: ...

    def find_entities(self, tenant: str, name: str | None = None, *, type: str | None = None,
                      basis: Basis = Basis(), limit: int = 50, words: bool = False) -> list[Entity]:
        """Entities whose name or alias equals `name` (case-insensitive), or all when None.

        With `words`, entities a name of which (any ever used) holds every word of `name` or only words of
        `name` ("Leo" and "Dr Leo Silva" both find "Leo Silva"), nearest first: by `model.word_distance`,
        then by name."""
        ...

    def facts(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis()) -> list[Fact]:
        """Fact versions believed at the basis and valid at `basis.valid_at` (or overlapping
        `query.valid_overlaps` when given), ordered by valid start."""
        ...

    def count_facts(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis(), *,
                    at_most: int | None = None) -> int:
        """How many facts `facts` would return without a limit (`query.limit` is ignored), counted in the
        store: a page's `totalCount` should not read every match. With `at_most`, counting stops there:
        "are there more than n?" costs n index entries, not the whole match."""
        ...

    def fact_relations(self, tenant: str, query: FactQuery = FactQuery(), basis: Basis = Basis()) -> dict[str, int]:
        """How many facts `facts` would return without a limit, per relation, counted in the store: which
        kinds of facts point at a place everyone lives in costs index entries, not decoding them all."""
        ...

    def events(self, tenant: str, query: EventQuery = EventQuery(), basis: Basis = Basis()) -> list[Event]: ...

    def event_links(self, tenant: str, event_ids: Sequence[str]) -> list[EventLink]: ...

    def history(self, tenant: str, lineage_id: str) -> list[Entity | Fact | Event]:
        """Every version of one lineage, oldest recording first, expired ones included."""
        ...

    def timeline(self, tenant: str, entity_id: str, basis: Basis = Basis(),
                 window: Interval | None = None) -> list[TimelineItem]:
        """Facts and events of an entity believed at `basis.as_of`, over all valid time (or `window`)."""
        ...

    def diff(self, tenant: str, source: Basis, target: Basis) -> Diff: ...

    def changes_since(self, tenant: str, since: datetime, limit: int = 1000) -> list[Change]: ...

    def search_text(self, tenant: str, text: str, k: int = 10) -> list[SearchHit]: ...

    def search_vector(self, tenant: str, vector: Sequence[float], k: int = 10) -> list[SearchHit]: ...

    def warm(self, tenant: str) -> None:
        """Load now what the tenant's first search would load (the embedded store's vectors and approximate
        index: up to a minute at 1M), so a server's first question does not wait for it. Neo4j keeps its
        indexes in the database: nothing to do there."""
        ...

    def stats(self, tenant: str) -> Stats: ...

    def audit_log(self, tenant: str) -> list[dict[str, object]]: ...

    # -- moving a memory between stores (tkgmem export) -----------------------------------------
    def tenants(self) -> list[str]:
        """Every tenant that holds data, sorted."""
        ...

    def export_records(self, tenant: str) -> Iterator[Record]:
        """The tenant's whole memory as records: episodes (with embeddings), every version (expired ones
        too, both time axes, supersedes chain), provenance, event links, audit log and checkpoints."""
        ...

    def import_records(self, tenant: str, records: Iterable[Record]) -> None:
        """Store exported records under `tenant` as they are (ids, times and expiry kept); idempotent."""
        ...
