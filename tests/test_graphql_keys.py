"""API keys: stored hashed, verified in constant time, revocable; the `tkgmem keys` commands."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tkgmem.cli.serve import keys as keys_cli
from tkgmem.errors import InputError, NotFoundError
from tkgmem.graphql.keys import KeyStore, Role, default_keys_path


def test_tokens_are_stored_only_as_salted_hashes(tmp_path: Path) -> None:
    ks = KeyStore(tmp_path / "keys.db")
    key, token = ks.create("acme", "write", label="ci")
    _, same_role = ks.create("acme", "write")
    raw = (tmp_path / "keys.db").read_bytes()
    secret = token.split("_", 2)[2]
    assert secret.encode() not in raw and token.encode() not in raw
    rows = sqlite3.connect(tmp_path / "keys.db").execute("SELECT salt, digest FROM api_keys").fetchall()
    assert len({r[0] for r in rows}) == 2 and len({r[1] for r in rows}) == 2
    principal = ks.verify(token)
    assert principal is not None
    assert (principal.tenant, principal.role, principal.key_id) == ("acme", Role.WRITE, key.id)
    assert ks.verify(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert ks.verify(f"tkg_{key.id}_") is None and ks.verify("") is None and ks.verify("Bearer x") is None
    assert ks.verify(same_role) is not None


def test_revoke_and_list(tmp_path: Path) -> None:
    ks = KeyStore(tmp_path / "keys.db")
    key, token = ks.create("acme", "read")
    ks.create("globex", "admin")
    assert [k.tenant for k in ks.list()] == ["acme", "globex"]
    assert [k.tenant for k in ks.list("globex")] == ["globex"]
    ks.revoke(key.id)
    assert ks.verify(token) is None
    assert [k.tenant for k in ks.list()] == ["globex"]
    assert len(ks.list(include_revoked=True)) == 2
    with pytest.raises(NotFoundError):
        ks.revoke(key.id)
    with pytest.raises(InputError, match="unknown role"):
        ks.create("acme", "root")


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.WRITE) and Role.WRITE.allows(Role.READ)
    assert not Role.READ.allows(Role.WRITE) and not Role.WRITE.allows(Role.ADMIN)


def test_default_keys_path_sits_next_to_the_store() -> None:
    assert default_keys_path("sqlite:////data/memory.db") == Path("/data/memory.keys.db")
    assert default_keys_path("neo4j://db:7687") == Path("tkgmem-keys.db")


def test_keys_cli_create_list_revoke(tmp_path: Path) -> None:
    runner = CliRunner()
    store = f"sqlite:///{tmp_path / 'memory.db'}"
    out = runner.invoke(keys_cli, ["create", "--tenant", "acme", "--role", "admin", "--store", store, "--json"])
    assert out.exit_code == 0, out.output
    created = json.loads(out.output)
    assert created["token"].startswith("tkg_") and created["role"] == "admin"
    assert KeyStore(tmp_path / "memory.keys.db").verify(created["token"]) is not None
    listed = runner.invoke(keys_cli, ["list", "--store", store, "--json"])
    assert [k["id"] for k in json.loads(listed.output)] == [created["id"]]
    assert created["token"] not in listed.output
    revoked = runner.invoke(keys_cli, ["revoke", created["id"], "--store", store])
    assert revoked.exit_code == 0 and created["id"] in revoked.output
    assert KeyStore(tmp_path / "memory.keys.db").verify(created["token"]) is None
    bad = runner.invoke(keys_cli, ["create", "--tenant", "acme", "--role", "root", "--store", store])
    assert bad.exit_code != 0


def test_revoking_an_unknown_key_is_a_clean_cli_error(tmp_path: Path) -> None:
    out = CliRunner().invoke(keys_cli, ["revoke", "nope", "--keys", str(tmp_path / "k.db")])
    assert out.exit_code != 0 and "no active key 'nope'" in out.output and "Traceback" not in out.output


@pytest.mark.slow
def test_serve_command_end_to_end(tmp_path: Path) -> None:
    """`tkgmem serve` in a subprocess: healthz, 401 without a key, data with one."""
    import subprocess
    import sys
    import time

    import httpx
    from test_graphql_support import free_port

    store = f"sqlite:///{tmp_path / 'memory.db'}"
    token = json.loads(CliRunner().invoke(
        keys_cli, ["create", "--tenant", "default", "--role", "read", "--store", store, "--json"]).output)["token"]
    port = free_port()
    code = "import sys; from tkgmem.cli.serve import serve; serve(sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", code, "--store", store, "--port", str(port), "--log-level",
                             "warning"], stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "tkgmem serve did not start"
            time.sleep(0.1)
        assert httpx.post(f"{url}/graphql", json={"query": "{ me { tenant } }"}).status_code == 401
        r = httpx.post(f"{url}/graphql", json={"query": "{ me { tenant role } stats { facts } }"},
                       headers={"Authorization": f"Bearer {token}"})
        assert r.json() == {"data": {"me": {"tenant": "default", "role": "read"}, "stats": {"facts": 0}}}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
