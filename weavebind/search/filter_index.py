"""The in-memory inverted index `where` filters are answered from: per storage key (a class, or "Class#tenant"),
a dense integer id per object, and per property the postings filter_postings.py keeps over those ids.

- Ids: an object gets the next id when it is first seen and a new one whenever it is written again; an id is
  never reused, so postings only grow. `live` holds the current id of every object, and every answer is
  intersected with it. Each id also remembers the vector-index label (change number) the object's vectors were
  stored under, so a filtered vector search hands FAISS labels without a round trip through uuids.
- Built on first use: the key's ids with one scan of the class (under the store's write lock, so no write slips
  in between), then each property's postings with one more scan when a filter first needs it.
- Kept current by the store's write listener, which also receives what other servers sharing the database wrote
  (storage/follower.py); a dropped key is forgotten, and a key whose dead ids outnumber its live ones is dropped
  too, to be rebuilt compactly on its next use.
- Memory only: after a restart the first filter on a key rebuilds it from SQL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from pyroaring import BitMap

from weavebind.search.filter_postings import (
    GeoPostings,
    LengthPostings,
    NullPostings,
    TokenPostings,
    ValuePostings,
)
from weavebind.search.per_store import PerStore
from weavebind.storage.records import ObjectRecord, shared_uuid
from weavebind.storage.store import Store

# (property, kind, domain or tokenization): kind "value", "tokens", "length", "geo" or "null"
PostingsKey = tuple[str, str, str]
Postings = ValuePostings | TokenPostings | NullPostings | GeoPostings
MIN_DEAD_TO_COMPACT = 4096


def _make(kind: str, param: str) -> Postings:
    if kind == "value":
        return ValuePostings(param)
    if kind == "length":
        return LengthPostings()
    if kind == "geo":
        return GeoPostings()
    return TokenPostings(param) if kind == "tokens" else NullPostings()


class KeyIndex:
    """The ids and postings of one storage key. Writers run under the store's write lock; readers take `lock`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: dict[str, int] = {}           # uuid → current id
        self.uuids: list[str] = []              # id → uuid (dead ids keep theirs)
        self.labels = np.full(1024, -1, dtype=np.int64)  # id → vector label, -1 for none
        self.live = BitMap()
        self.postings: dict[PostingsKey, Postings] = {}
        self.all_lower = True  # every uuid seen is lower case (filter_plan answers `_id` only then)
        self.version = 0  # bumped by every change, so answers remembered for it (filtered.py) can be told stale
        self.remembered: OrderedDict[Any, tuple[int, Any]] = OrderedDict()  # kept by filtered.py

    def add(self, uuid: str, properties: Any, label: int) -> None:
        self.version += 1
        uuid = shared_uuid(uuid)
        old = self.ids.get(uuid)
        if old is not None:
            self.live.discard(old)
        if self.all_lower and uuid.lower() != uuid:
            self.all_lower = False
        oid = len(self.uuids)
        self.uuids.append(uuid)
        self.ids[uuid] = oid
        if oid >= self.labels.size:
            grown = np.full(self.labels.size * 2, -1, dtype=np.int64)
            grown[:self.labels.size] = self.labels
            self.labels = grown
        self.labels[oid] = label
        self.live.add(oid)
        props = properties if isinstance(properties, dict) else {}
        for (prop, _, _), postings in self.postings.items():
            postings.add(oid, props.get(prop))

    def remove(self, uuid: str) -> None:
        self.version += 1
        old = self.ids.pop(uuid, None)
        if old is not None:
            self.live.discard(old)

    def worth_compacting(self) -> bool:
        dead = len(self.uuids) - len(self.live)
        return dead >= MIN_DEAD_TO_COMPACT and dead > len(self.live)

    def labels_of(self, ids: BitMap) -> np.ndarray:
        """Sorted vector labels of `ids` (objects without a vector left out)."""
        found = self.labels[np.frombuffer(ids.to_array(), dtype=np.uint32)]
        found = found[found >= 0]
        # sorted already unless an object was re-announced under an older label (a change applied twice)
        return found if found.size < 2 or (found[1:] > found[:-1]).all() else np.unique(found)


