"""numpy's BLAS on one thread per call in the server.

OpenBLAS splits a large enough matrix-vector product over every core by default. A server already runs several
requests at once, one per thread: their products then fight for the same cores and OpenBLAS's shared thread pool,
and on a busy machine its threads spin. Scoring 18,000 pending 128-d vectors took 18 ms that way on 2 busy cores
against 0.25 ms on one thread. The setting follows OPENBLAS_NUM_THREADS (and the like) when the environment sets
one; FAISS's OpenMP threads are not touched (the indexer sets them: storage/indexer.py)."""

from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

_OVERRIDES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def one_thread_per_call() -> None:
    if any(name in os.environ for name in _OVERRIDES):
        return
    threadpool_limits(limits=1, user_api="blas")
