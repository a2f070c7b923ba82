"""How the supervisor merges the workers' published views of the store (weavebind/store_metrics.py): real files in
a real directory, as the workers write them."""

from __future__ import annotations

import json
from pathlib import Path

from weavebind.store_metrics import StateCollector, StoreState, changed_at, forget_worker


def publish(directory: Path, pid: int, changed: float, objects: list, sizes: list, queues: list) -> None:
    view = {"changed": changed, "objects": objects, "sizes": sizes, "queues": queues}
    (directory / f"store_state_{pid}.json").write_text(json.dumps(view))


def collected(directory: Path) -> dict[str, dict[tuple, float]]:
    """metric name → {label values: value}."""
    return {family.name: {tuple(s.labels.values()): s.value for s in family.samples}
            for family in StateCollector(str(directory)).collect()}


def test_counts_come_from_the_newest_view_and_the_queue_is_the_longest(tmp_path):
    # Worker 1 has not caught up: it still has class Old (deleted since) and fewer Doc objects.
    publish(tmp_path, 1, 100.0, [["Doc", "", 5], ["Old", "", 7]], [["Doc", "", "", 5], ["Old", "", "", 7]],
            [["Doc", "", "", 4], ["Old", "", "", 1]])
    publish(tmp_path, 2, 200.0, [["Doc", "", 9]], [["Doc", "", "", 9]], [["Doc", "", "", 2]])
    got = collected(tmp_path)
    assert got["object_count"] == {("Doc", ""): 9}
    assert got["vector_index_size"] == {("Doc", "", ""): 9}
    assert got["queue_size"] == {("Doc", "", ""): 4, ("Old", "", ""): 1}
    forget_worker(str(tmp_path), 1)  # the lagging worker died
    assert collected(tmp_path)["queue_size"] == {("Doc", "", ""): 2}


def test_tenants_and_target_vectors_keep_their_labels(tmp_path):
    publish(tmp_path, 1, 1.0, [["Mt", "", 3]], [["Mt", "t1", "a", 2], ["Mt", "t2", "b", 1]],
            [["Mt", "t1", "a", 0], ["Mt", "t2", "b", 1]])
    got = collected(tmp_path)
    assert got["vector_index_size"] == {("Mt", "t1", "a"): 2, ("Mt", "t2", "b"): 1}
    assert got["queue_size"] == {("Mt", "t1", "a"): 0, ("Mt", "t2", "b"): 1}


def test_no_views_give_empty_gauges_and_foreign_or_broken_files_are_skipped(tmp_path):
    assert collected(tmp_path) == {"object_count": {}, "vector_index_size": {}, "queue_size": {}}
    (tmp_path / "store_state_7.json").write_text('{"changed": 1, "objec')  # cut short
    (tmp_path / "store_state_8.json").write_text('["not", "a", "view"]')
    (tmp_path / "store_state_9.json.tmp").write_text("{}")  # a view being written
    (tmp_path / "counter_9.db").write_bytes(b"\0" * 8)  # prometheus_client's, not ours
    assert collected(tmp_path)["object_count"] == {}
    publish(tmp_path, 3, 5.0, [["Doc", "", 1]], [], [])
    assert collected(tmp_path)["object_count"] == {("Doc", ""): 1}


def test_a_view_counts_as_changed_when_its_objects_or_vectors_change_not_its_queue():
    before = StoreState([["Doc", "", 2]], [["Doc", "", "", 2]], [["Doc", "", "", 2]])
    drained = StoreState([["Doc", "", 2]], [["Doc", "", "", 2]], [["Doc", "", "", 0]])
    assert changed_at(before, drained, since=10.0, now=20.0) == 10.0
    grown = StoreState([["Doc", "", 3]], [["Doc", "", "", 3]], [["Doc", "", "", 1]])
    assert changed_at(drained, grown, since=10.0, now=20.0) == 20.0
    deleted = StoreState([], [], [])
    assert changed_at(grown, deleted, since=20.0, now=30.0) == 30.0
    assert changed_at(None, deleted, since=0.0, now=40.0) == 40.0  # the first view, at start-up
