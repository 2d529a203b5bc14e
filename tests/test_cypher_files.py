"""The Cypher library: every file loads from the installed package, is named, declares its parameters,
every query the Neo4j store runs exists, and Neo4j's own parser finds nothing wrong."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tkgmem.errors import StoreError
from tkgmem.store import neo4j_codec, queries
from tkgmem.store.neo4j import FACT_QUERIES

ROOT = Path(__file__).resolve().parents[1]
LINT = ROOT / "scripts" / "cypher-lint"
STORE_MODULES = sorted((ROOT / "tkgmem" / "store").glob("neo4j*.py"))
QUERY_CALLS = {"run": 1, "run_rows": 1, "versions": 2, "_versions": 1, "_pages": 1}  # callee -> index of the name


def all_query_names() -> list[str]:
    return [*queries.query_names(), *(f"explore/{n}" for n in queries.query_names("cypher/explore"))]


def test_every_file_loads_with_its_name_header() -> None:
    names = all_query_names()
    assert len(queries.query_names()) >= 40 and len(queries.query_names("cypher/explore")) >= 5
    for name in names:
        q = queries.query(name.split("/")[-1]) if "/" not in name else _explore(name)
        assert q.name == name.split("/")[-1]
        assert queries.strip_comments(q.text).strip(), f"{name} has no query"


def _explore(name: str) -> queries.Query:
    from importlib import resources

    text = resources.files("tkgmem").joinpath("cypher", f"{name}.cypher").read_text(encoding="utf-8")
    return queries.parse(name.split("/")[-1], text)


@pytest.mark.parametrize("name", all_query_names())
def test_declared_parameters_match_used_ones(name: str) -> None:
    q = _explore(name) if "/" in name else queries.query(name)
    assert q.used_params() == set(q.params), f"{name}: header declares {sorted(q.params)}, body uses " \
                                             f"{sorted(q.used_params())}"


def test_header_and_missing_file_errors_say_how_to_fix() -> None:
    with pytest.raises(StoreError, match="// name: facts"):
        queries.parse("facts", "MATCH (n) RETURN n")
    with pytest.raises(StoreError, match=r"cypher/no_such_query\.cypher"):
        queries.query("no_such_query")


def test_schema_files_are_idempotent_statements() -> None:
    files = queries.schema_files()
    assert [n for n, _f, _s in files] == sorted({n for n, _f, _s in files})
    statements = [s for _n, _f, stmts in files for s in stmts]
    assert len(statements) >= 30
    assert all("IF NOT EXISTS" in s for s in statements)
    assert queries.schema_version() == files[-1][0]


def referenced_query_names() -> set[str]:
    found: set[str] = set(neo4j_codec.INSERT_QUERIES.values()) | set(FACT_QUERIES.values())
    for path in STORE_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            index = QUERY_CALLS.get(str(callee))
            if index is not None and len(node.args) > index:
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return found


def test_every_query_the_store_runs_exists() -> None:
    used = referenced_query_names()
    assert {"facts_by_subject", "search_vector", "erase_lineages", "versions_export"} <= used  # the scan works
    assert used <= set(queries.query_names()), sorted(used - set(queries.query_names()))


def test_wheel_layout_is_what_the_loader_reads() -> None:
    # tkgmem/cypher and tkgmem/schema are links to the top-level folders; package-data ships their files
    for folder in ("cypher", "schema"):
        assert (ROOT / "tkgmem" / folder).resolve() == (ROOT / folder).resolve()


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (LINT / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.skip("Cypher lint skipped: run scripts/lint_cypher.sh once (needs Node >= 18 and npm) to install "
                    "@neo4j-cypher/language-support into scripts/cypher-lint/node_modules")
    return node


@pytest.mark.slow  # ~15 s of CPU for all files; CI also runs scripts/lint_cypher.sh
def test_neo4j_parser_finds_no_diagnostics() -> None:
    result = subprocess.run([_node(), str(LINT / "lint.mjs"), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 diagnostic(s)" in result.stdout


def test_neo4j_parser_fails_on_a_broken_query(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "cypher").mkdir()
    (tmp_path / "cypher" / "broken.cypher").write_text(
        "// name: broken\n// params: $tenant STRING\nMATCH (e:Episode {tenant: $tenant})\nRETURN x, $undeclared\n")
    result = subprocess.run([_node(), str(LINT / "lint.mjs"), str(tmp_path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1
    assert "cypher/broken.cypher:4:" in result.stdout and "undeclared" in result.stdout


@pytest.mark.slow
def test_built_wheel_contains_schema_and_cypher(tmp_path: Path) -> None:
    pytest.importorskip("build")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    import zipfile

    (wheel,) = tmp_path.glob("tkgmem-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tkgmem/schema/001_constraints.cypher" in names
    assert "tkgmem/cypher/facts_by_subject.cypher" in names
    assert any(n.startswith("tkgmem/cypher/explore/") for n in names)
