"""Reading a few objects with their vectors looks them up by uuid (an index on class and uuid), not by walking every
vector of the class: the primary key has the target before the uuid. A database made before the index gets it on
open."""

from __future__ import annotations

import uuid

import numpy as np
from sqlalchemy import inspect

from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

FLAT = {"": ("flat", {"distance": "l2-squared"}), "other": ("flat", {"distance": "cosine"})}


def _uid(n: int) -> str:
    return str(uuid.UUID(int=n + 1))


def _filled(url: str, path) -> Store:
    store = Store(url, path, snapshot_seconds=3600)
    store.save_class("C", {"class": "C"}, FLAT)
    store.open({"C": FLAT})
    store.put([ObjectRecord("C", _uid(i), {"n": i}, 1, 1, {"": np.array([i, 0], np.float32),
                                                         "other": np.array([1, i], np.float32)})
               for i in range(500)])
    return store


def test_an_objects_vectors_are_read_by_uuid(tmp_path):
    store = _filled(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "data")
    try:
        with store.engine.connect() as conn:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT uuid, target, data FROM wb_vectors "
                                        "WHERE class_name = ? AND uuid IN (?, ?)", ("C", _uid(1), _uid(2))).all()
        assert any("ix_wb_vectors_uuid" in str(row) for row in plan), plan
        found = store.get_many("C", [_uid(7), _uid(400)], with_vectors=True)
        assert {r.uuid: (r.vectors[""].tolist(), r.vectors["other"].tolist()) for r in found} == {
            _uid(7): ([7.0, 0.0], [1.0, 7.0]), _uid(400): ([400.0, 0.0], [1.0, 400.0])}
    finally:
        store.close()


def test_a_database_made_without_the_index_gets_it_on_open(database_url, tmp_path):
    store = _filled(database_url, tmp_path / "data")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_wb_vectors_uuid")
    store.close()
    again = Store(database_url, tmp_path / "data", snapshot_seconds=3600)
    try:
        names = {index["name"] for index in inspect(again.engine).get_indexes("wb_vectors")}
        assert "ix_wb_vectors_uuid" in names
        again.open({"C": FLAT})
        (record,) = again.get_many("C", [_uid(9)], with_vectors=True)
        assert record.vectors[""].tolist() == [9.0, 0.0]
    finally:
        again.close()
