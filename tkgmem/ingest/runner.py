"""Ingestion jobs: read files as streams, extract in batches, write one transaction per batch.

A job checkpoints the last committed line of each file in the store, so a rerun after a crash resumes
there; since episodes have stable ids, anything written twice is skipped, never duplicated.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal, TextIO

from tkgmem.errors import InputError
from tkgmem.extract.base import Extractor
from tkgmem.ingest.formats import ReaderOptions, read_file
from tkgmem.ingest.formats.base import Record
from tkgmem.ingest.items import EpisodeIn, FactRecordIn, IngestReport, Reject
from tkgmem.ingest.records import RecordConverter
from tkgmem.model import Batch, Episode, EpisodeKind, WriteReport, stable_id
from tkgmem.store.base import Store
from tkgmem.temporal import parse_granular, utcnow

RecordTime = Literal["now", "reference"]
KEEP_REJECTS = 100


class RejectSink:
    """Appends rejects as JSON lines to a file opened on the first reject; keeps the first few in memory."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fh: TextIO | None = None
        self.count = 0
        self.first: list[Reject] = []
        self._written: set[tuple[str, int, str]] | None = None

    def resume(self) -> None:
        """For a named job: rejects already in the file are not written again (a resumed job re-reads the
        records after its last checkpoint; a rerun, e.g. of a job killed just after it finished or before
        its first checkpoint, reads them all)."""
        self._written = set()
        if self.path is not None and self.path.is_file():
            with self.path.open("rb+") as raw:  # drop a last line torn by the crash; it is re-read anyway
                data = raw.read()
                if data and not data.endswith(b"\n"):
                    raw.truncate(data.rfind(b"\n") + 1)
            with self.path.open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    try:
                        r = json.loads(line)
                        self._written.add((str(r["source"]), int(r["line"]), str(r["reason"])))
                    except (ValueError, KeyError, TypeError):
                        continue  # a line torn by the crash itself

    def add(self, reject: Reject) -> None:
        self.count += 1
        if len(self.first) < KEEP_REJECTS:
            self.first.append(reject)
        if self._written is not None:
            key = (reject.source, reject.line, reject.reason)
            if key in self._written:
                return
            self._written.add(key)
        if self.path is not None:
            if self._fh is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = self.path.open("a", encoding="utf-8")
            self._fh.write(reject.model_dump_json() + "\n")
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def episode_from(record: Record, item: EpisodeIn, tenant: str) -> Episode:
    source = item.source or record.source
    kind = EpisodeKind.DOCUMENT if record.kind == "document" else EpisodeKind.DIALOGUE
    eid = item.id or Episode.make_id(tenant, source, item.text, item.time, f"{item.session}|{item.speaker}")
    return Episode(
        id=eid, tenant=tenant, kind=kind, source=source, session=item.session, speaker=item.speaker,
        addressee=item.addressee, text=item.text, reference_time=item.time, seq=record.line,
        metadata=item.metadata,
    )


def default_job_id(paths: Sequence[Path], fmt: str | None, tenant: str) -> str:
    return stable_id("job", tenant, fmt or "", *[str(p.resolve()) for p in paths])


