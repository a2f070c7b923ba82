"""Dynamic batching: requests that arrive while the model is busy (or within `max_wait_s` of each other) share one
forward pass, up to `max_batch` forward items.

One `Batcher` per request key owns a worker thread. `submit(inputs)` queues a (n, ...) tensor and answers a future
of its (n, dim) vectors. The worker takes the first waiting job, then every job already queued, then waits up to
`max_wait_s` for more while the batch has room; it concatenates them, runs the forward pass in chunks of at most
`max_batch` forward items (an ImageBind video item is 15 of them) and hands each job its rows.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import torch

log = logging.getLogger("weavebind.models")
# Workers still parked in torch at interpreter exit abort the process ("terminate called without an active
# exception"); every live batcher is stopped before the interpreter shuts down.
_live: weakref.WeakSet[Batcher] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for batcher in list(_live):
        batcher.close()


@dataclass
class Job:
    inputs: torch.Tensor
    future: Future = field(default_factory=Future)


class Batcher:
    def __init__(self, name: str, forward: Callable[[torch.Tensor], torch.Tensor], max_batch: int,
                 max_wait_s: float, clips: int = 1):
        self.name = name
        self.forward = forward
        self.max_wait_s = max_wait_s
        self.rows_per_pass = max(1, max_batch // clips)
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        _live.add(self)

    def submit(self, inputs: torch.Tensor) -> Future:
        job = Job(inputs)
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.name}: the model was closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=f"batcher-{self.name}", daemon=True)
                self._thread.start()
            self._queue.put(job)
        return job.future

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs, stop = self._collect(first)
            self._run(jobs)
            if stop:
                return

    def _collect(self, first: Job) -> tuple[list[Job], bool]:
        jobs, rows = [first], len(first.inputs)
        deadline = time.monotonic() + self.max_wait_s
        while rows < self.rows_per_pass:
            remaining = deadline - time.monotonic()
            try:
                job = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return jobs, True
            jobs.append(job)
            rows += len(job.inputs)
        return jobs, False

    def _run(self, jobs: list[Job]) -> None:
        jobs = [job for job in jobs if job.future.set_running_or_notify_cancel()]
        if not jobs:
            return
        try:
            batch = jobs[0].inputs if len(jobs) == 1 else torch.cat([job.inputs for job in jobs])
            step = self.rows_per_pass
            parts = [self.forward(batch[start:start + step]) for start in range(0, len(batch), step)]
            vectors = parts[0] if len(parts) == 1 else torch.cat(parts)
        except BaseException as exc:  # noqa: BLE001 - every waiting request gets the failure, the worker lives on
            log.exception("%s: forward pass failed", self.name)
            for job in jobs:
                job.future.set_exception(exc)
            return
        start = 0
        for job in jobs:
            job.future.set_result(vectors[start:start + len(job.inputs)])
            start += len(job.inputs)
