"""The inverted index bm25 is answered from: per storage key (a class, or "Class#tenant") and per
(property, tokenization), posting lists sorted by object id (keyword_postings.py), searched for the top k with
block-max pruning (keyword_topk.py) instead of scoring every object that holds a query term. A filtered search
uses the same lists restricted to the filter's objects (a mask by id), with the statistics bm25.py computes over
those objects alone (document frequencies and mean lengths), so the scores are those of scoring the filtered
records; grouped searches (`groupBy`) still score records in bm25.py.

- Built on the first bm25 query of a property, or loaded from the file keyword_files.py saved (the store's
  snapshot thread saves changed keys), then caught up from SQL by change number (keyword_catchup.py). The scan
  or load and most of the catch-up run beside the writes; only the last few changes are applied under the store's
  write lock, after which the store's write listener keeps the key current, including what other servers sharing
  the database wrote (storage/follower.py). A deleted class or tenant is forgotten and its file deleted; a tenant
  gone COLD is saved and forgotten; a key whose dead ids outnumber its live ones is forgotten and its file deleted,
  to be rebuilt compactly on its next use.
- Worker processes: each holds its own index in memory, kept current by its own listener; worker 0 (or a lone
  server) saves the files, the others load them when they first need a key and catch up from SQL.
- Scores, order and explanations equal bm25.py's to the bit: the same tokenizer and formula, and every object
  returned is scored by bm25.score_doc (tests/search/test_keyword_index.py and test_keyword_topk.py compare).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import select

from weavebind.schema.models import ClassInfo
from weavebind.search import keyword_files as files
from weavebind.search.bm25 import (
    DEFAULT_AVG_LENGTH,
    bm25_parameters,
    query_groups,
    term_idfs,
    uses_block_max,
)
from weavebind.search.filtered import Allowed
from weavebind.search.keyword_build import CHUNK as SCAN_CHUNK
from weavebind.search.keyword_build import PostingsBuilder
from weavebind.search.keyword_catchup import catch_up, index_record
from weavebind.search.keyword_postings import KeyDocs, PropertyPostings
from weavebind.search.keyword_scoring import GroupPlan, Result
from weavebind.search.keyword_topk import top_k
from weavebind.search.per_store import PerStore
from weavebind.storage import changes
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store
from weavebind.storage.tables import objects

log = logging.getLogger("weavebind.keyword")

MIN_DEAD_TO_REBUILD = 4096
PropKey = tuple[str, str]  # (property, tokenization)


class KeywordIndex:
    """The inverted index of one store; see the module docstring."""

    def __init__(self, store: Store, directory: Path | None = None):
        self.store = store
        self.directory = directory if directory is not None else store.indexes.directory.parent / "keyword"
        self.saves = store.indexes.role != "map"  # worker 0 (or a lone server) writes the files; the others read
        self._lock = threading.Lock()      # the in-memory state; held briefly (a write's update, a search)
        self._build_lock = threading.Lock()  # one build or load at a time, outside the store's write lock
        self._keys: dict[str, KeyDocs] = {}
        self.builds = 0   # properties built from a scan of SQL (tests assert a restart loads instead)
        self.loads = 0    # keys loaded from their files
        self.scored = 0   # objects scored by searches (tests assert pruning skips most)
        store.add_write_listener(self._changed)
        store.snapshot_listeners.append(self.save)

    def _changed(self, key: str, upserted: Sequence[ObjectRecord], deleted: Sequence[str], dropped: bool) -> None:
        with self._lock:
            docs = self._keys.get(key)
            if dropped:
                self._dropped(key, self._keys.pop(key, None))
                return
            if docs is None:
                return
            for uid in deleted:
                docs.kill(uid)
            for record in upserted:
                index_record(docs, record)
            if docs.dead() > max(MIN_DEAD_TO_REBUILD, len(docs.ids)):
                del self._keys[key]  # mostly dead postings: rebuild compactly on next use
                self._forget_file(key)

    def _dropped(self, key: str, docs: KeyDocs | None) -> None:
        """A key left memory: deleted (no object left in SQL: delete its file), or a tenant gone COLD or a reload
        (save it now if it changed, as the vector indexes are; the write lock is held)."""
        if not self.saves:
            return
        with self.store.engine.connect() as conn:
            stored = conn.execute(select(objects.c.uuid).where(objects.c.class_name == key).limit(1)).first()
        if stored is None:
            self._forget_file(key)
        elif docs is not None and docs.dirty:
            try:
                files.save(files.path_for(self.directory, key), files.capture(key, docs, self.store.applied.horizon))
            except Exception:  # never fail the tenant's status change over derived state
                log.exception("saving the keyword index of %s failed", key)

    def _forget_file(self, key: str) -> None:
        if self.saves:
            files.path_for(self.directory, key).unlink(missing_ok=True)

    def _properties(self, key: str, wanted: list[PropKey]) -> list[PropertyPostings]:
        with self._lock:
            docs = self._keys.get(key)
            if docs is not None and all(w in docs.props for w in wanted):
                return [docs.props[w] for w in wanted]
        with self._build_lock:
            with self._lock:
                current = self._keys.get(key)
            if current is not None and all(w in current.props for w in wanted):
                return [current.props[w] for w in wanted]
            docs, since = self._prepare(key, current, wanted)
            since, schema = catch_up(self.store, key, docs, since)  # writes go on meanwhile
            with self.store.quiesced():  # the last few changes, and no write until the listener sees this key
                catch_up(self.store, key, docs, since, schema)
                with self._lock:
                    self._keys[key] = docs
                    return [docs.props[w] for w in wanted]

    def _prepare(self, key: str, current: KeyDocs | None, wanted: list[PropKey]) -> tuple[KeyDocs, int]:
        """A new KeyDocs for `key` with the wanted properties and those it has now, from the file where it can,
        and the change number it is current to."""
        props = list(dict.fromkeys([*(current.props if current is not None else ()), *wanted]))
        with self.store.engine.connect() as conn:
            now = changes.read_marks(conn).seq  # before the scan: what it misses has a later number
        loaded = files.load(files.path_for(self.directory, key), key) if current is None else None
        if loaded is not None and loaded[1] > now:  # saved beside a database that has since gone back (restored)
            log.info("keyword index file of %s is ahead of the database: rebuilding from SQL", key)
            loaded = None
        if loaded is not None:
            self.loads += 1
            docs, since = loaded
            log.info("keyword index of %s loaded from its file (current to change %d)", key, since)
            missing = [p for p in props if p not in docs.props]
        else:
            docs, since, missing = KeyDocs(), None, props
        if missing:
            self._scan(key, docs, missing)
            since = now if since is None else min(since, now)
        return docs, since

    def _scan(self, key: str, docs: KeyDocs, missing: list[PropKey]) -> None:
        """Index `missing` properties with one scan of the key (giving its objects ids if they have none yet), a
        chunk of objects at a time (keyword_build.py says why)."""
        builders = {prop_key: PostingsBuilder(prop_key[1]) for prop_key in missing}
        chunk: list[tuple[int, dict]] = []

        def index_chunk() -> None:
            for (prop, _), builder in builders.items():
                builder.add((doc, props.get(prop)) for doc, props in chunk)
            chunk.clear()

        for record in self.store.iter_class(key):
            doc = docs.ids.get(record.uuid)
            chunk.append((docs.new_id(record.uuid) if doc is None else doc, record.properties or {}))
            if len(chunk) >= SCAN_CHUNK:
                index_chunk()
        index_chunk()
        for prop_key, builder in builders.items():
            docs.props[prop_key] = builder.finish()
            self.builds += 1

    def save(self) -> None:
        """Write every key changed since its last save (the store's snapshot thread calls this)."""
        if not self.saves:
            return
        with self._lock:
            dirty = [(key, docs) for key, docs in self._keys.items() if docs.dirty]
        for key, docs in dirty:
            with self.store.apply_lock:  # every change up to it is in memory (applied before the horizon moves)
                seq = self.store.applied.horizon
            with self._lock:
                if self._keys.get(key) is not docs:
                    continue
                captured = files.capture(key, docs, seq)
                docs.dirty = False
            try:
                files.save(files.path_for(self.directory, key), captured)
            except Exception:  # derived state: a failed save costs a longer catch-up, never the snapshot or close
                log.exception("saving the keyword index of %s failed", key)
                docs.dirty = True

    def search(self, info: ClassInfo, total: int | None, query: str, properties: list[str] | None = None,
               operator: str = "Or", minimum_match: int = 1, limit: int | None = None,
               allowed: Iterable[str] | Allowed | None = None) -> list[Result]:
        """(uuid, score, explanation), best first, ties by uuid: bm25_search's answer over the whole class, or
        over the objects `allowed` (a filter's uuids) with their statistics, as bm25_search over those records
        gives; its first `limit` (every match with None). `total` is bm25's N, the objects of the class; None:
        the index's own count of them, which the write listener keeps equal to SQL's (a SQL count reads the whole
        class: ~50 ms per query at 1M objects)."""
        groups = query_groups(info, query, properties, operator, minimum_match)
        if not groups:
            return []
        wanted = [(name, g.tokenization) for g, _, _ in groups for name, _ in g.props]
        block = uses_block_max(info)
        while True:  # again if the key was rebuilt (compacted, or given a property) between the two steps
            got = self._properties(info.key, wanted)
            with self._lock:
                docs = self._keys.get(info.key)
                if docs is None or any(docs.props.get(w) is not p for w, p in zip(wanted, got, strict=True)):
                    continue
                found = iter(got)
                mask = None if allowed is None else _mask_of(docs, allowed)
                n = len(docs.ids) if total is None else total
                plans = [_plan(info, docs, [next(found) for _ in g.props], [boost for _, boost in g.props], terms,
                               n, need, block, mask) for g, terms, need in groups]
                ranked, scored = top_k(docs, plans, block, limit, mask)
                self.scored += scored
                return ranked


def _mask_of(docs: KeyDocs, allowed: Iterable[str] | Allowed) -> np.ndarray:
    """The filter's mask by id. A filter answer the filter index keeps for repeated queries keeps its mask too,
    for as long as this key's ids are those it was made from (one dict lookup per allowed object: ~60 ms for
    100,000, more than the search)."""
    if not isinstance(allowed, Allowed):
        return _allowed_mask(docs, allowed)
    if not allowed.kept:
        return _allowed_mask(docs, allowed.names())
    made = allowed.derived.get("keyword")
    if made is not None and made[0] is docs and made[1] == docs.changes:
        return made[2]
    mask = _allowed_mask(docs, allowed.names())
    mask.flags.writeable = False
    allowed.derived["keyword"] = (docs, docs.changes, mask)
    return mask


def _allowed_mask(docs: KeyDocs, allowed: Iterable[str]) -> np.ndarray:
    """The live ids of the `allowed` uuids, as a mask by id."""
    ids = docs.ids
    mask = np.zeros(len(docs.uuids), bool)
    mask[np.fromiter((i for i in (ids.get(u) for u in allowed) if i is not None), np.int64)] = True
    return mask & docs.live.padded(len(docs.uuids))


def _plan(info: ClassInfo, docs: KeyDocs, props: list[PropertyPostings], boosts: list[float], terms,
          total: int, need: int, block: bool, mask: np.ndarray | None = None) -> GroupPlan:
    """One group's statistics, as bm25._group_scores computes them over the whole class, or over the objects
    `mask` allows (a filter's: bm25_search is handed only those records)."""
    k1, b = bm25_parameters(info)
    means = [m for m in (_mean_length(p, mask) for p in props) if m is not None]
    avg = sum(means) / len(means) if means else DEFAULT_AVG_LENGTH
    df_props = [{t: _df(p, t, mask) for t in terms} for p in props]
    df_any = {} if block else {t: _holders(docs, props, t, mask) for t in terms}
    return GroupPlan(props, boosts, terms, need, term_idfs(terms, total, df_props, df_any, block), (k1, b, avg))


def _mean_length(p: PropertyPostings, mask: np.ndarray | None) -> float | None:
    """The mean length of the property's non-empty values (as bm25.py: integer sum over their count)."""
    if mask is None:
        return p.mean_length()
    lengths = p.lengths.padded(len(mask))[mask]
    held = lengths[lengths > 0]
    return int(held.sum()) / len(held) if len(held) else None


def _df(p: PropertyPostings, term: str, mask: np.ndarray | None) -> int:
    if mask is None:
        return p.df(term)
    found = p.postings(term)
    return 0 if found is None else int(mask[found.ids.view()].sum())


def _holders(docs: KeyDocs, props: list[PropertyPostings], term: str, mask: np.ndarray | None = None) -> int:
    """Live (or allowed) objects holding `term` in any of `props` (BM25F's n): a union of posting lists when
    several."""
    lists = [p.postings(term) for p in props]
    lists = [tp for tp in lists if tp is not None and tp.df]
    if mask is None and len(lists) <= 1:
        return lists[0].df if lists else 0
    if not lists:
        return 0
    ids = np.unique(np.concatenate([tp.ids.view() for tp in lists]))
    return int((docs.live.padded(len(docs.uuids)) if mask is None else mask)[ids].sum())


keyword_index = PerStore(KeywordIndex)  # the store's keyword index, subscribed to its writes on first use
