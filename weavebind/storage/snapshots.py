"""Persistence of a VectorIndex (a part of vector_index.py's VectorIndex, kept apart from searching and compaction).

A snapshot costs what changed since the last one. The first one, and any after a compaction (which moves rows),
streams the whole index into a new base file; later ones append to the base's delta log only the rows the index
gained since (internal rows are append-only between compactions) and the new tombstones. An index with no change
writes nothing. When the log would hold more than ``min(DELTA_MAX_ROWS, max(DELTA_MIN_ROWS, DELTA_FRACTION * base
rows))`` rows, the snapshot (on the background snapshot thread) merges instead: it writes a new base and removes the
log. While an index is small, each base is at least 1.25x the previous one, so the bytes written during an import
stay proportional to the vectors imported; past 400,000 rows a base is rewritten every 100,000 new rows, which bounds
what a crash leaves to re-index. A shutdown (``merge``) also writes a new base when the log holds rows.

Loading reads the base straight into FAISS and hands the log's live rows back (``take_replay``) for the caller to
queue for the background indexer: they are searchable at once by exact scan, and the restart does not wait for HNSW
inserts (after a crash; a clean shutdown left no rows in a log). File formats: snapshot_files.py.
"""

from __future__ import annotations

import logging
import pathlib
import uuid
from dataclasses import dataclass

import faiss
import numpy as np

from weavebind.storage import compression
from weavebind.storage import faiss_factory as ff
from weavebind.storage import snapshot_files as sf
from weavebind.storage.float_file import FloatFile
from weavebind.storage.sorted_sets import isin_sorted

log = logging.getLogger("weavebind.vector_index")
DELTA_MIN_ROWS = 10000
DELTA_FRACTION = 0.25
DELTA_MAX_ROWS = 100000  # bounds what a restart after a crash queues for the indexer again
_APPEND_ROWS = 16384  # rows per slice copied into a delta record


@dataclass
class Saved:
    """What the files at ``path`` hold of this index (valid while ``generation`` is the index's)."""

    path: pathlib.Path
    base_id: str
    generation: int
    has_index: bool
    rows: int  # internal rows [0, rows) are in the files
    base_rows: int
    delta_rows: int
    tombs: np.ndarray  # sorted tombstones in the files
    logged: np.ndarray  # sorted labels of the log, handed to the pending buffer at load: never appended twice


