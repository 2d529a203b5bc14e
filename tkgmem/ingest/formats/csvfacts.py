"""Structured facts from CSV with a column mapping (`--columns subject=employee,object=company,...`).

Without a mapping, columns named like the fact fields are used. `--relation` gives one relation for
every row when the file has no relation column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from tkgmem.ingest.formats.base import Read, ReaderOptions
from tkgmem.ingest.formats.facts import fact_record
from tkgmem.ingest.items import FactRecordIn, Reject

FIELDS = tuple(FactRecordIn.model_fields)


def read_csv_facts(path: Path, options: ReaderOptions) -> Iterator[Read]:
    source = options.source or str(path)
    with path.open("rb") as fh:
        wrapper = io.TextIOWrapper(fh, encoding="utf-8", errors="strict", newline="")
        try:
            reader = csv.reader(wrapper)
            header = next(reader, None)
        except UnicodeDecodeError as exc:
            yield Reject(source=source, line=1, reason=f"not UTF-8 ({exc.reason}); convert the file to UTF-8",
                         raw="")
            return
        if header is None:
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
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as exc:
                number += 1
                yield Reject(source=source, line=number, reason=f"unreadable CSV row: {exc}", raw="")
                continue
            number = reader.line_num
            if number <= options.start_line or not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield Reject(source=source, line=number, raw=",".join(row),
                             reason=f"row has {len(row)} cells, header has {len(header)}")
                continue
            value: dict[str, object] = {f: row[i] for f, i in index.items() if row[i].strip() != ""}
            if options.relation and "relation" not in value:
                value["relation"] = options.relation
            yield fact_record(value, source, number)
