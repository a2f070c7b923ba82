"""RateMeter: events per second over a sliding window."""

from __future__ import annotations

from weavebind.storage.throughput import RateMeter


def test_rate_counts_only_the_window():
    meter = RateMeter(window=2.0)
    meter.add(100, now=10.0)
    meter.add(300, now=11.0)
    assert meter.rate(now=11.5) == 200.0
    assert meter.rate(now=12.5) == 150.0  # the first 100 left the window
    assert meter.rate(now=13.5) == 0.0


def test_nothing_counted_is_zero():
    meter = RateMeter()
    meter.add(0, now=1.0)
    assert meter.rate(now=1.0) == 0.0
