"""Shared fixtures. `store` runs every conformance test on each store: SQLite always, Neo4j when
TKGMEM_NEO4J_URI (+ TKGMEM_NEO4J_USER / TKGMEM_NEO4J_PASSWORD) is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tkgmem.settings import Settings
from tkgmem.store import Store, open_store

NEO4J_URI = os.environ.get("TKGMEM_NEO4J_URI")
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(params=["sqlite", "neo4j"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "neo4j":
        if not NEO4J_URI:
            pytest.skip("Neo4j store: TKGMEM_NEO4J_URI is not set, so the Neo4j conformance run was skipped")
        settings = Settings.from_env()
        s = open_store(NEO4J_URI, settings)
    else:
        s = open_store(f"sqlite:///{tmp_path / 'memory.db'}")
    yield s
    s.close()


@pytest.fixture
def tenant() -> str:
    """A fresh tenant per test, so tests never see each other's data, even in a shared Neo4j."""
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def locomo_dir() -> Path:
    if not (DATA / "locomo").is_dir():
        pytest.skip(f"benchmark data not found at {DATA / 'locomo'}")
    return DATA / "locomo"