class FilterIndex:
    """Every KeyIndex of one store; see the module docstring."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._keys: dict[str, KeyIndex] = {}
        store.add_write_listener(self._changed)

    def _label(self, key: str, uuid: str) -> int:
        found = self.store.indexes.label_of(key, uuid)
        return -1 if found is None else found

    def _changed(self, key: str, upserted: Sequence[ObjectRecord], deleted: Sequence[str], dropped: bool) -> None:
        with self._lock:
            index = self._keys.get(key)
            if index is None:
                return
            if dropped:
                del self._keys[key]
                return
        with index.lock:
            for uuid in deleted:
                index.remove(uuid)
            for record in upserted:
                index.add(record.uuid, record.properties, self._label(key, record.uuid))
            if index.worth_compacting():
                with self._lock:
                    self._keys.pop(key, None)

    def key(self, key: str) -> KeyIndex:
        """The key's index, its ids built by one scan of the key if this is its first use."""
        return self.prepare(key, set())

    def prepare(self, key: str, wanted: set[PostingsKey]) -> KeyIndex:
        """The key's index with the postings of `wanted`: on first use of the key its ids and those postings come
        from one scan of it, a postings added later from one more. Read it under its `lock` (a postings may still
        be missing there if the key was dropped and rebuilt meanwhile)."""
        with self._lock:
            index = self._keys.get(key)
        if index is not None and all(w in index.postings for w in wanted):
            return index
        with self.store.quiesced():  # no write between a scan and the listener seeing what it built
            with self._lock:
                index = self._keys.get(key)
            if index is None:
                index = self._build_key(key, sorted(wanted))
                with self._lock:
                    self._keys[key] = index
            missing = [w for w in wanted if w not in index.postings]
            if missing:
                self._build(key, index, missing)
            return index

    def _build_key(self, key: str, wanted: list[PostingsKey]) -> KeyIndex:
        built = KeyIndex()
        postings = [_make(w[1], w[2]) for w in wanted]
        # ids in label order, as later writes get them: a filter's labels then come out sorted (labels_of). Only
        # the values the postings need are held meanwhile, in one list per property rather than a tuple and a list
        # per object (~170 bytes each, 170 MB at 1M objects, much of it kept by the allocator afterwards).
        labels: list[int] = []
        uuids: list[str] = []
        columns: list[list[Any]] = [[] for _ in wanted]
        for record in self.store.iter_class(key):
            labels.append(self._label(key, record.uuid))
            uuids.append(shared_uuid(record.uuid))  # now, so the record's own copy is freed with the record
            props = record.properties if isinstance(record.properties, dict) else {}
            for column, w in zip(columns, wanted, strict=True):
                column.append(props.get(w[0]))
        for i in _label_order(labels, uuids):
            built.add(uuids[i], None, labels[i])
            oid = len(built.uuids) - 1
            for found, column in zip(postings, columns, strict=True):
                found.add(oid, column[i])
        built.postings.update(zip(wanted, postings, strict=True))
        return built

    def _build(self, key: str, index: KeyIndex, wanted: list[PostingsKey]) -> None:
        built = [(w[0], _make(w[1], w[2])) for w in wanted]
        for record in self.store.iter_class(key):
            oid = index.ids.get(record.uuid)
            props = record.properties if isinstance(record.properties, dict) else {}
            if oid is not None:
                for prop, postings in built:
                    postings.add(oid, props.get(prop))
        with index.lock:
            index.postings.update(zip(wanted, (p for _, p in built), strict=True))


def _label_order(labels: list[int], uuids: list[str]) -> list[int]:
    """Positions by (label, uuid): labels are unique but for -1 (objects without a vector), ordered by uuid."""
    order = np.argsort(np.asarray(labels, dtype=np.int64), kind="stable").tolist()
    unlabelled = sum(1 for label in labels if label < 0)
    return sorted(order[:unlabelled], key=uuids.__getitem__) + order[unlabelled:]


filter_index = PerStore(FilterIndex)  # the store's filter index, subscribed to its writes on first use
