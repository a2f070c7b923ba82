"""The store's background thread, one loop per index role (storage/published.py): a lone server or a node snapshots
its changed indexes; worker 0 of several also publishes them for its siblings; the siblings map what it publishes.
Each loop survives its failures: a missed snapshot only costs catch-up time at the next start."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from weavebind.storage import changes, published

if TYPE_CHECKING:
    from weavebind.storage.store import Store

log = logging.getLogger("weavebind.store")


def _snapshot_and_prune(store: Store) -> None:
    store.snapshot()
    changes.prune_deletes(store.engine)


def snapshot_loop(store: Store, stop: threading.Event) -> None:
    while not stop.wait(store.snapshot_seconds):
        try:
            _snapshot_and_prune(store)
        except Exception:
            log.exception("index snapshot failed")


def publish_loop(store: Store, stop: threading.Event) -> None:
    publisher, last_snapshot = published.Publisher(store.indexes), time.monotonic()
    while not stop.wait(published.PUBLISH_SECONDS):
        try:
            publisher.publish()
            if time.monotonic() - last_snapshot >= store.snapshot_seconds:
                last_snapshot = time.monotonic()
                _snapshot_and_prune(store)
        except Exception:
            log.exception("publishing the vector indexes failed")


def follow_loop(store: Store, stop: threading.Event) -> None:
    follower = published.Follower(store.indexes)
    while not stop.wait(published.FOLLOW_SECONDS):
        try:
            follower.follow()
        except Exception:  # until the next file, the pending buffer keeps every vector searchable
            log.exception("mapping a published vector index failed")


LOOPS = {"own": snapshot_loop, "publish": publish_loop, "map": follow_loop}
