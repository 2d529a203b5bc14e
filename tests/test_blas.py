"""Query-time products run on one BLAS thread; overlapping queries share the limit and restore it together."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from tkgmem.blas import one_thread


def _blas_threads() -> set[int]:
    np.ones(2) @ np.ones(2)  # BLAS loaded
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def test_overlapping_queries_restore_blas_threads_when_the_last_one_ends() -> None:
    before = _blas_threads()
    one_thread.__enter__()  # a query on one thread
    one_thread.__enter__()  # another query starts on a second thread before the first ends
    one_thread.__exit__(None, None, None)
    assert _blas_threads() == {1}  # the second query still runs on one thread
    one_thread.__exit__(None, None, None)
    assert _blas_threads() == before
