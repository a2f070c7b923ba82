"""Huge pages for FAISS's memory (weavebind/storage/hugepages.py): only speed may depend on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from weavebind.storage import hugepages
from weavebind.storage.vector_index import IndexConfig, VectorIndex

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")


def _thp_available() -> bool:
    return hugepages._MADVISE is not None and THP.exists() and "[never]" not in THP.read_text()


def test_the_mapping_holding_an_address_is_found_in_proc_maps():
    lines = ["7f0000000000-7f0000400000 rw-p 00000000 00:00 0 \n",
             "7f0000400000-7f0004400000 rw-p 00000000 00:00 0 \n"]
    assert hugepages.mapping_of(0x7f0000400010, lines) == (0x7f0000400000, 0x7f0004400000)
    assert hugepages.mapping_of(0x10, lines) is None


def test_only_whole_huge_pages_of_big_enough_ranges_are_advised():
    huge = hugepages.HUGE_PAGE
    assert hugepages.huge_range(huge + 16, 20 * huge + 5) == (2 * huge, 20 * huge)
    assert hugepages.huge_range(0, hugepages.MIN_BYTES - 1) is None


def test_a_big_index_is_backed_once_and_answers_the_same():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(10_000, 512)).astype(np.float32)  # 20 MB of stored vectors
    index = VectorIndex(IndexConfig(index_type="flat", distance="cosine"))
    index.add(np.arange(1, 10_001), data)
    before = index.search(data[7], 10)
    advised = index.use_huge_pages()
    assert (advised >= 16 << 20) if _thp_available() else advised >= 0
    assert index.use_huge_pages() == 0  # unchanged since: nothing to do
    after = index.search(data[7], 10)
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1]) and after[0][0] == 8


def test_small_buffers_and_empty_indexes_are_left_alone():
    assert hugepages.back_with_huge_pages([(0x1000, 4096)]) == 0
    assert VectorIndex(IndexConfig(index_type="hnsw", distance="cosine")).use_huge_pages() == 0
