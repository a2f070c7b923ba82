"""A readers-writer lock: FAISS searches are safe to run concurrently with each other, never with ``add``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


class RWLock:
    """Many readers or one writer; a waiting writer blocks new readers so steady searches cannot starve writes.

    Not reentrant: taking ``read`` twice in one thread deadlocks once a writer is waiting.
    """

    def __init__(self, on_write_release: Callable[[], None] | None = None) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._long_readers = 0  # readers that hold the lock for long (a snapshot written): see long_read
        # Runs as each writer lets go, still exclusive: applies what `write_or_defer` put aside meanwhile.
        self._on_write_release = on_write_release

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def long_read(self) -> Iterator[None]:
        """A read that may last (seconds: an index streamed to a file). A writer that waited for it would hold off
        every new reader meanwhile, so writers that can wait check `long_read_held` and come back later."""
        with self._cond:
            self._long_readers += 1
        try:
            with self.read():
                yield
        finally:
            with self._cond:
                self._long_readers -= 1

    @property
    def long_read_held(self) -> bool:
        return self._long_readers > 0

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                self._cond.wait_for(lambda: not self._writing and not self._readers)
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            self._release_write()

    @contextlib.contextmanager
    def write_or_defer(self, defer: Callable[[], None]) -> Iterator[bool]:
        """Write access (yields True) unless another writer holds or takes the lock first: then `defer` is called
        at once (under the lock's mutex, so that writer's release hook sees what it put aside) and this yields
        False without waiting. For short changes that must not wait behind a long one (a tombstone behind an
        HNSW add of a whole chunk)."""
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    if self._writing:
                        defer()
                        break
                    self._cond.wait()
                acquired = not self._writing
            finally:
                self._writers_waiting -= 1
            if acquired:
                self._writing = True
        if not acquired:
            yield False
            return
        try:
            yield True
        finally:
            self._release_write()

    def _release_write(self) -> None:
        with self._cond:
            try:
                if self._on_write_release is not None:
                    self._on_write_release()
            finally:
                self._writing = False
                self._cond.notify_all()
