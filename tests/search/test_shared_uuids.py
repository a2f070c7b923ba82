"""The vector index's label maps, the filter index and the keyword index hold one str object per uuid between them
(storage/records.py shared_uuid), whether the uuid came from a write, from SQL or from the keyword index's file."""

from __future__ import annotations

import uuid

import numpy as np

from weavebind.schema.models import ClassInfo
from weavebind.search.filter_index import filter_index
from weavebind.search.keyword_index import keyword_index
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

INFO = ClassInfo.from_config({"class": "C", "properties": [
    {"name": "title", "dataType": ["text"], "tokenization": "word"}, {"name": "n", "dataType": ["int"]}]})
FLAT = {"": ("flat", {"distance": "l2-squared"})}


def _record(i: int) -> ObjectRecord:
    # str() makes a new object on every call: each write carries its own copy of the uuid
    vectors = {"": np.asarray([i, 1.0], np.float32)}
    return ObjectRecord("C", str(uuid.UUID(int=i + 1)), {"title": f"fox {i}", "n": i}, 1, 1, vectors)


def _holders(store: Store) -> dict[str, dict[str, int]]:
    """uuid → id() of the str object each structure keeps for it."""
    keyword_index(store).search(INFO, None, "fox")  # builds (or loads) the keyword index
    target = store.indexes.indexes[("C", "")]
    docs = keyword_index(store)._keys["C"]
    keys = filter_index(store).key("C")
    return {
        "labels": {u: id(u) for u in target.label_by_uuid},
        "by_label": {u: id(u) for u in target.uuid_by_label.values()},
        "filter": {u: id(u) for u in keys.ids},
        "filter_list": {keys.uuids[oid]: id(keys.uuids[oid]) for oid in keys.ids.values()},
        "keyword": {u: id(u) for u in docs.ids},
        "keyword_list": {docs.uuids[doc]: id(docs.uuids[doc]) for doc in docs.ids.values()},
    }


def _assert_one_object_per_uuid(store: Store, count: int) -> None:
    holders = _holders(store)
    first = holders["labels"]
    assert len(first) == count
    for name, ids in holders.items():
        assert ids == first, name


def test_every_structure_keeps_the_same_str_for_a_uuid_after_writes_and_a_restart(database_url, tmp_path):
    store = Store(database_url, tmp_path, snapshot_seconds=3600)
    store.save_class("C", INFO.config, FLAT)
    store.open({"C": FLAT})
    store.put([_record(i) for i in range(40)])
    _assert_one_object_per_uuid(store, 40)
    store.put([_record(i) for i in range(30, 50)])  # updates (new copies of the same uuids) and inserts
    _assert_one_object_per_uuid(store, 50)
    store.close()

    reopened = Store(database_url, tmp_path, snapshot_seconds=3600)  # uuids from SQL and the keyword index's file
    reopened.open({"C": FLAT})
    _assert_one_object_per_uuid(reopened, 50)
    reopened.close()
