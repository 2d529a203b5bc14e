"""One BLAS thread for the small matrix products of a query (a question's embedding, a vector search).

With OpenBLAS's default of one thread per core, such a product stalls whenever another core is busy (another
request, another process), as its threads wait for each other. Measured on the 2-core machine under load ~4:
an IVF search over 100k vectors took p99 130-175 ms on two threads and 18-27 ms on one, and a question's
encoding went from 30 ms to about a second. A server gets its parallelism from concurrent requests instead.
Bulk work (batch encoding, building an index) keeps every thread.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any


class _OneThread:
    """Limits BLAS to one thread while any query's products run, and restores it when the last one ends.

    The limit is process-wide, so queries on several threads share it: with a plain `limit()` context each,
    the one that entered second would "restore" the first one's limit and leave BLAS on one thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._limiter: Any = None

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._limiter = _controller().limit(limits=1, user_api="blas")
            self._users += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


one_thread = _OneThread()
"""`with one_thread:` around the products of one query."""


@lru_cache(maxsize=1)
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


__all__ = ["one_thread"]
