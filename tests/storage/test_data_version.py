"""DataVersionCache: the change counters are read again after every commit to the SQLite file, by any connection of
any process, and not otherwise; per thread; and a store over SQLite never misses another store's write."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import uuid

import numpy as np
import pytest

from weavebind.storage.data_version import DataVersionCache, sqlite_file
from weavebind.storage.db import create_read_engine, sqlite_database
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

FLAT = {"": ("flat", {"distance": "l2-squared"})}


class CountingReader:
    """Reads the table's row count through a connection of its own, counting the reads."""

    def __init__(self, path: str):
        self.path, self.reads = path, 0

    def __call__(self) -> int:
        self.reads += 1
        with sqlite3.connect(self.path) as conn:
            return conn.execute("SELECT count(*) FROM t").fetchone()[0]


def _database(tmp_path) -> str:
    path = str(tmp_path / "db.sqlite")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (n INTEGER)")
    return path


@pytest.fixture
def probed(tmp_path):
    """(database path, counting reader, cache over it); the cache is closed afterwards."""
    path = _database(tmp_path)
    reader = CountingReader(path)
    cache = DataVersionCache(path, reader)
    yield path, reader, cache
    cache.close()


def _insert(path: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO t VALUES (1)")


def test_the_answer_is_reused_until_another_connection_commits(probed):
    path, reader, cache = probed
    assert [cache.get() for _ in range(5)] == [0] * 5
    assert reader.reads == 1
    _insert(path)
    assert cache.get() == 1
    assert reader.reads == 2
    with sqlite3.connect(path) as conn:
        conn.execute("SELECT count(*) FROM t").fetchone()  # a read is not a change
    assert cache.get() == 1
    assert reader.reads == 2


def test_a_commit_by_another_process_is_seen_at_the_next_get(probed):
    path, reader, cache = probed
    for expected in range(1, 4):
        cache.get()
        subprocess.run([sys.executable, "-c", f"import sqlite3; c = sqlite3.connect({path!r}); "
                        "c.execute('INSERT INTO t VALUES (1)'); c.commit()"], check=True)
        assert cache.get() == expected
    assert reader.reads == 4


def test_each_thread_reads_for_itself(probed):
    _, reader, cache = probed
    cache.get()
    other = threading.Thread(target=cache.get)
    other.start()
    other.join()
    assert reader.reads == 2
    cache.get()
    assert reader.reads == 2


def test_after_close_every_get_reads(probed):
    _, reader, cache = probed
    cache.get()
    cache.close()
    assert [cache.get() for _ in range(3)] == [0] * 3
    assert reader.reads == 4


def test_only_a_plain_sqlite_file_is_probed():
    assert sqlite_file("sqlite:////tmp/x/db.sqlite") == "/tmp/x/db.sqlite"
    assert sqlite_file("sqlite:///relative.sqlite") == "relative.sqlite"
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("sqlite:///file:db?mode=ro&uri=true") is None
    assert sqlite_file("postgresql+psycopg://u:p@localhost/db") is None
    # the per-thread read engine takes any SQLite database every connection sees alike, options included
    assert sqlite_database("sqlite:///file:db?mode=ro&uri=true") == "file:db"
    assert sqlite_database("sqlite:///:memory:") is None and sqlite_database("postgresql://u@h/db") is None
    assert create_read_engine("sqlite://") is None


def test_a_store_over_sqlite_sees_every_write_of_another_store_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    writer = Store(url, tmp_path / "a", snapshot_seconds=3600, shared=True)
    writer.save_class("C", {"class": "C"}, FLAT)
    writer.open({"C": FLAT})
    reader = Store(url, tmp_path / "b", snapshot_seconds=3600, shared=True)
    reader.open({"C": FLAT})
    try:
        assert reader.follower.marks is not None  # the cached check is what this test exercises
        missed = 0
        for n in range(300):
            writer.put([ObjectRecord("C", str(uuid.UUID(int=n + 1)), {}, 1, 1, {"": np.array([n, 0], np.float32)})])
            missed += not reader.behind()
            reader.sync()
            missed += reader.behind()
            if n % 50 == 0:
                writer.delete("C", [str(uuid.UUID(int=n + 1))])
                missed += not reader.behind()
                reader.sync()
        assert missed == 0
        assert reader.counts_by_class()["C"] == writer.counts_by_class()["C"] == 294
    finally:
        writer.close()
        reader.close()
