"""Copy a memory from one store to another (`tkgmem export`): embedded -> Neo4j, or back for backups.

The copy streams records from `src.export_records` into `dst.import_records`, tenant by tenant, so every
version (expired ones too), both time axes, provenance, event links and the audit log arrive as they
were. Importing is idempotent, so an interrupted copy can simply be run again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

from tkgmem.store.base import Store
from tkgmem.store.records import RECORD_TYPES, Record

Progress = Callable[[str, str, int], None]  # (tenant, record type, records of that type so far)


def _counted(records: Iterable[Record], tenant: str, counts: Counter[str],
             progress: Progress | None) -> Iterator[Record]:
    for r in records:
        counts[r.type] += 1
        if progress is not None:
            progress(tenant, r.type, counts[r.type])
        yield r


def copy_memory(src: Store, dst: Store, tenants: Sequence[str] | None = None,
                progress: Progress | None = None) -> dict[str, dict[str, int]]:
    """Copy the given tenants (all of `src` when None); returns record counts per tenant and type."""
    out: dict[str, dict[str, int]] = {}
    for tenant in tenants if tenants is not None else src.tenants():
        counts: Counter[str] = Counter()
        dst.import_records(tenant, _counted(src.export_records(tenant), tenant, counts, progress))
        out[tenant] = {t: counts.get(t, 0) for t in RECORD_TYPES}
    return out


__all__ = ["Progress", "copy_memory"]
