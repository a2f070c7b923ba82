"""Dynamic batching: concurrent submissions share forward passes, chunks respect the maximum (counted in clips),
each caller gets its own rows, and a failing pass fails only the callers in it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from weavebind.vectorizers.models.batching import Batcher


class Recorder:
    def __init__(self, delay: float = 0.0, fail_on: float | None = None):
        self.sizes: list[int] = []
        self.delay, self.fail_on = delay, fail_on

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        self.sizes.append(len(batch))
        time.sleep(self.delay)
        if self.fail_on is not None and bool((batch == self.fail_on).any()):
            raise RuntimeError("boom")
        return batch * 2


def test_concurrent_requests_share_a_forward_pass():
    forward = Recorder(delay=0.05)
    batcher = Batcher("t", forward, max_batch=64, max_wait_s=0.0)
    first = batcher.submit(torch.zeros(1, 1))  # occupies the model while the others queue
    time.sleep(0.01)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: batcher.submit(torch.full((2, 1), float(i))).result(), range(8)))
    assert first.result().shape == (1, 1)
    for i, rows in enumerate(results):
        assert torch.equal(rows, torch.full((2, 1), 2.0 * i))
    assert len(forward.sizes) < 9 and sum(forward.sizes) == 17
    batcher.close()


def test_max_wait_collects_requests_that_arrive_shortly_after():
    forward = Recorder()
    # A wait far above the 20 ms gaps: on a loaded machine a sleep can overshoot by a lot (seen: a 2 + 1 split).
    batcher = Batcher("t", forward, max_batch=64, max_wait_s=1.0)
    futures = []
    for i in range(3):
        futures.append(batcher.submit(torch.full((1, 1), float(i))))
        time.sleep(0.02)
    assert [float(f.result()[0, 0]) for f in futures] == [0.0, 2.0, 4.0]
    assert forward.sizes == [3]
    batcher.close()


def test_passes_are_cut_at_the_maximum_counted_in_clips():
    forward = Recorder()
    batcher = Batcher("video", forward, max_batch=32, max_wait_s=0.0, clips=15)  # 2 videos per pass
    out = batcher.submit(torch.arange(5.0).reshape(5, 1)).result()
    assert torch.equal(out, torch.arange(5.0).reshape(5, 1) * 2)
    assert forward.sizes == [2, 2, 1]
    batcher.close()


def test_a_failed_pass_fails_its_callers_and_the_worker_goes_on():
    gate = threading.Event()
    forward = Recorder(fail_on=7.0)
    batcher = Batcher("t", lambda b: (gate.wait(5), forward(b))[1], max_batch=64, max_wait_s=0.0)
    bad = batcher.submit(torch.full((1, 1), 7.0))
    gate.set()
    with pytest.raises(RuntimeError, match="boom"):
        bad.result(timeout=5)
    assert float(batcher.submit(torch.ones(1, 1)).result(timeout=5)[0, 0]) == 2.0
    batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit(torch.ones(1, 1))
