"""The background indexer: moves pending vectors into FAISS in small chunks and compacts tombstones when idle.

Small chunks keep each FAISS write short, because a FAISS add excludes searches on the same index.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

import faiss
import numpy as np

from weavebind import heap
from weavebind.storage import faiss_factory as ff

if TYPE_CHECKING:
    from weavebind.storage.indexes import IndexManager

log = logging.getLogger("weavebind.indexer")
CHUNK_ROWS = 1000
BUSY_SECONDS = 0.5  # a write this recent means an import is running
# While searches arrive, one FAISS add may hold an index for about this long: a search waits for the add in
# progress (FAISS cannot search an HNSW graph while it grows), and 1,000 rows took ~1 s on one core (128-d, M=32).
SEARCHING_SECONDS = 1.0
# 2 ms: against 4 ms (grown by the backlog from its first row), the mixed benchmark's read p99 was lower in 7 of 7
# alternating pairs, by 0.5-13 ms (docs/benchmarks.md): an indexer descheduled while it holds the index keeps
# every search waiting, and a shorter hold is less often cut.
ADD_BUDGET_SECONDS = 0.002
# Past BACKLOG_ROWS pending rows the budget grows in proportion to the backlog, so an indexer that searches keep to
# small chunks still catches up (the exact scan of the buffer grows with it, ~1 ms per 20,000 × 128-d).
BACKLOG_ROWS = 40_000
MAX_BUDGET_SECONDS = 0.05
MIN_ROWS = 4
YIELD_SECONDS = 0.001
SAVED_WAIT_SECONDS = 0.01
# The pending buffer's chunks the indexer empties are freed into malloc's arenas, which keep them (1,000 rows of
# 256-d are just under the mmap threshold, weavebind/heap.py), while FAISS's arrays grow elsewhere: a server that
# indexed 200,000 × 256-d held 90 MB more than after a restart, 380 MB at 1M. Trimming after every TRIM_BYTES of
# vectors moved and once the backlog is drained gives them back (~4 ms per trim of 64 MB).
TRIM_BYTES = 64 << 20


class Indexer:
    def __init__(self, manager: IndexManager):
        self.manager = manager
        self.event = threading.Event()
        self.stopping = False
        self.thread: threading.Thread | None = None
        self.start_lock = threading.Lock()
        # OpenMP thread counts are per calling thread, so setting them here leaves searches at FAISS's default.
        self.cores = faiss.omp_get_max_threads()
        self.seconds_per_row = 0.0  # of recent adds (moving average): sizes the chunks while searches run
        self.moved_bytes = 0  # vector bytes moved out of the pending buffer since the heap was last trimmed

    def wake(self) -> None:
        if self.manager.role == "map":  # a worker that searches what worker 0 builds (storage/published.py)
            return
        with self.start_lock:
            if self.thread is None and not self.stopping:
                self.thread = threading.Thread(target=self._run, name="weavebind-indexer", daemon=True)
                self.thread.start()
        self.event.set()

    def stop(self) -> None:
        self.stopping = True
        self.event.set()
        if self.thread is not None:
            self.thread.join(timeout=60)

    def _run(self) -> None:
        # At normal priority. A niced indexer (nice 10, until 2026-12-05) yielded the CPU to requests, but it holds
        # the index while it adds, and descheduled then it kept every search waiting: in 4 alternating pairs of the
        # mixed benchmark, nice 0 cut the searches' lock wait p99 from 14-16 to 11-13.5 ms and indexed 5-30 % more
        # rows, read p99 lower in 3 of 4 (docs/benchmarks.md).
        while not self.stopping:
            self.event.wait()
            self.event.clear()
            try:
                while not self.stopping and self.step():
                    pass
                self._trim(drained=True)
                if not self.stopping:
                    self.compact_idle()
                    self.huge_pages_idle()
            except Exception:  # never let the thread die: pending vectors stay searchable by exact scan
                log.exception("background indexing failed; will retry on the next write")

    def step(self) -> bool:
        """Index one chunk of one index; False when nothing is queued."""
        manager = self.manager
        with manager.lock:
            queued = [t for t in manager.indexes.values() if t.pending.queued]
            manager.backlog.measured(sum(len(t.pending) * (t.dim or 0) * 4 for t in queued))
            # An index a snapshot is streaming out waits: the add would hold off every search until the file is
            # written (a waiting writer blocks new readers). Its rows stay pending, searched exactly meanwhile.
            work = next((t for t in queued if not t.index.being_saved), None)
            batch = work.pending.take(self.chunk_rows(len(work.pending))) if work is not None else None
        if not queued:
            return False
        if work is None:
            time.sleep(SAVED_WAIT_SECONDS)
            return True
        if batch is None:
            return True
        labels, matrix = batch
        # One core while writes arrive (the request path acknowledges them), every core once imports pause.
        busy = time.monotonic() - manager.last_write < BUSY_SECONDS
        ff.use_threads(1 if busy else self.cores)
        per_row = work.index.add(labels, matrix) / len(labels)
        self.seconds_per_row = per_row if not self.seconds_per_row else 0.8 * self.seconds_per_row + 0.2 * per_row
        if work.index.needs_compression:  # trainingLimit reached: train and rebuild compressed, here, not on a request
            work.index.compact()
        with manager.lock:
            discarded = [int(x) for x in labels if int(x) not in work.pending]
            if discarded:  # updated or deleted while being indexed
                work.index.remove(np.asarray(discarded, dtype=np.int64))
            work.pending.done(labels)
            work.dirty = True
        manager.indexed.add(len(labels))
        self.moved_bytes += matrix.nbytes
        self._trim(drained=False)
        if len(labels) < CHUNK_ROWS:
            time.sleep(YIELD_SECONDS)  # the searches that waited for this add run before the next one
        return True

    def _trim(self, drained: bool) -> None:
        """Give the freed pending chunks back to the system (TRIM_BYTES)."""
        if self.moved_bytes >= TRIM_BYTES or (drained and self.moved_bytes):
            self.moved_bytes = 0
            heap.trim()

    def chunk_rows(self, backlog: int = 0) -> int:
        """Rows per FAISS add: all CHUNK_ROWS when nobody searches; while searches arrive, as many as fit the add
        budget (larger as the backlog grows), so a search never waits long for the indexer."""
        if time.monotonic() - self.manager.last_search > SEARCHING_SECONDS or not self.seconds_per_row:
            return CHUNK_ROWS
        budget = min(MAX_BUDGET_SECONDS, ADD_BUDGET_SECONDS * max(1.0, backlog / BACKLOG_ROWS))
        return max(MIN_ROWS, min(CHUNK_ROWS, int(budget / self.seconds_per_row)))

    def compact_idle(self) -> None:
        with self.manager.lock:
            candidates = [t for t in self.manager.indexes.values()
                          if t.index.needs_compaction or t.index.needs_compression]
        for target_index in candidates:
            target_index.index.compact()
            target_index.dirty = True

    def huge_pages_idle(self) -> None:
        with self.manager.lock:
            indexes = [t.index for t in self.manager.indexes.values()]
        for index in indexes:
            index.use_huge_pages()

    def drain(self, timeout: float = 600) -> bool:
        """Wait until nothing is pending (tests and benchmarks); True when drained."""
        deadline = time.monotonic() + timeout
        self.wake()
        while self.manager.pending_count():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True
