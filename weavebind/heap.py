"""Giving freed memory back to the system after a large request (glibc only; elsewhere a no-op)."""

from __future__ import annotations

import ctypes
import functools
import os
from typing import Any

LARGE = 1 << 20  # bytes of a request value from which the heap is trimmed after it is done with
MMAP_THRESHOLD = 1 << 20  # blocks from this size get their own mapping, given back to the system once freed
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


@functools.cache
def _glibc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, macOS): nothing to trim
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def tune() -> None:
    """Fix glibc's mmap threshold at MMAP_THRESHOLD (unless the environment sets MALLOC_MMAP_THRESHOLD_). By
    default glibc serves a block of up to 32 MiB from an arena once a block of that size was freed (the threshold
    grows to the largest block freed), and an arena keeps freed memory unless a whole region at its top is free: the
    copies of a 16 MB body, made one after the other in the event loop's arena and in a worker thread's, stayed
    resident together (5x the body at the peak against 3x for 50 MB, and ~70 MB after the request). A fixed
    threshold also turns off that growth; blocks of 1 MiB and more then cost a mapping each (page faults on first
    touch), which a batch of vectors of that size does not notice."""
    libc = _glibc()
    if libc is not None and "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def trim() -> None:
    """Return the free memory of every malloc arena to the system: for what many small blocks held, e.g. the slices
    gRPC's core receives a message in, which glibc keeps once freed."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
