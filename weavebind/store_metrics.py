"""Gauges of stored state (`object_count`, `vector_index_size`, `queue_size`): objects per class, vectors per index
and vectors waiting for the indexer.

One process: `StoreCollector` reads them from the store when Prometheus scrapes. Several worker processes
(`PROMETHEUS_MULTIPROC_DIR` set): a scrape reaches the supervisor, not the workers, so each worker's
`StatePublisher` writes its view of the store to a small JSON file in that directory every few seconds, and the
supervisor's `StateCollector` merges the files at scrape time. prometheus_client's own multiprocess gauges are not
used for these: a label set once written stays in their files for the life of the directory, so a deleted class or
tenant would be reported forever at its last value (and tenant churn would grow the files without bound). A
published view is replaced whole, so what is gone from the store is gone from the scrape.

How views merge: every worker sees the same database, so the figures are not summed. `object_count` and
`vector_index_size` come from the view whose objects or vectors changed most recently (Prometheus' `mostrecent`):
they change only when a worker learns of a write, so the newest view is the freshest and a worker that has not
caught up yet never wins (`changed_at`). `queue_size` is the largest over the workers (`max`): each worker indexes
for itself, and the operator's question is whether any of them falls behind.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger("weavebind")
REFRESH_SECONDS = 2.0  # how stale a worker's published view may be; shorter than any sensible scrape interval
STATE_PREFIX = "store_state_"  # not `*.db`: prometheus_client's MultiProcessCollector reads those
VIEW_KEYS = {"changed", "objects", "sizes", "queues"}


@dataclass
class StoreState:
    """One process's view: rows of [class, shard, count] and [class, shard, target vector, count]."""

    objects: list[list[Any]] = field(default_factory=list)
    sizes: list[list[Any]] = field(default_factory=list)
    queues: list[list[Any]] = field(default_factory=list)


def read_store_state(store: Any) -> StoreState:
    state = StoreState()
    for class_name, count in sorted(store.counts_by_class().items()):
        state.objects.append([class_name, "", count])
    for (key, target), (size, waiting) in sorted(store.indexes.snapshot_sizes().items()):
        class_name, _, tenant = key.partition("#")  # the tenant is Weaviate's shard of a tenant
        state.sizes.append([class_name, tenant, target, size])
        state.queues.append([class_name, tenant, target, waiting])
    return state


def state_families(state: StoreState) -> list[GaugeMetricFamily]:
    objects = GaugeMetricFamily("object_count", "Number of objects in the shard", labels=["class_name",
                                                                                        "shard_name"])
    size = GaugeMetricFamily("vector_index_size", "Vectors in the vector index (indexed and waiting)",
                             labels=["class_name", "shard_name", "target_vector"])
    queue = GaugeMetricFamily("queue_size", "Vectors waiting for the background indexer",
                              labels=["class_name", "shard_name", "target_vector"])
    for family, rows in ((objects, state.objects), (size, state.sizes), (queue, state.queues)):
        for *labels, value in rows:
            family.add_metric(labels, value)
    return [objects, size, queue]


class StoreCollector:
    """One process: the store's gauges, read when Prometheus scrapes."""

    def __init__(self, store: Any):
        self.store = store

    def describe(self) -> list:
        return []  # collected lazily: nothing to announce at registration

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from state_families(read_store_state(self.store))


def state_path(directory: str, pid: int) -> str:
    return os.path.join(directory, f"{STATE_PREFIX}{pid}.json")


def changed_at(before: StoreState | None, after: StoreState, since: float, now: float) -> float:
    """When a view last learned something: its objects or vectors changed. Its indexer draining the queue does not
    count, or a worker that has not caught up would pass for the freshest whenever its queue moved."""
    if before is not None and (before.objects, before.sizes) == (after.objects, after.sizes):
        return since
    return now


class StatePublisher:
    """A worker's thread that rewrites its state file when its view of the store changed."""

    def __init__(self, store: Any, directory: str):
        self.store = store
        self.path = state_path(directory, os.getpid())
        self.last: StoreState | None = None
        self.changed = 0.0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="weavebind-store-metrics", daemon=True)

    def start(self) -> None:
        self.publish()  # before the first request, so a scrape right after start-up sees this worker
        self.thread.start()
        atexit.register(self.stop)

    def publish(self) -> None:
        state = read_store_state(self.store)
        if state == self.last:
            return
        self.changed = changed_at(self.last, state, self.changed, time.time())
        temporary = f"{self.path}.tmp"
        with open(temporary, "w") as out:
            json.dump({"changed": self.changed, **asdict(state)}, out)
        os.replace(temporary, self.path)  # a reader sees the old view or the new one, never half of one
        self.last = state

    def _run(self) -> None:
        while not self.stopping.wait(REFRESH_SECONDS):
            try:
                self.publish()
            except Exception:  # a full disk or a store mid-change: keep the last view, try again next round
                log.warning("could not publish this worker's store metrics", exc_info=True)

    def stop(self) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        atexit.unregister(self.stop)
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)  # a stopped worker's view no longer counts


_publisher: StatePublisher | None = None


def publish_store_state(store: Any, directory: str) -> StatePublisher:
    """Start publishing this worker's view (once per process: a new store replaces the old one)."""
    global _publisher
    stop_publishing()
    _publisher = StatePublisher(store, directory)
    _publisher.start()
    return _publisher


def stop_publishing() -> None:
    global _publisher
    if _publisher is not None:
        _publisher.stop()
        _publisher = None


def forget_worker(directory: str, pid: int) -> None:
    """A worker died: its view no longer counts."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(state_path(directory, pid))


class StateCollector:
    """The supervisor's side: the workers' published views merged at scrape time (see the module's docstring)."""

    def __init__(self, directory: str):
        self.directory = directory

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        views = list(self._views())
        if not views:
            yield from state_families(StoreState())
            return
        newest = max(views, key=lambda view: view["changed"])
        longest: dict[tuple, float] = {}
        for view in views:
            for *labels, waiting in view["queues"]:
                longest[tuple(labels)] = max(waiting, longest.get(tuple(labels), waiting))
        merged = StoreState(newest["objects"], newest["sizes"], [[*k, v] for k, v in sorted(longest.items())])
        yield from state_families(merged)

    def _views(self) -> Iterator[dict]:
        for path in glob.glob(os.path.join(glob.escape(self.directory), f"{STATE_PREFIX}*.json")):
            try:
                with open(path) as source:
                    view = json.load(source)
            except (OSError, ValueError):  # removed by worker_exited since the glob, or not ours: skip it
                continue
            if isinstance(view, dict) and VIEW_KEYS <= view.keys():
                yield view
