"""Engine creation: SQLite (embedded default) or PostgreSQL, configured for durable, concurrent use."""

from __future__ import annotations

import contextlib
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import SingletonThreadPool

from weavebind.storage.coordination import exclusive
from weavebind.storage.large_rows import drop_after_large_write
from weavebind.storage.tables import kv, metadata, objects, vectors

SEQUENCE_KEY = "seq"
SCHEMA_KEY = "schema"  # bumped by every schema change: other servers reload their schema when it moves
DELETES_HORIZON_KEY = "deleted_horizon"  # deletions up to this change number are no longer in wb_deleted
COUNTERS = (SEQUENCE_KEY, SCHEMA_KEY, DELETES_HORIZON_KEY)


SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
READ_THREADS = 64  # threads that may hold a read connection at once: above the worker threads (app.py) + the loop
WRITE_CACHE_KIB = 65536  # SQLite's own page cache per pooled connection (`PRAGMA cache_size=-N`)
# Per thread's read connection: reads by id touch a few leaf pages each, which the OS's cache serves in a few
# microseconds. At 64 MiB, as the pooled connections have, 8 threads reading random objects of a 200,000-object
# class held 528 MB of SQLite pages after 24,000 reads, and a server has 33 reading threads.
READ_CACHE_KIB = 2048


def create_db_engine(url: str, sqlite_synchronous: str = "NORMAL") -> Engine:
    """Create the engine and the tables. SQLite runs in WAL mode: with synchronous=NORMAL (the default) a committed
    write survives a crash or kill -9 of the process, as Weaviate's own write-ahead log does; FULL also fsyncs every
    commit, so it survives power loss too, at about a third of the import speed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=8, max_overflow=8)
        event.listen(engine, "connect", lambda conn, _record: _configure_sqlite(conn, sqlite_synchronous))
    else:
        engine = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
        event.listen(engine, "checkin", drop_after_large_write)
    with exclusive(engine, "create-tables"):  # nodes may start together
        metadata.create_all(engine)
        # create_all adds indexes only with their table: a database made by an older version lacks the newer ones.
        for index in (*objects.indexes, *vectors.indexes):
            index.create(engine, checkfirst=True)
        with engine.begin() as conn:
            present = set(conn.execute(select(kv.c.key).where(kv.c.key.in_(COUNTERS))).scalars())
            for key in COUNTERS:
                if key not in present:
                    conn.execute(insert(kv).values(key=key, value=0))
    return engine


def sqlite_database(url: str, plain_file: bool = False) -> str | None:
    """The database a SQLite URL names when every connection to it opens the same one (not in-memory SQLite);
    None for other databases. With `plain_file`, also None for a URL with options (a URI file name, `?mode=ro`):
    what `sqlite3.connect(path)` would open without them could differ."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return None if plain_file and parsed.query else parsed.database


def create_read_engine(url: str, sqlite_synchronous: str = "NORMAL") -> Engine | None:
    """For a SQLite file: an engine for object reads that keeps one connection per thread, so a read never waits
    for a pooled connection (which lets the event loop run small reads itself, see schema/graphql/fastpath.py). In
    WAL mode readers never wait for the writer. None for other databases (and in-memory SQLite, where every
    connection would be a different database)."""
    if sqlite_database(url) is None:
        return None
    engine = create_engine(url, poolclass=SingletonThreadPool, pool_size=READ_THREADS,
                           connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect",
                 lambda conn, _record: _configure_sqlite(conn, sqlite_synchronous, READ_CACHE_KIB))
    return engine


def release_page_cache(conn: Connection) -> None:
    """After a scan of a whole class on SQLite: give back the connection's page cache (up to `cache_size`, 64 MiB,
    per pooled connection), which a scan fills with pages no later request is likely to want. Each connection that
    built a filter or keyword index kept ~30-60 MB otherwise. Pages are read again from the OS's cache as needed."""
    if conn.dialect.name == "sqlite" and not conn.closed and not conn.invalidated:
        with contextlib.suppress(DBAPIError):  # only memory is at stake: never mask what ended the scan
            conn.exec_driver_sql("PRAGMA shrink_memory")


def _configure_sqlite(dbapi_connection, synchronous: str, cache_kib: int = WRITE_CACHE_KIB) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")  # validated against SQLITE_SYNCHRONOUS by the settings
    cursor.execute("PRAGMA busy_timeout=30000")
    # A 1,000-object batch of 512-d vectors is ~5 MB; the default checkpoint every 1,000 pages (4 MB) made nearly
    # every commit copy and fsync the database file. Checkpointing every 64 MB amortises that.
    cursor.execute("PRAGMA wal_autocheckpoint=16384")
    cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    cursor.close()
