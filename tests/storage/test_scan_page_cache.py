"""A scan of a whole class on SQLite (filter and keyword index builds, the index load at start) gives its connection's
page cache back: SQLite's own count of the memory it holds drops to near nothing, where the cache would keep up to
64 MiB per pooled connection. The count is SQLite's process-wide `sqlite3_memory_used`, read through ctypes from
the library Python's sqlite3 module is linked with."""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import uuid

import numpy as np
import pytest

from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

FLAT = {"": ("flat", {"distance": "l2-squared"})}
LIBRARY = ctypes.CDLL(ctypes.util.find_library("sqlite3"))
LIBRARY.sqlite3_memory_used.restype = ctypes.c_int64
MB = 1 << 20


def sqlite_memory_mb() -> float:
    return LIBRARY.sqlite3_memory_used() / MB


@pytest.fixture
def filled(tmp_path):
    """(store on SQLite with ~40 MB of objects, SQLite's memory before it): the writes' connections are closed, so
    what remains is what a scan keeps (SQLite's count is process-wide: other tests' connections are in the base)."""
    base = sqlite_memory_mb()
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = Store(url, tmp_path / "data", snapshot_seconds=3600)
    store.save_class("C", {"class": "C"}, FLAT)
    store.open({"C": FLAT})
    store.put([ObjectRecord("C", str(uuid.UUID(int=i + 1)), {"text": f"{i} " + "x" * 2000}, 1, 1,
                            {"": np.array([i, 0], np.float32)}) for i in range(20000)])
    store.engine.dispose()
    yield store, base
    store.close()


def test_a_whole_class_scan_gives_its_page_cache_back(filled):
    store, base = filled
    assert sum(1 for _ in store.iter_class("C")) == 20000
    assert sqlite_memory_mb() - base < 8


def test_a_scan_stopped_early_gives_it_back_too(filled):
    store, base = filled
    scan = store.iter_class("C")
    assert [next(scan).uuid for _ in range(3)] == [str(uuid.UUID(int=i + 1)) for i in range(3)]
    scan.close()
    assert sqlite_memory_mb() - base < 8
    assert sum(1 for _ in store.iter_class("C")) == 20000  # and the connection still reads


def test_loading_the_indexes_at_start_gives_it_back(tmp_path):
    """A second store on the same files with no snapshot to load (the first never wrote one) reads every label and
    vector from SQL: ~20 MB of vectors through its connection."""
    base = sqlite_memory_mb()
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    first = Store(url, tmp_path / "data", snapshot_seconds=3600)
    first.save_class("C", {"class": "C"}, FLAT)
    first.open({"C": FLAT})
    vectors = np.random.default_rng(0).random((20000, 256), dtype=np.float32)
    first.put([ObjectRecord("C", str(uuid.UUID(int=i + 1)), {}, 1, 1, {"": vectors[i]}) for i in range(20000)])
    first.engine.dispose()  # its connections' caches are not what this test measures
    second = Store(url, tmp_path / "other", snapshot_seconds=3600)
    second.open({"C": FLAT})
    try:
        assert sqlite_memory_mb() - base < 8
        assert second.search("C", "", vectors[7], 1)[0][0] == str(uuid.UUID(int=8))
    finally:
        second.close()
        first.close()


def test_threads_reading_objects_by_id_keep_small_caches(filled):
    """Each thread reads through a connection of its own (SingletonThreadPool); with the 64 MiB cache of the pooled
    connections, 4 threads reading 3,000 random objects each would keep ~12 MB of pages apiece."""
    store, base = filled
    found: list[int] = []

    def read(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(300):
            ids = [str(uuid.UUID(int=int(n) + 1)) for n in rng.choice(20000, 10, replace=False)]
            found.append(len(store.get_many("C", ids)))

    threads = [threading.Thread(target=read, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [10] * 1200
    assert sqlite_memory_mb() - base < 4 * 2 + 4
