"""Snapshots: a streamed base file plus an append-only delta log (storage/snapshots.py, snapshot_files.py), at the
index level and through a Store restart, on both SQL backends."""

from __future__ import annotations

import json
import logging
import struct
import zlib

import faiss
import numpy as np
import pytest

from tests.storage.test_store import _clustered, _ids, _open, _records
from tests.storage.test_vector_index import clustered, filled
from weavebind.storage import snapshot_files as sf
from weavebind.storage import snapshots
from weavebind.storage.vector_index import IndexConfig, VectorIndex

HNSW = IndexConfig(index_type="hnsw", max_connections=8, ef_construction=40, ef=200)


def _files(tmp_path):
    return {p.name: (p.stat().st_ino, p.stat().st_size) for p in tmp_path.iterdir()}


def _restored(path, config) -> VectorIndex:
    """Load, then index the log's rows as IndexManager's indexer would."""
    loaded, _seq = VectorIndex.load(path, config)
    replay = loaded.take_replay()
    if replay is not None:
        loaded.add(*replay)
    return loaded


def _same_results(a: VectorIndex, b: VectorIndex, queries: np.ndarray) -> None:
    assert a.labels().tolist() == b.labels().tolist()
    for q in queries:
        (la, da), (lb, db) = a.search(q, 10), b.search(q, 10)
        assert la.tolist() == lb.tolist()
        np.testing.assert_allclose(da, db, atol=1e-5)


def test_second_snapshot_appends_only_what_changed(tmp_path):
    data = clustered(500, 16)
    index, labels = filled(HNSW, data[:300])
    path = tmp_path / "C._.faiss"
    index.save(path, seq=1)
    base = _files(tmp_path)
    index.add(np.arange(5000, 5200), data[300:])
    index.remove(np.concatenate([labels[:20], [5003, 5007]]))  # deletes in the base and inside the delta
    index.save(path, seq=2)
    after = _files(tmp_path)
    assert after[path.name] == base[path.name]  # the base is untouched
    assert after[path.name + ".delta"][1] < 200 * (16 * 4 + 8) + 1000  # new rows, their labels, tombstones
    index.save(path, seq=3)  # nothing changed: nothing written
    assert _files(tmp_path) == after
    loaded, seq = VectorIndex.load(path, HNSW)
    assert seq == 2 and len(loaded) == 280  # the base's live rows; the log's go to the pending buffer
    replay_labels, _ = loaded.take_replay()
    assert sorted(replay_labels.tolist()) == [x for x in range(5000, 5200) if x not in (5003, 5007)]
    assert loaded.take_replay() is None
    _same_results(index, _restored(path, HNSW), data[::50])


def test_rows_indexed_after_a_restart_are_not_logged_twice(tmp_path):
    data = clustered(400, 8)
    index, _ = filled(HNSW, data[:200])
    path = tmp_path / "C._.faiss"
    index.save(path, seq=1)
    index.add(np.arange(9000, 9100), data[200:300])
    index.save(path, seq=2)
    restored = _restored(path, HNSW)  # the 100 logged rows come back as new rows of the index
    restored.add(np.arange(9500, 9600), data[300:])
    size = (tmp_path / "C._.faiss.delta").stat().st_size
    restored.save(path, seq=3)
    grown = (tmp_path / "C._.faiss.delta").stat().st_size - size
    assert 100 * (8 * 4 + 8) < grown < 2 * 100 * (8 * 4 + 8)  # only the 100 new rows
    _same_results(restored, _restored(path, HNSW), data[::40])


def test_compaction_and_a_large_log_write_a_new_base(tmp_path, monkeypatch):
    data = clustered(600, 8)
    index, labels = filled(HNSW, data[:300])
    path = tmp_path / "C._.faiss"
    index.save(path, seq=1)
    index.remove(labels[:100])
    index.compact()  # rows move: a delta cannot describe that
    index.save(path, seq=2)
    assert not (tmp_path / "C._.faiss.delta").exists()
    _same_results(index, _restored(path, HNSW), data[::60])
    monkeypatch.setattr(snapshots, "DELTA_MIN_ROWS", 0)  # merge once the log holds more than half the base
    index.add(np.arange(7000, 7050), data[300:350])
    index.save(path, seq=3)
    assert (tmp_path / "C._.faiss.delta").exists()
    index.add(np.arange(8000, 8250), data[350:])
    index.save(path, seq=4)
    assert not (tmp_path / "C._.faiss.delta").exists()
    _same_results(index, _restored(path, HNSW), data[::60])


