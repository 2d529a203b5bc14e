"""Structured facts from CSV with a column mapping (`--columns subject=employee,object=company,...`).

Without a mapping, columns named like the fact fields are used. `--relation` gives one relation for
every row when the file has no relation column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from tkgmem.ingest.formats.base import Read, ReaderOptions
from tkgmem.ingest.formats.facts import fact_record
from tkgmem.ingest.items import FactRecordIn, Reject

FIELDS = tuple(FactRecordIn.model_fields)


def read_csv_facts(path: Path, options: ReaderOptions) -> Iterator[Read]:
    source = options.source or str(path)
    with path.open("rb") as fh:
        # Bad bytes become lone surrogates, so one row that is not UTF-8 is one reject, not the end of the file.
        wrapper = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(wrapper)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            yield Reject(source=source, line=1, reason=f"unreadable CSV header: {exc}", raw="")
            return
        if header is None:
            return
        if _not_utf8(header):
            yield Reject(source=source, line=1, reason=_NOT_UTF8, raw=_shown(header))
            return
        mapping = {field: options.columns.get(field, field) for field in FIELDS}
        missing = [f"{f} (column {mapping[f]!r})" for f in ("subject", "object") if mapping[f] not in header]
        if "relation" not in options.columns and options.relation is None and "relation" not in header:
            missing.append("relation (give --relation or map a column)")
        if missing:
            yield Reject(source=source, line=1, raw=",".join(header),
                         reason=f"CSV header lacks {', '.join(missing)}; map columns with --columns field=column")
            return
        index = {field: header.index(col) for field, col in mapping.items() if col in header}
        number = 1
        stuck = -1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if reader.line_num == stuck:  # no progress since the last error: the rest is unreadable
                    return
                stuck = number = reader.line_num
                yield Reject(source=source, line=number, reason=f"unreadable CSV row: {exc}", raw="")
                continue
            number = reader.line_num
            if number <= options.start_line or not any(cell.strip() for cell in row):
                continue
            if _not_utf8(row):
                yield Reject(source=source, line=number, reason=_NOT_UTF8, raw=_shown(row))
                continue
            if len(row) != len(header):
                yield Reject(source=source, line=number, raw=",".join(row),
                             reason=f"row has {len(row)} cells, header has {len(header)}")
                continue
            value: dict[str, object] = {f: row[i] for f, i in index.items() if row[i].strip() != ""}
            if options.relation and "relation" not in value:
                value["relation"] = options.relation
            yield fact_record(value, source, number)


_NOT_UTF8 = "not UTF-8 (undecodable bytes); convert the file to UTF-8"
_SURROGATE = re.compile("[\udc80-\udcff]")


def _not_utf8(cells: list[str]) -> bool:
    return any(_SURROGATE.search(c) for c in cells)


def _shown(cells: list[str]) -> str:
    return ",".join(cells).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
