"""Whether a SQLite file changed since this thread last looked, for the per-request check of other workers' writes.

SQLite's `PRAGMA data_version` gives a connection a number that changes whenever any other connection (of this
process or another one) commits to the file. Reading it takes ~3 µs; reading the change counters through
SQLAlchemy took ~70-140 µs per request, which was most of what a second worker cost per query. So each thread keeps
one private connection that only ever asks that question, and the counters read last on that thread are reused
while the answer is the same.

The version is read before the counters: a commit that lands between the two changes the version after the one
remembered, so the next check reads the counters again. Reading them in the other order could remember old counters
under a version that already covers the commit.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from weavebind.storage.db import sqlite_database

T = TypeVar("T")


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names, or None where a private connection would not see the same database (other
    databases, in-memory SQLite, URI file names with their own options)."""
    return sqlite_database(url, plain_file=True)


class DataVersionCache(Generic[T]):
    """`read()`'s last answer on the calling thread, reused while no connection committed to the file since."""

    def __init__(self, path: str, read: Callable[[], T]):
        self.path = path
        self.read = read
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False

    def get(self) -> T:
        state = self._local
        conn = None if self._closed else getattr(state, "conn", None) or self._connect()
        if conn is None:  # closed: no more cached answers
            return self.read()
        try:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:  # closed meanwhile by another thread, or the file cannot be read: ask SQL itself
            return self.read()
        if getattr(state, "version", None) == version:
            return state.value
        value = self.read()
        state.version, state.value = version, value
        return value

    def _connect(self) -> sqlite3.Connection | None:
        with self._lock:
            if self._closed:
                return None
            # autocommit: the pragma must not leave a read transaction open (it would pin an old snapshot)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._connections.append(conn)
        self._local.conn = conn
        return conn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
