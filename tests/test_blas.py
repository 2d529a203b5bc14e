"""A query's products run on one BLAS thread, and the limit stays set (changing it per query is costly)."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from tkgmem.blas import one_thread


def _blas_threads() -> set[int]:
    # numpy's own BLAS, which the queries use: a library loaded later (scipy's, by another test) keeps its own
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"]}


def test_queries_switch_blas_to_one_thread_for_good() -> None:
    np.ones(2) @ np.ones(2)  # BLAS loaded
    with one_thread:
        assert _blas_threads() == {1}
    assert _blas_threads() == {1}  # not restored: the next query pays nothing
    with one_thread, one_thread:  # nested and repeated uses are harmless
        assert _blas_threads() == {1}