def test_a_torn_log_keeps_its_intact_records_and_the_next_snapshot_rewrites(tmp_path):
    data = clustered(300, 8)
    index, _ = filled(HNSW, data[:100])
    path, log = tmp_path / "C._.faiss", tmp_path / "C._.faiss.delta"
    index.save(path, seq=1)
    index.add(np.arange(2000, 2100), data[100:200])
    index.save(path, seq=2)
    intact = log.stat().st_size
    index.add(np.arange(3000, 3100), data[200:])
    index.save(path, seq=3)
    log.write_bytes(log.read_bytes()[:-7])  # a crash in the middle of the second append
    loaded, seq = VectorIndex.load(path, HNSW)
    assert seq == 2 and sorted(loaded.take_replay()[0].tolist()) == list(range(2000, 2100))
    loaded.save(path, seq=4)
    assert not log.exists()  # rewritten rather than appended after the damage
    log.write_bytes(b"\0" * 40)  # garbage in a log is ignored, never fatal
    assert len(VectorIndex.load(path, HNSW)[0]) == 100
    assert intact > 0


def test_a_log_left_from_an_older_base_is_ignored(tmp_path):
    data = clustered(200, 8)
    index, _ = filled(HNSW, data[:100])
    path = tmp_path / "C._.faiss"
    index.save(path, seq=1)
    index.add(np.arange(2000, 2100), data[100:])
    index.save(path, seq=2)
    old_log = (tmp_path / "C._.faiss.delta").read_bytes()
    VectorIndex(HNSW).save(path, seq=3)  # a new base (e.g. after a config change): the crash keeps the old log
    (tmp_path / "C._.faiss.delta").write_bytes(old_log)
    loaded, _ = VectorIndex.load(path, HNSW)
    assert len(loaded) == 0 and loaded.take_replay() is None


def test_format_1_files_still_load(tmp_path):
    index, labels = filled(IndexConfig(index_type="flat"), clustered(50, 4))
    index.remove(labels[:3])
    blob, tombs = faiss.serialize_index(index._index), np.sort(labels[:3]).astype("<i8")
    meta = json.dumps({"fingerprint": index.config.fingerprint(), "dim": 4, "seq": 7, "tombstones": 3,
                       "index_bytes": int(blob.size)}).encode()
    body = b"".join([sf.MAGIC_V1, struct.pack("<I", len(meta)), meta, tombs.tobytes(), blob.tobytes()])
    (tmp_path / "v1.faiss").write_bytes(body + struct.pack("<I", zlib.crc32(body)))
    loaded, seq = VectorIndex.load(tmp_path / "v1.faiss", index.config)
    assert seq == 7 and loaded.labels().tolist() == index.labels().tolist()


def test_snapshot_does_not_copy_the_index_in_memory(tmp_path, monkeypatch):
    """The base goes through FAISS's writer in small pieces, never as one serialised array."""
    monkeypatch.setattr(faiss, "serialize_index", lambda *a: pytest.fail("serialised in memory"))
    sizes = []
    real = sf._CrcFile.write
    monkeypatch.setattr(sf._CrcFile, "write", lambda self, data: sizes.append(len(data)) or real(self, data))
    index, _ = filled(IndexConfig(index_type="flat"), clustered(20000, 32))  # 2.5 MB of vectors
    index.save(tmp_path / "big.faiss", seq=1)
    assert max(sizes) <= 1 << 20 and sum(sizes) > 20000 * 32 * 4
    assert len(VectorIndex.load(tmp_path / "big.faiss", index.config)[0]) == 20000