class IngestJob:
    """One ingestion run over files or in-memory records into one tenant of a store."""

    def __init__(
        self,
        store: Store,
        tenant: str,
        extractor: Callable[[], Extractor] | None = None,
        *,
        batch_size: int = 256,
        record_time: RecordTime = "now",
        rejects_path: Path | None = None,
        job_id: str | None = None,
        progress: bool | None = None,
    ) -> None:
        self.store = store
        self.tenant = tenant
        self._make_extractor = extractor
        self._extractor: Extractor | None = None
        self.batch_size = batch_size
        self.record_time = record_time
        self.rejects = RejectSink(rejects_path)
        self.job_id = job_id
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.report = IngestReport(job_id=job_id, rejects_file=str(rejects_path) if rejects_path else None)
        self.converter = RecordConverter(store, tenant)
        self._last_recorded: datetime | None = None

    @property
    def extractor(self) -> Extractor:
        if self._extractor is None:
            if self._make_extractor is None:
                raise InputError("this job has no extractor; dialogue and documents need one")
            self._extractor = self._make_extractor()
        return self._extractor

    # -- entry points ---------------------------------------------------------------------------
    def run_files(self, paths: Sequence[Path], fmt: str | None = None, options: ReaderOptions | None = None
                  ) -> IngestReport:
        options = options or ReaderOptions()
        started = time.perf_counter()
        state = self._load_state()
        if self.job_id is not None:  # a named job may have run (partly) before, even without a checkpoint
            self.rejects.resume()
        for path in paths:
            if not path.is_file():
                raise InputError(f"no such file: {path}")
        try:
            for path in paths:
                key = str(path.resolve())
                files = state.setdefault("files", {})
                assert isinstance(files, dict)
                start = int(files.get(key, 0))
                reads = read_file(path, fmt, options.model_copy(update={"start_line": start}))
                for last_line in self._run(reads, label=path.name):
                    files[key] = last_line
                    self._save_state(state, "running")
            self._save_state(state, "done")
        finally:
            self.rejects.close()
            self.report.seconds += time.perf_counter() - started
            self._finish()
        return self.report

    def run_records(self, items: Iterable[EpisodeIn | FactRecordIn], source: str = "api") -> IngestReport:
        started = time.perf_counter()
        reads = (
            Record(source=item.source or source, line=i, item=item,
                   kind="dialogue" if isinstance(item, EpisodeIn) else "record")
            for i, item in enumerate(items, start=1)
        )
        try:
            for _ in self._run(reads, label=source):
                pass
        finally:
            self.rejects.close()
            self.report.seconds += time.perf_counter() - started
            self._finish()
        return self.report

    # -- the loop -------------------------------------------------------------------------------
    def _run(self, reads: Iterator[Record | Reject], label: str) -> Iterator[int]:
        """Consume reads in batches; after each commit yield the line up to which every read is accounted
        for (committed, rejected or blank), so a checkpoint there never counts a record twice."""
        bar = None
        if self.progress:
            from tqdm import tqdm

            bar = tqdm(desc=f"ingest {label}", unit=" rec", file=sys.stderr)
        pending: list[Record] = []
        last_line = 0
        seen = 0
        for read in reads:
            if isinstance(read, Record) and pending and self._must_split(pending[-1], read):
                # Commit before counting this record: the checkpoint must not include it.
                self._commit(pending)
                yield max(last_line, read.line - 1)
                pending = []
            self.report.read += 1
            seen = max(seen, read.line)
            if bar is not None:
                bar.update(1)
            if isinstance(read, Reject):
                self.report.rejected += 1
                self.rejects.add(read)
                continue
            pending.append(read)
            last_line = read.line
            if len(pending) >= self.batch_size:
                self._commit(pending)
                yield last_line
                pending = []
        if pending:
            self._commit(pending)
        if pending or seen > last_line:  # trailing rejects are accounted for too
            yield max(seen, last_line)
        if bar is not None:
            bar.close()

    def _must_split(self, previous: Record, current: Record) -> bool:
        # Replay mode records each batch at its own reference time, so a batch holds one time only.
        return self.record_time == "reference" and _ref_time(previous) != _ref_time(current)

    def _commit(self, records: list[Record]) -> None:
        episodes = [episode_from(r, r.item, self.tenant) for r in records if isinstance(r.item, EpisodeIn)]
        facts = [r for r in records if isinstance(r.item, FactRecordIn)]
        at = self._recorded_at(records)
        batch = Batch(tenant=self.tenant)
        if episodes:
            known = self.store.known_episodes(self.tenant, [e.id for e in episodes])
            fresh = list({e.id: e for e in episodes if e.id not in known}.values())
            self.report.skipped_duplicates += len(episodes) - len(fresh)
            if fresh:
                batch = self.extractor.extract(fresh, self.tenant)
        if facts:
            extra = self.converter.convert([(r.item, r.line) for r in facts if isinstance(r.item, FactRecordIn)])
            known = self.store.known_episodes(self.tenant, [e.id for e in extra.episodes])
            self.report.skipped_duplicates += len(known)
            batch.episodes += extra.episodes
            batch.entities += extra.entities
            batch.facts += extra.facts
        if not len(batch):
            return
        written = self.store.write(batch, recorded_at=at)
        self._count(written)

    def _recorded_at(self, records: list[Record]) -> datetime | None:
        if self.record_time == "now":
            return None
        at = max(_ref_time(r) for r in records)
        if self._last_recorded is not None and at < self._last_recorded:
            at = self._last_recorded  # transaction time never runs backwards
        self._last_recorded = at
        return at

    def _count(self, w: WriteReport) -> None:
        r = self.report
        r.episodes_added += w.episodes_added
        r.entities_added += w.entities_added
        r.facts_added += w.facts_added
        r.events_added += w.events_added
        r.versions_expired += w.versions_expired

    def _finish(self) -> None:
        self.report.rejects = list(self.rejects.first)

    # -- checkpoints ----------------------------------------------------------------------------
    def _load_state(self) -> dict[str, object]:
        if self.job_id is None:
            return {}
        state = self.store.load_checkpoint(self.tenant, self.job_id)
        if state is None or state.get("status") == "done":
            return {}
        counts = state.get("counts")
        if isinstance(counts, dict):
            self.report = self.report.model_copy(update={k: v for k, v in counts.items() if k != "rejects"})
        last = state.get("last_recorded")
        if isinstance(last, str):  # replay mode: transaction time must not run backwards across a resume
            self._last_recorded = datetime.fromisoformat(last)
        return state

    def _save_state(self, state: dict[str, object], status: str) -> None:
        if self.job_id is None:
            return
        state["status"] = status
        state["counts"] = json.loads(self.report.model_dump_json(exclude={"rejects"}))
        if self._last_recorded is not None:
            state["last_recorded"] = self._last_recorded.isoformat()
        self.store.save_checkpoint(self.tenant, self.job_id, state)


def _ref_time(record: Record) -> datetime:
    item = record.item
    if isinstance(item, EpisodeIn):
        return item.time
    stamp = item.recorded_at or item.valid_from
    return parse_granular(stamp)[0] if stamp else utcnow()
