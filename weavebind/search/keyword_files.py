"""The keyword index of one storage key on disk: one file with its ids, uuids and every built property's postings,
and the change number (`seq`) up to which it holds every write. Derived state: a missing, corrupt or mismatching
file (another format or range size, another key) means a rebuild from SQL, never an error.

Layout: magic, header length, JSON header (key, seq, range bits, the arrays in order with dtype and length), the
arrays' raw bytes, then a CRC-32 of everything before it. Saving streams each array to a temporary file (posting
lists are written from the live arrays: they only ever grow, so a captured prefix never changes), fsyncs and
renames it over the old one; loading reads the file once and uses views into that buffer as the posting lists
(copied on their first append).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from weavebind.search import keyword_postings
from weavebind.search.keyword_postings import Grow, KeyDocs, PropertyPostings, TermPostings

log = logging.getLogger("weavebind.keyword")
MAGIC = b"WBKWIDX1"
FORMAT = 1


@dataclass
class PropCapture:
    prop: str
    tokenization: str
    names: list[str]
    terms: list[tuple[np.ndarray, np.ndarray, int]]   # (ids, tfs, df) per term
    arrays: dict[str, np.ndarray]                      # lengths, fstart, fcount, fwd
    length_sum: int
    nonzero: int


@dataclass
class Capture:
    """What a save writes, taken under the index lock (cheap: prefixes of append-only arrays, copies of the rest)."""

    key: str
    seq: int
    uuids: list[str]
    live: np.ndarray
    props: list[PropCapture]


def path_for(directory: Path, key: str) -> Path:
    return directory / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".kw")


def capture(key: str, docs: KeyDocs, seq: int) -> Capture:
    props = []
    for (prop, tokenization), p in docs.props.items():
        terms = [(t.ids.view(), t.tfs.view(), t.df) for t in p.terms]
        size = len(docs.uuids)
        arrays = {"lengths": p.lengths.padded(size).copy(), "fstart": p.fstart.padded(size).copy(),
                  "fcount": p.fcount.padded(size).copy(), "fwd": p.fwd.view()}
        props.append(PropCapture(prop, tokenization, list(p.names), terms, arrays, p.length_sum, p.nonzero))
    return Capture(key, seq, list(docs.uuids), docs.live.padded(len(docs.uuids)).copy(), props)


def _chunks(cap: Capture) -> list[tuple[str, np.ndarray | list[np.ndarray]]]:
    """(name, array or arrays written one after the other) in file order."""
    out: list = [("uuids", np.frombuffer(orjson.dumps(cap.uuids), np.uint8)), ("live", cap.live)]
    for i, p in enumerate(cap.props):
        sizes = np.array([len(ids) for ids, _, _ in p.terms], dtype=np.int64)
        out += [(f"{i}.names", np.frombuffer(orjson.dumps(p.names), np.uint8)),
                (f"{i}.sizes", sizes), (f"{i}.df", np.array([df for _, _, df in p.terms], dtype=np.int64)),
                *((f"{i}.{name}", array) for name, array in p.arrays.items()),
                (f"{i}.ids", [ids for ids, _, _ in p.terms]), (f"{i}.tfs", [tfs for _, tfs, _ in p.terms])]
    return out


def save(path: Path, cap: Capture) -> None:
    chunks = _chunks(cap)
    specs = []
    for name, value in chunks:
        parts = value if isinstance(value, list) else [value]
        dtype = parts[0].dtype.str if parts else "<i4"
        specs.append([name, dtype, int(sum(len(a) for a in parts))])
    header = orjson.dumps({"format": FORMAT, "key": cap.key, "seq": cap.seq, "range_bits": keyword_postings.RANGE_BITS,
                           "arrays": specs, "props": [[p.prop, p.tokenization, p.length_sum, p.nonzero]
                                                      for p in cap.props]})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")  # two savers never share one
    with open(tmp, "wb") as f:
        head = MAGIC + len(header).to_bytes(8, "little") + header
        f.write(head)
        crc = zlib.crc32(head)
        for _, value in chunks:
            for array in value if isinstance(value, list) else [value]:
                data = memoryview(np.ascontiguousarray(array)).cast("B")
                f.write(data)
                crc = zlib.crc32(data, crc)
        f.write(crc.to_bytes(4, "little"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path: Path, key: str) -> tuple[KeyDocs, int] | None:
    """(ids and postings, seq), or None when there is no usable file (it is then rebuilt from SQL)."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        return None
    try:
        return _parse(data, key)
    except Exception as exc:  # a torn or foreign file: derived state, rebuilt from SQL
        log.warning("keyword index file %s unusable (%s): rebuilding from SQL", path, exc)
        return None


def _parse(data: np.ndarray, key: str) -> tuple[KeyDocs, int] | None:
    if bytes(data[:8]) != MAGIC or len(data) < 20:
        raise ValueError("not a keyword index file")
    if zlib.crc32(memoryview(data[:-4])) != int.from_bytes(bytes(data[-4:]), "little"):
        raise ValueError("checksum mismatch")
    size = int.from_bytes(bytes(data[8:16]), "little")
    header = orjson.loads(bytes(data[16:16 + size]))
    if header["format"] != FORMAT or header["range_bits"] != keyword_postings.RANGE_BITS or header["key"] != key:
        log.info("keyword index file of %s is of another format or key: rebuilding from SQL", key)
        return None
    arrays, pos = {}, 16 + size
    for name, dtype, count in header["arrays"]:
        width = np.dtype(dtype).itemsize * count
        arrays[name] = data[pos:pos + width].view(dtype)
        pos += width
    docs = KeyDocs()
    docs.set_loaded(orjson.loads(bytes(arrays["uuids"])), arrays["live"])
    for i, (prop, tokenization, length_sum, nonzero) in enumerate(header["props"]):
        docs.props[(prop, tokenization)] = _prop(arrays, i, tokenization, length_sum, nonzero)
    docs.dirty = False
    return docs, int(header["seq"])


def _prop(arrays: dict, i: int, tokenization: str, length_sum: int, nonzero: int) -> PropertyPostings:
    p = PropertyPostings(tokenization)
    names = orjson.loads(bytes(arrays[f"{i}.names"]))
    ends = np.cumsum(arrays[f"{i}.sizes"]).tolist()
    ids, tfs = arrays[f"{i}.ids"], arrays[f"{i}.tfs"]
    start = 0
    for number, (name, end, df) in enumerate(zip(names, ends, arrays[f"{i}.df"].tolist(), strict=True)):
        term = TermPostings()
        term.set_arrays(ids[start:end], tfs[start:end], df)
        p.vocab[name] = number
        p.terms.append(term)
        start = end
    p.names = names
    p.lengths = Grow(np.int32, data=arrays[f"{i}.lengths"])
    p.fstart = Grow(np.int64, data=arrays[f"{i}.fstart"])
    p.fcount = Grow(np.int32, data=arrays[f"{i}.fcount"].copy())  # changed in place by deletes
    p.fwd = Grow(np.int32, data=arrays[f"{i}.fwd"])
    p.length_sum, p.nonzero = length_sum, nonzero
    return p
