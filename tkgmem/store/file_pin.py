"""Keep a file's pages in RAM: map it and lock the mapping, as `vmtouch -l` does.

Why: some hosts give idle page cache back to the host. This project's VMs run the kernel's DAMON reclaim,
which pages out file pages untouched for about a minute, so only ~40% of a 6 GB store (1M facts) stayed
cached. A search reads a few hundred random pages (episodes, facts, index entries); with most of the file
reclaimed, 0.6-0.9 MB of them came from disk per search, and search p95 was 59-80 ms instead of 40-50.
Locked pages stay in the page cache, which every connection and process shares; SQLite reads as before.

Linux only (libc `mmap` and `mlock` through ctypes). Locking needs the right to lock that much memory
(root or CAP_IPC_LOCK, or `ulimit -l`); without it `pin` raises and the caller goes on unpinned.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import sys
from pathlib import Path

from tkgmem.errors import StoreError

_MAP_FAILED = ctypes.c_void_p(-1).value


class PinnedFile:
    """A locked, read-only mapping of the first `size` bytes of a file; `release` unlocks and unmaps."""

    def __init__(self, path: str, size: int, address: int, libc: ctypes.CDLL) -> None:
        self.path = path
        self.size = size
        self._address: int | None = address
        self._libc = libc

    def release(self) -> None:
        if self._address is not None:
            self._libc.munlock(ctypes.c_void_p(self._address), ctypes.c_size_t(self.size))
            self._libc.munmap(ctypes.c_void_p(self._address), ctypes.c_size_t(self.size))
            self._address = None


def pin(path: str | Path, max_share_of_available: float = 0.5) -> PinnedFile:
    """Lock `path` (as large as it is now) in RAM. Refuses a file larger than `max_share_of_available` of
    the memory the system has available: locked pages cannot be reclaimed when something else needs them."""
    if not sys.platform.startswith("linux"):
        raise StoreError(f"cannot keep {path} in RAM: locking file pages is implemented for Linux only")
    size = max(os.path.getsize(path), 1)  # an empty file still maps one page
    available = _available_bytes()
    if available is not None and size > max_share_of_available * available:
        raise StoreError(f"not keeping {path} in RAM: it is {size >> 20} MB and only {available >> 20} MB are "
                         f"available; free memory, or set TKGMEM_PIN_STORE=false")
    libc = _libc()
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, ctypes.c_size_t(size), mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    finally:
        os.close(fd)  # the mapping keeps the file open
    if address in (None, _MAP_FAILED):
        raise StoreError(f"cannot map {path}: {os.strerror(ctypes.get_errno())}")
    if libc.mlock(ctypes.c_void_p(address), ctypes.c_size_t(size)) != 0:
        error = ctypes.get_errno()
        libc.munmap(ctypes.c_void_p(address), ctypes.c_size_t(size))
        raise StoreError(f"cannot keep {path} ({size >> 20} MB) in RAM: {os.strerror(error)}; run as a user "
                         "allowed to lock that much memory (CAP_IPC_LOCK, or raise `ulimit -l`), or set "
                         "TKGMEM_PIN_STORE=false")
    return PinnedFile(str(path), size, address, libc)


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mlock.argtypes = libc.munlock.argtypes = libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    return libc


def _available_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


__all__ = ["PinnedFile", "pin"]
