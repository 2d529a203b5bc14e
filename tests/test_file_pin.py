"""Keeping the embedded store's file in RAM (`tkgmem/store/file_pin.py`): real mappings, read back from
the kernel's own accounting (/proc/self/status VmLck)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tkgmem.errors import StoreError
from tkgmem.model import Batch, Episode
from tkgmem.store import file_pin
from tkgmem.store.sqlite import SQLiteStore
from tkgmem.temporal import utcnow

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="locking file pages is Linux only")


def locked_kb() -> int:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmLck:"):
            return int(line.split()[1])
    raise AssertionError("no VmLck line in /proc/self/status")


def pin_or_skip(path: Path) -> file_pin.PinnedFile:
    try:
        return file_pin.pin(path)
    except StoreError as exc:
        if "lock that much memory" in str(exc):
            pytest.skip(f"this user may not lock memory: {exc}")
        raise


def test_a_pinned_file_is_locked_until_released(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * (3 << 20))
    before = locked_kb()
    pinned = pin_or_skip(path)
    assert locked_kb() - before >= 3 * 1024
    pinned.release()
    pinned.release()  # twice is harmless
    assert locked_kb() == before


def test_a_file_too_large_for_the_available_memory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 4096)
    before = locked_kb()
    with pytest.raises(StoreError, match="available"):
        file_pin.pin(path, max_share_of_available=1e-12)
    assert locked_kb() == before


def test_warm_pins_the_store_and_pins_again_when_it_grows(tmp_path: Path) -> None:
    store = SQLiteStore(f"sqlite:///{tmp_path / 'pinned.db'}", pin=True)
    before = locked_kb()
    store.warm("t")
    if not store.pin:
        pytest.skip("this user may not lock memory (the store logged why and went on unpinned)")
    first = locked_kb() - before
    assert first * 1024 >= (tmp_path / "pinned.db").stat().st_size > 0
    now = utcnow()
    store.write(Batch(tenant="t", episodes=[
        Episode(id=f"ep{i}", tenant="t", source="s", text="word " * 400 + str(i), reference_time=now)
        for i in range(3000)]))  # past SQLite's WAL checkpoint (1,000 pages): the file itself grows
    store.warm("t")
    assert locked_kb() - before > first  # the grown file, once: the old mapping was released
    assert locked_kb() - before <= (tmp_path / "pinned.db").stat().st_size // 1024 + 4
    store.close()
    assert locked_kb() == before


def test_a_store_that_may_not_pin_warms_unpinned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Larger than half of what is available: refused, said once in the log, and the store works on.
    store = SQLiteStore(f"sqlite:///{tmp_path / 'big.db'}", pin=True)
    available = file_pin._available_bytes() or 1 << 40
    with open(tmp_path / "big.db", "r+b") as f:  # a sparse tail: no disk used, and twice the memory
        f.truncate(2 * available)
    store.warm("t")
    assert not store.pin and "not keeping" in caplog.text
    store.warm("t")
    assert caplog.text.count("not keeping") == 1
