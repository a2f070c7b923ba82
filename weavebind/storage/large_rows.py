"""Writing an object whose properties are large (a blob of megabytes) without the database driver keeping extra
copies of them: a request's peak memory must stay a small multiple of its body (docs/benchmarks.md).

The properties JSON of such a row (at least LARGE_VALUE bytes) is passed to the driver in the form it copies
least, and on SQLite the write is arranged so that nothing of it stays in memory afterwards:
- The record's parsed properties are dropped while the JSON is written, and parsed back from it after: the JSON,
  not the parsed value, is what the driver needs (a record holding its values alone then holds no copy of them).
- SQLite copies a bound text (the sqlite3 module binds with SQLITE_TRANSIENT), builds the row's record from it (a
  second copy) and writes the record into pages of the connection's page cache (a third: up to `cache_size`,
  64 MiB). The cache is made small for the insert, so the row's pages spill to the write-ahead log as they fill
  instead of staying in memory, and set back afterwards (its clean pages are then read again as needed).
- SQLite keeps a statement's last bound values until it is run again, and the sqlite3 module caches statements:
  a 50 MB value stayed with the pooled connection after the request. The insert ends with a row of NULLs whose
  `WHERE` is false, which rebinds every parameter and inserts nothing.
- psycopg encodes a `str` parameter into new bytes before libpq copies it into its output buffer: the JSON goes as
  the bytes orjson made, sent as text. libpq then keeps that buffer as large as the row for the connection's life:
  the connection is closed when it returns to the pool (the pool opens another when it needs one).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Table

from weavebind.storage.records import ObjectRecord

LARGE_VALUE = 1 << 20  # bytes of properties JSON from which a row takes the paths here
DROP_AFTER_WRITE = "weavebind.drop_after_large_write"  # a pooled connection's info key: see drop_after_large_write
SPILL_CACHE_KIB = 2048  # SQLite page cache while a large row is written (KiB; `PRAGMA cache_size=-N`)


class TextBytes:
    """UTF-8 bytes that psycopg sends as a text parameter without copying them (see `_text_bytes_dumper`)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)


def properties_param(conn: Connection, properties: dict) -> Any:
    """The properties JSON as the parameter to bind: a `str`, or TextBytes for a large value on PostgreSQL."""
    data = orjson.dumps(properties)
    if len(data) >= LARGE_VALUE and conn.dialect.driver == "psycopg":
        # A connection copies the global adapters when it opens: register on this one (a dict entry, idempotent).
        conn.connection.dbapi_connection.adapters.register_dumper(TextBytes, _text_bytes_dumper())
        conn.info[DROP_AFTER_WRITE] = True
        return TextBytes(data)
    return data.decode()


class Released:
    """The records whose parsed properties were dropped while their JSON was written, with that JSON: `restore`
    parses them back (what was written, and what a read returns). Store.put restores once the transaction is over
    and its connection back in the pool, so that what the driver kept of the write is gone by then."""

    def __init__(self) -> None:
        self._held: list[tuple[ObjectRecord, Any]] = []

    def release(self, records: Sequence[ObjectRecord], rows: Sequence[tuple], column: int) -> None:
        """Drop the parsed properties of the records whose JSON (`rows[i][column]`) is large. Only the JSON is
        written, and while the driver copies it the parsed value would be one more copy of the body (freed here
        when the caller handed the record its values alone: see ObjectService.create)."""
        for record, row in zip(records, rows, strict=True):
            if len(row[column]) >= LARGE_VALUE:
                self._held.append((record, row[column]))
                record.properties = None  # type: ignore[assignment]  # `restore` sets it again

    def __bool__(self) -> bool:
        return bool(self._held)

    def restore(self) -> None:
        held, self._held = self._held, []
        while held:
            record, value = held.pop()
            record.properties = orjson.loads(value.data if isinstance(value, TextBytes) else value)
            del record, value  # each JSON goes as soon as its record has its properties again


@contextlib.contextmanager
def parsed_back() -> Iterator[Released]:
    """A `Released` whose records get their properties back when the block ends, whatever happened in it."""
    released = Released()
    try:
        yield released
    finally:
        released.restore()


def drop_after_large_write(dbapi_connection: Any, record: Any) -> None:
    """Pool `checkin` listener (PostgreSQL): close a connection that sent a large row. libpq keeps its output
    buffer as large as the largest message it sent, for the connection's life (1x a 50 MB body per pooled
    connection); the pool opens a new connection when it needs one."""
    if record.info.pop(DROP_AFTER_WRITE, False) and dbapi_connection is not None:
        record.invalidate()


def insert_sqlite(conn: Connection, table: Table, rows: list[tuple]) -> None:
    """Insert rows holding a large value into a SQLite table: small page cache, bound values released after."""
    previous = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SPILL_CACHE_KIB}")
    try:
        columns = ", ".join(table.c.keys())
        marks = ", ".join(["?"] * len(table.c))
        release = (*([None] * len(table.c)), 0)  # binds NULLs over the large values; WHERE 0 inserts nothing
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) SELECT {marks} WHERE ?",
                             [(*row, 1) for row in rows] + [release])
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={previous}")


@functools.cache
def _text_bytes_dumper() -> type:
    """psycopg's dumper of TextBytes (made on first use: psycopg is only there with the [postgres] extra); its
    `dump` hands libpq the bytes as they are."""
    import psycopg
    from psycopg.adapt import Dumper

    class TextBytesDumper(Dumper):
        oid = psycopg.adapters.types["text"].oid

        def dump(self, obj: TextBytes) -> bytes:
            return obj.data

    return TextBytesDumper
