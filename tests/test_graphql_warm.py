"""A served store loads its tenants' search indexes on a background thread at startup (uvicorn's lifespan
on, as `tkgmem serve` runs it): the server answers at once, and the first search finds the index built."""

from __future__ import annotations

import gc
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import uvicorn
from test_graphql_support import free_port

from tkgmem.graphql.app import create_app, warm_tenants
from tkgmem.graphql.keys import KeyStore
from tkgmem.memory import Memory
from tkgmem.model import Batch, Episode
from tkgmem.settings import Settings
from tkgmem.store.sqlite import SQLiteStore

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _seed(store: SQLiteStore, tenant: str, n: int) -> None:
    rng = np.random.default_rng(len(tenant))
    vectors = rng.normal(size=(n, 16))
    eps = [Episode(id=f"{tenant}{i}", tenant=tenant, source="chat", text=f"turn {i}",
                   reference_time=T0 + timedelta(minutes=i), seq=i) for i in range(n)]
    store.write(Batch(tenant=tenant, episodes=eps, embeddings={e.id: v.tolist() for e, v in zip(eps, vectors,
                                                                                                 strict=True)}))


def test_server_warms_every_tenant_at_startup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory = Memory.open(url, tenant="acme", settings=Settings(store_url=url, ann_min_rows=500))
    store = memory.store
    assert isinstance(store, SQLiteStore)
    _seed(store, "acme", 600)  # above the threshold: gets an approximate index
    _seed(store, "globex", 50)  # below it: vectors loaded, searched exactly
    keys = KeyStore(tmp_path / "memory.keys.db")
    app = create_app(memory, keys)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
        app.state.warming.join(timeout=30)
        assert not app.state.warming.is_alive()
        tenants = store._vectors._tenants
        assert tenants["acme"][1].index is not None and tenants["acme"][1].index.n_base == 600
        assert tenants["globex"][1].index is None and tenants["globex"][1].matrix.shape[0] == 50
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        memory.close()
        keys.close()


def test_a_failed_warm_is_logged_not_raised(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    store = SQLiteStore(f"sqlite:///{tmp_path / 'memory.db'}")
    _seed(store, "acme", 5)
    store.close()
    (tmp_path / "memory.db").write_bytes(b"not a database")  # the file went bad under a running server
    warm_tenants(store)
    assert "warming the store's search indexes failed" in caplog.text


def test_warm_can_freeze_the_collectors_view(tmp_path: Path) -> None:
    """`tkgmem serve` freezes what warming loaded: full collections then skip it (they cost ~25 ms each with
    a server's modules loaded, paid by the request that triggered one)."""
    store = SQLiteStore(f"sqlite:///{tmp_path / 'memory.db'}")
    _seed(store, "acme", 5)
    try:
        before = gc.get_freeze_count()
        warm_tenants(store)
        assert gc.get_freeze_count() == before
        warm_tenants(store, freeze=True)
        assert gc.get_freeze_count() > max(before, 1000)
    finally:
        gc.unfreeze()
        store.close()
