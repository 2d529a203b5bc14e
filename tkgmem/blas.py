"""Numpy's BLAS on one thread once queries are served (a question's embedding, a vector search).

With OpenBLAS's default of one thread per core, a query's small products stall whenever another core is
busy (another request, another process), as the threads wait for each other. Measured on the 2-core machine
under load ~4: an IVF search over 100k vectors took p99 130-175 ms on two threads and 18-27 ms on one, and a
question's encoding went from 30 ms to about a second. Setting the limit around each query and restoring it
after is no cure: changing OpenBLAS's thread count from a worker thread cost 40-300 ms a call. So the first
query switches BLAS to one thread for the rest of the process; a server gets its parallelism from concurrent
requests. Torch (batch encoding at ingest) has its own thread pool and is not affected.
"""

from __future__ import annotations

import threading


class _OneThread:
    """`with one_thread:` around a query's products; the first use sets the limit, later ones cost nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False

    def __enter__(self) -> None:
        if not self._set:
            with self._lock:
                if not self._set:
                    from threadpoolctl import ThreadpoolController

                    ThreadpoolController().limit(limits=1, user_api="blas")
                    self._set = True

    def __exit__(self, *exc: object) -> None:
        return None


one_thread = _OneThread()


__all__ = ["one_thread"]
