"""The Cypher library: named queries from the packaged `cypher/` folder and schema statements from `schema/`.

Queries live in `.cypher` files (one named query per file, parameters only) so that they can be read,
linted with Neo4j's own parser and run in Neo4j Browser as they are. The folders ship inside the package
(`tkgmem/cypher`, `tkgmem/schema`); they are loaded with `importlib.resources` and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from tkgmem.errors import StoreError

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_SCHEMA_FILE = re.compile(r"^(\d+)_[a-z0-9_]+\.cypher$")


@dataclass(frozen=True)
class Query:
    """One named query: its text, and the parameters its header declares."""

    name: str
    text: str
    params: frozenset[str]

    def used_params(self) -> set[str]:
        """Parameters the body uses (outside comments)."""
        return set(_PARAM.findall(strip_comments(self.text)))


def strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def parse(name: str, text: str) -> Query:
    """Read the header: `// name: <name>` and any number of `// params: $a TYPE, $b TYPE?` lines."""
    header = [line.strip() for line in text.splitlines() if line.strip().startswith("//")]
    names = [h.split(":", 1)[1].strip() for h in header if h.startswith("// name:")]
    if names != [name]:
        raise StoreError(f"cypher/{name}.cypher must start with a header line '// name: {name}'")
    params = [p for h in header if h.startswith("// params:") for p in _PARAM.findall(h)]
    return Query(name=name, text=text, params=frozenset(params))


def _folder(name: str) -> Traversable:
    return resources.files("tkgmem").joinpath(name)


@cache
def query(name: str) -> Query:
    """The named query from `cypher/<name>.cypher`; the error names the missing file."""
    path = _folder("cypher").joinpath(f"{name}.cypher")
    if not path.is_file():
        raise StoreError(
            f"Cypher query file cypher/{name}.cypher is missing from the installed tkgmem package; "
            "reinstall tkgmem (the wheel ships tkgmem/cypher/*.cypher)"
        )
    return parse(name, path.read_text(encoding="utf-8"))


@cache
def query_names(folder: str = "cypher") -> tuple[str, ...]:
    """Names of the queries in `cypher/` (or a subfolder such as `cypher/explore`)."""
    root = _folder("cypher")
    for part in folder.split("/")[1:]:
        root = root.joinpath(part)
    if not root.is_dir():
        raise StoreError(f"the Cypher folder {folder}/ is missing from the installed tkgmem package; reinstall tkgmem")
    return tuple(sorted(p.name.removesuffix(".cypher") for p in root.iterdir() if p.name.endswith(".cypher")))


@cache
def schema_files() -> tuple[tuple[int, str, tuple[str, ...]], ...]:
    """(number, file name, statements) of every `schema/NNN_name.cypher`, in order."""
    root = _folder("schema")
    if not root.is_dir():
        raise StoreError("the schema/ folder is missing from the installed tkgmem package; reinstall tkgmem")
    out = []
    for p in sorted(root.iterdir(), key=lambda p: p.name):
        m = _SCHEMA_FILE.match(p.name)
        if m is None:
            continue
        body = strip_comments(p.read_text(encoding="utf-8"))
        statements = tuple(s.strip() for s in body.split(";") if s.strip())
        out.append((int(m.group(1)), p.name, statements))
    if not out:
        raise StoreError("no schema/NNN_name.cypher files found in the installed tkgmem package; reinstall tkgmem")
    return tuple(out)


def schema_version() -> int:
    """The schema version this tkgmem applies: the number of its last schema file."""
    return schema_files()[-1][0]


__all__ = ["Query", "parse", "query", "query_names", "schema_files", "schema_version", "strip_comments"]