def test_restart_with_deltas_deletes_and_compaction_gives_the_same_results(database_url, tmp_path):
    vectors = _clustered(700)
    store = _open(database_url, tmp_path)
    store.put(_records(vectors[:300]))
    store.indexes.indexer.drain(60)
    store.snapshot()  # base
    store.put(_records(vectors[300:500], offset=300))
    store.delete("C", _ids(5) + _ids(5, 310))  # in the base and among the new rows
    store.indexes.indexer.drain(60)
    store.snapshot()  # delta
    assert (tmp_path / "indexes" / "C._.faiss.delta").exists()
    store.put(_records(vectors[500:], offset=500))
    store.indexes.indexer.drain(60)
    queries = vectors[::35] + 0.05
    before = [store.search("C", "", q, 10) for q in queries]
    store.close()  # a second delta at close

    again = _open(database_url, tmp_path)
    assert again.count("C") == 690
    after = [again.search("C", "", q, 10) for q in queries]
    assert [[u for u, _ in r] for r in after] == [[u for u, _ in r] for r in before]
    again.indexes.indexer.drain(60)
    again.delete("C", _ids(100, 100))
    index = again.indexes.indexes[("C", "")].index
    index.compact()  # the next snapshot writes a new base and drops the log
    again.close()
    assert not (tmp_path / "indexes" / "C._.faiss.delta").exists()
    third = _open(database_url, tmp_path)
    assert third.indexes.pending_count() == 0 and third.count("C") == 590
    expected = [[(u, d) for u, d in r if u not in set(_ids(100, 100))] for r in before]
    for q, want in zip(queries, expected, strict=True):
        got = third.search("C", "", q, 10)
        assert [u for u, _ in got][:len(want)] == [u for u, _ in want]
    third.close()


def test_crash_after_a_delta_catches_up_from_the_log_and_sql(database_url, tmp_path, caplog):
    vectors = _clustered(400)
    store = _open(database_url, tmp_path)
    store.put(_records(vectors[:200]))
    store.indexes.indexer.drain(60)
    store.snapshot()
    store.put(_records(vectors[200:300], offset=200))
    store.indexes.indexer.drain(60)
    store.snapshot()  # the 100 rows go to the log
    store.put(_records(vectors[300:], offset=300))
    store.delete("C", _ids(3, 250))  # deleted after they were logged
    store.indexes.close()  # kill -9: no snapshot at close
    store.engine.dispose()
    caplog.set_level(logging.INFO, logger="weavebind.indexes")
    again = _open(database_url, tmp_path)
    assert "200 vectors from the snapshot, 97 from its delta log, 100 to catch up from SQL" in caplog.text
    assert again.count("C") == 397
    found = dict(again.search("C", "", vectors[251], 400))
    assert not set(_ids(3, 250)) & found.keys() and len(found) == 397
    for i in (5, 220, 299, 350):
        assert again.search("C", "", vectors[i], 1)[0][0] == _ids(400)[i]
    again.close()


def test_a_failed_append_makes_the_next_snapshot_a_new_base(tmp_path, monkeypatch):
    data = clustered(300, 8)
    index, _ = filled(HNSW, data[:100])
    path, log = tmp_path / "C._.faiss", tmp_path / "C._.faiss.delta"
    index.save(path, seq=1)
    index.add(np.arange(2000, 2100), data[100:200])

    def disk_full(*args):
        log.write_bytes(sf.DELTA_MAGIC + b"\x10")  # half a record, then the failure
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sf, "append_delta", disk_full)
    with pytest.raises(OSError):
        index.save(path, seq=2)
    monkeypatch.undo()
    index.add(np.arange(3000, 3100), data[200:])
    index.save(path, seq=3)
    assert not log.exists()
    _same_results(index, _restored(path, HNSW), data[::30])


def test_a_clean_shutdown_merges_the_log_and_the_next_start_queues_nothing(tmp_path):
    store = _open(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    vectors = _clustered(300)
    store.put(_records(vectors[:200]))
    store.indexes.indexer.drain(60)
    store.snapshot()
    store.put(_records(vectors[200:], offset=200))
    store.indexes.indexer.drain(60)
    store.snapshot()
    assert (tmp_path / "indexes" / "C._.faiss.delta").exists()
    store.close()  # nothing changed since the last snapshot, but its rows are in a log: merged
    assert not (tmp_path / "indexes" / "C._.faiss.delta").exists()
    again = _open(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    assert again.indexes.pending_count() == 0 and len(again.indexes.indexes[("C", "")].index) == 300
    again.close()
