"""Counts per second over a short sliding window: how fast writes are acknowledged and vectors indexed.

`/v1/nodes` reports these as `batchStats.ratePerSecond`; the clients' dynamic batching sizes its requests from it.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class RateMeter:
    """Events per second over the last `window` seconds. Thread-safe; `add` is O(1) amortised."""

    def __init__(self, window: float = 2.0):
        self.window = window
        self._events: deque[tuple[float, int]] = deque()
        self._total = 0
        self._lock = threading.Lock()

    def add(self, count: int, now: float | None = None) -> None:
        if count <= 0:
            return
        stamp = time.monotonic() if now is None else now
        with self._lock:
            self._events.append((stamp, count))
            self._total += count
            self._expire(stamp)

    def rate(self, now: float | None = None) -> float:
        stamp = time.monotonic() if now is None else now
        with self._lock:
            self._expire(stamp)
            return self._total / self.window

    def _expire(self, now: float) -> None:
        while self._events and self._events[0][0] <= now - self.window:
            self._total -= self._events.popleft()[1]
