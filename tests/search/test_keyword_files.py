"""The keyword index's files (search/keyword_files.py, keyword_catchup.py): a restart loads the saved index
instead of scanning SQL and catches up the writes and deletes made after the save, including after the server was
killed; a corrupt or foreign file means a rebuild; tenants have their own files; a dropped key loses its file.
Every answer is compared with scoring every stored object (bm25.py); on both SQL backends."""

from __future__ import annotations

import dataclasses
import os
import random
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

from tests.search.test_keyword_index import class_store
from weavebind.schema.models import ClassInfo
from weavebind.search import keyword_files, keyword_index
from weavebind.search.bm25 import bm25_search
from weavebind.search.keyword_index import KeywordIndex
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

WORDS = ["fox", "dog", "cat", "owl", "bee", "elk", "yak", "emu"]
INFO = ClassInfo.from_config({"class": "C", "properties": [
    {"name": "title", "dataType": ["text"], "tokenization": "word"},
    {"name": "tags", "dataType": ["text[]"], "tokenization": "field"}],
    "invertedIndexConfig": {"usingBlockMaxWAND": True}})
ROOT = Path(__file__).resolve().parents[2]


def _record(rng: random.Random, i: int, tenant: str | None = None) -> ObjectRecord:
    return ObjectRecord("C", str(uuid.UUID(int=i + 1)), {
        "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))),
        "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 2))]}, 1, 1, tenant=tenant)


def _open(url: str, path: Path) -> Store:
    store = class_store(url, path, INFO)
    return store


def _same_as_scan(index: KeywordIndex, store: Store, info: ClassInfo = INFO) -> None:
    records = list(store.iter_class(info.key))
    for query in ["fox", "dog cat", "owl emu yak", "bee"]:
        for properties in (None, ["tags"], ["title^2", "tags"]):
            expected = [(s.record.uuid, s.score, s.explain)
                        for s in bm25_search(info, records, len(records), query, properties)]
            assert index.search(info, len(records), query, properties, limit=10) == expected[:10]
            assert index.search(info, len(records), query, properties) == expected


def _churn(store: Store, rng: random.Random, tenant: str | None = None) -> None:
    key = INFO.key if tenant is None else f"C#{tenant}"
    store.put([_record(rng, i, tenant) for i in rng.sample(range(150), 40)])
    store.delete(key, [str(uuid.UUID(int=i + 1)) for i in rng.sample(range(150), 25)])


def test_a_restart_loads_the_saved_index_and_catches_up(database_url, tmp_path):
    rng = random.Random(3)
    store = _open(database_url, tmp_path)
    store.put([_record(rng, i) for i in range(120)])
    first = KeywordIndex(store)
    _same_as_scan(first, store)
    assert (first.builds, first.loads) == (2, 0)  # title and tags, one scan
    store.snapshot()  # saves the index
    _churn(store, rng)  # after the save: in SQL only
    store.close()  # saves again
    _churn(store := _open(database_url, tmp_path), rng)  # written before the index is first used
    again = KeywordIndex(store)
    _same_as_scan(again, store)
    assert (again.builds, again.loads) == (0, 1)
    _churn(store, rng)  # after the load: through the write listener
    _same_as_scan(again, store)
    store.close()


def test_a_killed_server_restarts_consistent(database_url, tmp_path):
    """A server process saves its index, writes and deletes more, and is killed (SIGKILL) without closing."""
    script = textwrap.dedent(f"""
        import os, random, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.search.test_keyword_files import _churn, _open, _record, INFO
        from weavebind.search.keyword_index import KeywordIndex
        from pathlib import Path
        rng = random.Random(9)
        store = _open({database_url!r}, Path({str(tmp_path)!r}))
        store.put([_record(rng, i) for i in range(120)])
        KeywordIndex(store).search(INFO, 120, "fox", limit=10)
        store.snapshot()
        _churn(store, rng)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == -9
    store = _open(database_url, tmp_path)
    index = KeywordIndex(store)
    _same_as_scan(index, store)
    assert (index.builds, index.loads) == (0, 1)
    store.close()


def test_a_corrupt_or_foreign_file_is_rebuilt(database_url, tmp_path):
    rng = random.Random(4)
    store = _open(database_url, tmp_path)
    store.put([_record(rng, i) for i in range(100)])
    KeywordIndex(store).search(INFO, 100, "fox")
    store.close()
    path = keyword_files.path_for(tmp_path / "keyword", "C")
    good = path.read_bytes()
    for bad in (good[:len(good) // 2], good[:200] + bytes([good[200] ^ 0xFF]) + good[201:], b"not an index"):
        path.write_bytes(bad)
        store = _open(database_url, tmp_path)
        index = KeywordIndex(store)
        _same_as_scan(index, store)
        assert (index.builds, index.loads) == (2, 0)
        store.close()
    os.replace(path, keyword_files.path_for(tmp_path / "keyword", "Other"))  # another key's name: its header says C
    path.unlink(missing_ok=True)
    store = _open(database_url, tmp_path)
    index = KeywordIndex(store, tmp_path / "keyword")
    _same_as_scan(index, store)
    assert index.loads == 0
    store.close()


def test_tenants_have_their_own_files_and_a_drop_deletes_them(database_url, tmp_path):
    rng = random.Random(5)
    store = _open(database_url, tmp_path)
    tenants = {name: dataclasses.replace(INFO, tenant=name) for name in ("t1", "t2")}
    for name in tenants:
        store.put([_record(rng, i, name) for i in range(80)])
    index = KeywordIndex(store)
    for info in tenants.values():
        _same_as_scan(index, store, info)
    store.snapshot()
    for name in tenants:
        _churn(store, rng, name)
    store.close()
    store = _open(database_url, tmp_path)
    index = KeywordIndex(store)
    for info in tenants.values():
        _same_as_scan(index, store, info)
    assert (index.builds, index.loads) == (0, 2)
    store.delete_tenants("C", ["t1"])
    assert not keyword_files.path_for(tmp_path / "keyword", "C#t1").exists()
    assert keyword_files.path_for(tmp_path / "keyword", "C#t2").exists()
    store.add_tenants("C", {"t2": "HOT"}, {})
    _churn(store, rng, "t2")
    store.set_tenant_status("C", "t2", "COLD", {})  # saved as it leaves memory, not deleted
    store.set_tenant_status("C", "t2", "HOT", {})
    _same_as_scan(index, store, tenants["t2"])
    assert (index.builds, index.loads) == (0, 3)
    store.close()


def test_writes_go_on_while_the_index_is_built(database_url, tmp_path, monkeypatch):
    """A write made while the class is being scanned neither waits for the scan nor goes missing."""
    rng = random.Random(6)
    store = _open(database_url, tmp_path)
    store.put([_record(rng, i) for i in range(100)])
    scan = KeywordIndex._scan
    finished = []

    def scan_beside_a_write(self, key, docs, missing):
        writer = threading.Thread(target=lambda: (store.put([ObjectRecord("C", str(uuid.UUID(int=500)), {
            "title": "owl owl owl"}, 1, 1)]), store.delete("C", [str(uuid.UUID(int=1))]), finished.append(1)))
        writer.start()
        writer.join(timeout=30)
        scan(self, key, docs, missing)

    monkeypatch.setattr(KeywordIndex, "_scan", scan_beside_a_write)
    index = KeywordIndex(store)
    found = {uid for uid, _, _ in index.search(INFO, 100, " ".join(WORDS))}
    assert str(uuid.UUID(int=500)) in found and str(uuid.UUID(int=1)) not in found
    assert finished  # the write did not wait for the build
    _same_as_scan(index, store)
    store.close()


def test_only_the_owning_worker_writes_files_the_others_load_them(database_url, tmp_path):
    """Worker processes (index role "map") read the files worker 0 saves and never write or delete one."""
    rng = random.Random(7)
    owner = _open(database_url, tmp_path)
    owner.put([_record(rng, i) for i in range(90)])
    KeywordIndex(owner).search(INFO, 90, "fox")
    owner.snapshot()
    path = keyword_files.path_for(tmp_path / "keyword", "C")
    saved = path.read_bytes()
    sibling = Store(database_url, tmp_path, snapshot_seconds=3600, shared=True, index_role="map")
    sibling.open({"C": {}})
    index = KeywordIndex(sibling)
    _churn(owner, rng)  # the owner's writes: the sibling catches up from SQL
    _same_as_scan(index, sibling)
    assert (index.builds, index.loads) == (0, 1)
    _churn(sibling, rng)
    sibling.snapshot()
    assert path.read_bytes() == saved
    sibling.close()
    owner.close()


def test_a_key_mostly_dead_is_rebuilt_compactly(database_url, tmp_path, monkeypatch):
    """Rewrites leave dead ids behind; once they outnumber the live ones the key is dropped with its file and
    rebuilt from SQL on its next use, with answers exact throughout."""
    monkeypatch.setattr(keyword_index, "MIN_DEAD_TO_REBUILD", 10)
    rng = random.Random(8)
    store = _open(database_url, tmp_path)
    store.put([_record(rng, i) for i in range(40)])
    index = KeywordIndex(store)
    _same_as_scan(index, store)
    store.snapshot()
    path = keyword_files.path_for(tmp_path / "keyword", "C")
    assert path.exists()
    store.put([_record(rng, i) for i in range(30)])
    assert index.builds == 2 and path.exists()  # 30 dead of 70 ids: kept
    store.put([_record(rng, i) for i in range(30)])
    assert not path.exists()  # 60 dead, 40 live: dropped
    _same_as_scan(index, store)
    assert index.builds == 4 and len(index._keys["C"].uuids) == 40
    store.close()