class Snapshots:
    """Mixed into VectorIndex, whose state (`_index`, `_tombstones`, `_generation`, its locks and caches) it uses."""

    def save(self, path: pathlib.Path, seq: int, merge: bool = False) -> None:
        """Persist what changed since the last save to ``path`` (module docstring); atomic and fsynced. Files are
        written under the index's read lock (searches go on; the indexer leaves this index alone meanwhile) and
        fsynced after it. ``merge``: leave no rows in a delta log (at shutdown, so that the next start queues
        nothing for the indexer)."""
        path = pathlib.Path(path)
        with self._saving:
            saved, self._saved = self._saved, None  # until this save succeeds: a failed append means a new base
            with self._rw.long_read():
                if saved is not None and (saved.path != path or saved.generation != self._generation
                                          or saved.has_index != (self._index is not None)):
                    saved = None
                change = self._changes_since(saved, merge) if saved is not None else None
                if change == "unchanged":
                    self._saved = saved
                    return
                if change is None:
                    written, state = self._write_base(path, seq)
                else:
                    written, state = self._append(saved, seq, *change)
            written.commit()
            if change is None:
                sf.delta_path(path).unlink(missing_ok=True)  # after the new base is durable
            self._saved = state

    def _changes_since(self, saved: Saved, merge: bool):
        """(labels, which of them to log, tombstones, rows) to append; "unchanged"; or None when a new base is due
        (under the read lock)."""
        rows = self._index.ntotal if self._index is not None else 0
        tombs = self._tombs()
        new_tombs = tombs[~isin_sorted(tombs, saved.tombs)]
        logged = saved.delta_rows + rows - saved.rows
        if merge and logged:
            return None
        if rows == saved.rows and not new_tombs.size:
            return "unchanged"
        if logged > min(DELTA_MAX_ROWS, max(DELTA_MIN_ROWS, DELTA_FRACTION * saved.base_rows)):
            return None
        labels = ff.stored_ids(self._index)[saved.rows:rows] if rows else np.empty(0, dtype=np.int64)
        return labels, ~isin_sorted(labels, saved.logged), new_tombs, rows

    def _append(self, saved: Saved, seq: int, labels, keep, new_tombs, rows: int) -> tuple[sf.PendingAppend, Saved]:
        """Append the rows [saved.rows, rows) not logged yet, read from FAISS's own buffer a slice at a time."""
        matrix = self._matrix() if rows else None  # a compressed index's: its float file (codes cannot give them)

        def blocks():
            for start in range(saved.rows, rows, _APPEND_ROWS):
                stop = min(rows, start + _APPEND_ROWS)
                block = matrix[start:stop] if matrix is not None else ff.stored_rows(self._index, start, stop)
                yield block[keep[start - saved.rows:stop - saved.rows]]

        header = {"base_id": saved.base_id, "seq": int(seq)}
        written = sf.append_delta(saved.path, header, labels[keep], self._dim or 0, blocks(), new_tombs)
        state = Saved(saved.path, saved.base_id, saved.generation, saved.has_index, rows, saved.base_rows,
                      saved.delta_rows + int(keep.sum()), np.union1d(saved.tombs, new_tombs), saved.logged)
        return written, state

    def _write_base(self, path: pathlib.Path, seq: int) -> tuple[sf.PendingBase, Saved]:
        """Stream the whole index into a temporary base file (under the read lock: searches go on, adds wait)."""
        base_id, tombs = uuid.uuid4().hex, self._tombs()
        header = {"fingerprint": self.config.fingerprint(), "dim": self._dim, "seq": int(seq), "base_id": base_id}
        rows = self._index.ntotal if self._index is not None else 0
        floats = self._floats.matrix()[:rows] if self._floats is not None else None
        pending = sf.write_base(path, header, tombs, self._index, floats)
        return pending, Saved(path, base_id, self._generation, self._index is not None, rows, rows, 0, tombs,
                              np.empty(0, dtype=np.int64))

    @property
    def has_log(self) -> bool:
        """Whether rows of this index sit in a delta log (a shutdown merges them into a new base)."""
        saved = self._saved
        return saved is not None and saved.delta_rows > 0

    def write_faiss(self, path: pathlib.Path) -> tuple | None:
        """Write the FAISS index alone in FAISS's own format (published.py); None while empty, else the path and
        rows of a compressed index's float file as they are now (with the index, under the lock), or ()."""
        with self._rw.long_read():
            if self._index is None:
                return None
            faiss.write_index(self._index, str(path))
            return (self._floats.path, self._index.ntotal) if self._floats is not None else ()

    def take_replay(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The delta log's live rows (labels, stored vectors) found by ``load``, once: the caller queues them."""
        replay, self._replay = self._replay, None
        return replay

    @classmethod
    def load(cls, path: pathlib.Path, config) -> tuple[Snapshots, int] | None:
        """``(index, seq)``, or None when the base is missing, corrupt, or was saved with another config."""
        path = pathlib.Path(path)
        try:
            found: list[FloatFile] = []

            def float_sink(block: np.ndarray) -> None:  # a compressed index's vectors, into a float file of its own
                if not found:
                    found.append(FloatFile(block.shape[1], config.float_dir))
                found[0].append(block)
            header, tombs, index = sf.read_base(path, float_sink)
            if header["fingerprint"] != config.fingerprint():
                log.info("vector index %s was saved for %s, not %s: rebuilding", path, header["fingerprint"],
                         config.fingerprint())
                return None
            vi = cls(config)
            if index is not None:
                vi._index, vi._dim = index, index.d
                if index.d != header["dim"] or not isin_sorted(tombs, vi._ids()).all():
                    raise ValueError("index does not match its header")
                vi._tombstones = set(tombs.tolist())
                vi._floats = found[0] if found else None
                if compression.is_compressed(index) and (vi._floats is None or vi._floats.rows != index.ntotal):
                    raise ValueError("the snapshot lacks the float32 vectors of its compressed index")
            delta = sf.read_delta(path, header.get("base_id"), vi._dim)
            vi._adopt_delta(path, header.get("base_id"), delta)
            return vi, max(int(header["seq"]), delta.seq or 0)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            # Derived state: an unreadable file only means "rebuild from SQL".
            log.warning("cannot load vector index %s (%s): rebuilding", path, exc)
            return None

    def _adopt_delta(self, path: pathlib.Path, base_id: str | None, delta: sf.Delta) -> None:
        ids = self._ids()
        in_base = delta.tombstones[isin_sorted(delta.tombstones, ids)]
        self._tombstones.update(in_base.tolist())
        self._tombs_cache = None
        if delta.labels.size:
            keep = ~isin_sorted(delta.labels, np.unique(delta.tombstones)) & ~isin_sorted(delta.labels, ids)
            self._replay = (delta.labels[keep], delta.vectors[keep])
        rows = self._index.ntotal if self._index is not None else 0
        self._saved = None if not delta.intact or base_id is None else Saved(
            path, base_id, self._generation, self._index is not None, rows, rows, int(delta.labels.size),
            self._tombs(), np.sort(delta.labels))
        if not delta.intact:
            log.warning("vector index %s: its delta log is damaged past some point; the next snapshot rewrites it",
                        path)
