"""A bound on the vectors waiting for the background indexer, held by making writes wait (back-pressure).

Imports are acknowledged at SQL's pace and indexed at HNSW's, several times slower (storage/pending.py), so a long
import piles vectors up in the pending buffer, in memory: 855 MB after 1M × 256-d, and ~8.6 GB after 10M. Past the
limit, a write that carries vectors waits until the indexer has brought the buffer back under it, so a large
import goes at the indexer's pace from there on instead of running the server out of memory. What is waited for is
an estimate: the writes' bytes added since the indexer last measured the buffer (after each of its chunks).
"""

from __future__ import annotations

import threading

WAIT_SECONDS = 60.0  # a write never waits longer (an indexer held up that long must not stop imports for good)


class BacklogLimit:
    def __init__(self, limit_bytes: int):
        self.limit_bytes = limit_bytes  # 0: no limit
        self.estimate = 0  # bytes of pending vectors: measured by the indexer, plus what writes added since
        self._room = threading.Condition(threading.Lock())

    def added(self, nbytes: int) -> None:
        with self._room:
            self.estimate += nbytes

    def measured(self, nbytes: int) -> None:
        """The indexer's count of the pending bytes; lets waiting writes go once it is under the limit."""
        with self._room:
            self.estimate = nbytes
            if not self.over():
                self._room.notify_all()

    def over(self) -> bool:
        return bool(self.limit_bytes) and self.estimate > self.limit_bytes

    def wait_for_room(self, timeout: float = WAIT_SECONDS) -> bool:
        """Block while the buffer is over the limit; False when `timeout` passed first."""
        with self._room:
            return self._room.wait_for(lambda: not self.over(), timeout)
