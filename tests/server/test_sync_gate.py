"""The per-request sync is shared by requests that arrive together, and never skipped for a request that arrived
after a sync began (it might miss a write acknowledged in between)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from weavebind.server.cluster import SyncGate


class CountingStore:
    """Stands for a Store whose sync takes a while; counts syncs and remembers when each began."""

    local_reads = False

    def __init__(self, seconds: float = 0.05, fail: bool = False):
        self.seconds, self.fail = seconds, fail
        self.began: list[float] = []
        self.lock = threading.Lock()

    def behind(self) -> bool:
        return True

    def sync(self) -> None:
        with self.lock:
            self.began.append(time.monotonic())
        time.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("database gone")


def test_requests_arriving_together_share_one_sync_and_later_ones_wait_for_a_new_one():
    store = CountingStore()

    async def scenario() -> list[float]:
        gate = SyncGate(store)
        first = [asyncio.ensure_future(gate.wait()) for _ in range(20)]
        await asyncio.sleep(0.01)  # the first sync is running now
        arrived = time.monotonic()
        late = asyncio.ensure_future(gate.wait())
        await asyncio.gather(*first, late)
        return [arrived]

    arrived = asyncio.run(scenario())[0]
    assert len(store.began) == 2  # 20 requests, one sync; the late request needed a second
    assert store.began[1] >= arrived


def test_a_failed_sync_fails_its_requests_and_the_next_request_tries_again():
    store = CountingStore(seconds=0.01, fail=True)

    async def scenario() -> None:
        gate = SyncGate(store)
        with pytest.raises(RuntimeError):
            await gate.wait()
        store.fail = False
        await gate.wait()

    asyncio.run(scenario())
    assert len(store.began) == 2


def test_a_request_arriving_after_a_sync_finished_starts_its_own_without_spinning():
    store = CountingStore(seconds=0.0)

    async def scenario() -> None:
        gate = SyncGate(store)
        for _ in range(5):  # each finished sync's future is done before the next request awaits it
            await asyncio.wait_for(gate.wait(), timeout=5)

    asyncio.run(scenario())
    assert len(store.began) == 5


def test_a_finished_sync_not_yet_settled_does_not_spin_the_event_loop():
    store = CountingStore(seconds=0.0)
    finished: list[bool] = []

    async def scenario() -> None:
        gate = SyncGate(store)
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        gate.started, gate.current = 1, done  # a sync that finished, its waiters not yet back
        await gate.wait()
        finished.append(True)

    runner = threading.Thread(target=lambda: asyncio.run(scenario()), daemon=True)
    runner.start()
    runner.join(5)  # a spinning loop never returns
    assert finished == [True] and len(store.began) == 1
