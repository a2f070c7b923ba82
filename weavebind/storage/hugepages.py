"""Transparent huge pages for FAISS's index memory (Linux).

An HNSW search hops between vectors and neighbour lists spread over hundreds of MB; with 4 KiB pages nearly every
hop also misses the TLB. Backed by 2 MiB pages, one 100k x 512-d search (efSearch 100, one thread) took 256 us
instead of 350 us on the benchmark machine. Most distributions set THP to `madvise`, so the memory has to ask for
it: each buffer's whole mapping is advised (MADV_HUGEPAGE, so pages faulted in later as the index grows come huge),
and what is already there is converted at once (MADV_COLLAPSE, Linux 6.1+; older kernels leave it to khugepaged).
Only speed depends on this: any failure (another OS, THP disabled, an old kernel) is ignored.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from collections.abc import Iterable

log = logging.getLogger("weavebind.hugepages")

MADV_HUGEPAGE = 14
MADV_COLLAPSE = 25
HUGE_PAGE = 2 << 20
MIN_BYTES = 8 * HUGE_PAGE  # smaller buffers fit the TLB's reach anyway


def _madvise():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    except OSError:
        return None
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return madvise


_MADVISE = _madvise()


def mapping_of(address: int, maps: Iterable[str]) -> tuple[int, int] | None:
    """(start, end) of the memory mapping holding `address`, from /proc/self/maps lines."""
    for line in maps:
        low, _, high = line.partition(" ")[0].partition("-")
        start, end = int(low, 16), int(high, 16)
        if start <= address < end:
            return start, end
    return None


def huge_range(start: int, end: int) -> tuple[int, int] | None:
    """The 2 MiB-aligned part of [start, end), or None when it is too small to matter."""
    low = -(-start // HUGE_PAGE) * HUGE_PAGE
    high = end // HUGE_PAGE * HUGE_PAGE
    return (low, high) if high - low >= MIN_BYTES else None


def back_with_huge_pages(buffers: Iterable[tuple[int, int]]) -> int:
    """Advise and collapse the mappings holding these (address, size) buffers; returns the bytes advised."""
    buffers = [(address, size) for address, size in buffers if size >= MIN_BYTES]
    if _MADVISE is None or not buffers:
        return 0
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.readlines()
    except OSError:
        return 0
    advised = 0
    for address, size in buffers:
        mapping = mapping_of(address, lines)
        # Past the used bytes, up to the end of the mapping: a growing buffer (std::vector doubles its capacity)
        # fills the rest later. Bounded, because the kernel merges neighbouring mappings into one.
        end = min(mapping[1], address + 2 * size) if mapping else address + size
        span = huge_range(address, max(end, address + size))
        if span is None:
            continue
        length = span[1] - span[0]
        if _MADVISE(span[0], length, MADV_HUGEPAGE) != 0:
            log.debug("madvise(MADV_HUGEPAGE) failed: errno %d", ctypes.get_errno())
            continue
        _MADVISE(span[0], length, MADV_COLLAPSE)  # best effort: khugepaged does it later otherwise
        advised += length
    return advised
