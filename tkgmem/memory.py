"""The Python facade: open a memory by URL, ingest, search, ask, navigate, and read it at any basis.

    >>> from tkgmem import Memory
    >>> mem = Memory.open("sqlite:///memory.db")
    >>> mem.ingest(["chat.jsonl"])
    >>> mem.ask("Where did Alice live before she moved to Berlin?")

Every read takes a `Basis` (valid_at, as_of); the default is (now, latest belief).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tkgmem.errors import NotFoundError
from tkgmem.extract.base import Extractor
from tkgmem.ingest.formats import ReaderOptions
from tkgmem.ingest.items import EpisodeIn, FactRecordIn, IngestReport
from tkgmem.ingest.runner import IngestJob, RecordTime, default_job_id
from tkgmem.model import (
    Change,
    Diff,
    Entity,
    EraseReport,
    Event,
    EventQuery,
    Fact,
    FactInput,
    FactQuery,
    Stats,
    TimelineItem,
)
from tkgmem.relations import DEFAULT_RELATIONS, RelationRegistry
from tkgmem.settings import Settings
from tkgmem.store import Store, open_store
from tkgmem.temporal import Basis, Interval

if TYPE_CHECKING:
    from tkgmem.navigate.answer import Answer
    from tkgmem.navigate.experience import ExperienceMemory
    from tkgmem.navigate.plan import Plan
    from tkgmem.retrieve.evidence import Evidence


class Memory:
    """One tenant's view of a store, plus the pipeline that feeds it."""

    def __init__(self, store: Store, *, tenant: str = "default", settings: Settings | None = None,
                 _shared: dict[str, Any] | None = None) -> None:
        self.store = store
        self.tenant = tenant
        self.settings = settings or Settings()
        # Models and caches are shared between the tenant views of one store.
        self._shared: dict[str, Any] = {} if _shared is None else _shared

    @classmethod
    def open(cls, url: str | None = None, *, tenant: str | None = None,
             settings: Settings | None = None) -> Memory:
        settings = settings or Settings.from_env()
        store = open_store(url or settings.store_url, settings)
        return cls(store, tenant=tenant or settings.tenant, settings=settings)

    def for_tenant(self, tenant: str) -> Memory:
        return Memory(self.store, tenant=tenant, settings=self.settings, _shared=self._shared)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingestion ------------------------------------------------------------------------------
    def extractor(self) -> Extractor:
        if "extractor" not in self._shared:
            from tkgmem.extract.pipeline import Pipeline

            self._shared["extractor"] = Pipeline(self.settings)
        extractor: Extractor = self._shared["extractor"]
        return extractor

    def _job(self, *, record_time: RecordTime = "now", rejects: Path | None = None, job_id: str | None = None,
             progress: bool | None = None) -> IngestJob:
        return IngestJob(self.store, self.tenant, self.extractor, batch_size=self.settings.batch_size,
                         record_time=record_time, rejects_path=rejects, job_id=job_id, progress=progress)

    def ingest(self, paths: Sequence[str | Path], *, format: str | None = None, record_time: RecordTime = "now",
               rejects: str | Path | None = None, job_id: str | None = None, options: ReaderOptions | None = None,
               progress: bool | None = None) -> IngestReport:
        """Ingest files (dialogue JSONL, LoCoMo JSON, text/Markdown, facts JSONL, CSV) as a resumable job."""
        files = [Path(p) for p in paths]
        job = self._job(record_time=record_time, rejects=Path(rejects) if rejects else None,
                        job_id=job_id or default_job_id(files, format, self.tenant), progress=progress)
        return job.run_files(files, format, options)

    def ingest_episodes(self, episodes: Iterable[EpisodeIn], *, record_time: RecordTime = "now") -> IngestReport:
        return self._job(record_time=record_time, progress=False).run_records(episodes)

    def ingest_facts(self, records: Iterable[FactRecordIn], *, record_time: RecordTime = "now") -> IngestReport:
        return self._job(record_time=record_time, progress=False).run_records(records)

    # -- reads ----------------------------------------------------------------------------------
    def resolve_entity(self, name_or_id: str, basis: Basis = Basis()) -> Entity | None:
        entity = self.store.entity(self.tenant, name_or_id, basis)
        if entity is not None:
            return entity
        found = self.store.find_entities(self.tenant, name_or_id, basis=basis)
        return found[0] if found else None

    def require_entity(self, name_or_id: str, basis: Basis = Basis()) -> Entity:
        entity = self.resolve_entity(name_or_id, basis)
        if entity is None:
            near = self.store.find_entities(self.tenant, name_or_id, basis=basis, limit=5, words=True)
            hint = ("did you mean " + ", ".join(repr(e.name) for e in near) + "?") if near else \
                "list entities with `tkgmem stats`"
            raise NotFoundError(f"no entity named or with id {name_or_id!r}; {hint}")
        return entity

    def entities(self, name: str | None = None, type: str | None = None, basis: Basis = Basis(),
                 limit: int = 50) -> list[Entity]:
        return self.store.find_entities(self.tenant, name, type=type, basis=basis, limit=limit)

    def facts(self, query: FactQuery = FactQuery(), basis: Basis = Basis()) -> list[Fact]:
        return self.store.facts(self.tenant, query, basis)

    def count_facts(self, query: FactQuery = FactQuery(), basis: Basis = Basis()) -> int:
        return self.store.count_facts(self.tenant, query, basis)

    def events(self, query: EventQuery = EventQuery(), basis: Basis = Basis()) -> list[Event]:
        return self.store.events(self.tenant, query, basis)

    def timeline(self, entity: str, basis: Basis = Basis(), window: Interval | None = None) -> list[TimelineItem]:
        return self.store.timeline(self.tenant, self.require_entity(entity, basis).lineage_id, basis, window)

    def history(self, lineage_id: str) -> list[Entity | Fact | Event]:
        return self.store.history(self.tenant, lineage_id)

    def entity_history(self, entity: str) -> list[Entity | Fact | Event]:
        """Every version of an entity and of every fact about it, in recording order."""
        e = self.require_entity(entity)
        versions: list[Entity | Fact | Event] = list(self.store.history(self.tenant, e.lineage_id))
        lineages = {f.lineage_id for f in self.store.facts(
            self.tenant, FactQuery(entity_id=e.lineage_id, all_versions=True))}
        for lid in sorted(lineages):
            versions.extend(self.store.history(self.tenant, lid))
        versions.sort(key=lambda v: v.recorded_at)
        return versions

    def diff(self, source: Basis, target: Basis) -> Diff:
        return self.store.diff(self.tenant, source, target)

    def changes_since(self, since: datetime, limit: int = 1000) -> list[Change]:
        return self.store.changes_since(self.tenant, since, limit)

    def stats(self) -> Stats:
        return self.store.stats(self.tenant)

    # -- questions ------------------------------------------------------------------------------
    def retriever(self) -> Any:
        if "retriever" not in self._shared:
            from tkgmem.nlp import load_encoder
            from tkgmem.retrieve.hybrid import HybridRetriever

            encoder = (load_encoder(self.settings.embedding_model, self.settings.encoder_process)
                       if self.settings.embeddings else None)
            self._shared["retriever"] = HybridRetriever(self.store, encoder)
        return self._shared["retriever"]

    def search(self, text: str, k: int = 10, basis: Basis = Basis(),
               time_range: Interval | None = None) -> list[Evidence]:
        hits: list[Evidence] = self.retriever().search(self.tenant, text, k, basis=basis, time_range=time_range)
        return hits

    def experience(self) -> ExperienceMemory:
        if "experience" not in self._shared:
            from tkgmem.navigate.experience import ExperienceMemory

            encoder = self.retriever().encoder if self.settings.embeddings else None
            self._shared["experience"] = ExperienceMemory(self.settings.experience_path or None, encoder=encoder)
        experience: ExperienceMemory = self._shared["experience"]
        return experience

    def ask(self, question: str, basis: Basis = Basis(), now: datetime | None = None) -> Answer:
        """Parse the question into a plan and run it; falls back to hybrid retrieval when no plan fits."""
        from tkgmem.navigate.ask import ask

        return ask(self.store, self.tenant, question, basis=basis, now=now,
                   fallback=self.retriever().as_fallback(self.tenant, basis),
                   experience=self.experience() if self.settings.embeddings else None,
                   relations=self.store_relations())

    def navigate(self, plan: Plan | dict[str, Any], now: datetime | None = None) -> Answer:
        """Run a plan given directly (as built by `ask --explain` or sent through the API)."""
        from tkgmem.navigate.ask import run_plan
        from tkgmem.navigate.plan import Plan as PlanModel

        model = plan if isinstance(plan, PlanModel) else PlanModel.model_validate(plan)
        return run_plan(self.store, self.tenant, model, now=now, relations=self.store_relations())

    def store_relations(self) -> RelationRegistry:
        relations: RelationRegistry = getattr(self.store, "relations", DEFAULT_RELATIONS)
        return relations

    # -- corrections ----------------------------------------------------------------------------
    def correct_fact(self, lineage_id: str, *, valid: Interval | None = None, object: str | None = None,
                     recorded_at: datetime | None = None, reason: str = "correction") -> Fact:
        value = None
        if object is not None:
            current = self.store.history(self.tenant, lineage_id)
            if not current or not isinstance(current[-1], Fact):
                raise NotFoundError(f"no fact {lineage_id!r} in this tenant")
            target = self.resolve_entity(object)
            value = FactInput(subject_id=current[-1].subject_id, relation=current[-1].relation,
                              object_id=target.lineage_id if target else None,
                              object_value=None if target else object)
        return self.store.correct_fact(self.tenant, lineage_id, valid=valid, value=value, recorded_at=recorded_at,
                                       reason=reason)

    def retract(self, lineage_id: str, reason: str = "retraction", recorded_at: datetime | None = None) -> Fact:
        return self.store.retract(self.tenant, lineage_id, recorded_at=recorded_at, reason=reason)

    def erase(self, *, actor: str, reason: str, episode_ids: Sequence[str] = (),
              entity_id: str | None = None) -> EraseReport:
        return self.store.erase(self.tenant, actor=actor, reason=reason, episode_ids=episode_ids,
                                entity_id=entity_id)
