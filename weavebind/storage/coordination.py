"""Coordination between servers that share one database, through the database itself (no protocol of our own).

PostgreSQL's advisory locks give one server at a time a job that must not run twice at once (pruning the change
feed, creating the tables on first start). SQLite needs none: its writers are serialised by the database lock, and
every job here is idempotent.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, text

# Advisory lock keys are 64-bit integers: derive them from the job's name, in a namespace of our own.
LOCK_NAMESPACE = 0x57425F  # "WB_"


def lock_key(job: str) -> int:
    return (LOCK_NAMESPACE << 32) | zlib.crc32(job.encode())


@contextlib.contextmanager
def singleton_job(conn: Connection, job: str) -> Iterator[bool]:
    """Inside a transaction: yields True when this server may run `job` now (it holds the lock until the
    transaction ends), False when another server is running it."""
    if conn.dialect.name != "postgresql":
        yield True
        return
    yield bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(job)}).scalar())


@contextlib.contextmanager
def exclusive(engine: Engine, job: str) -> Iterator[None]:
    """Wait until no other server runs `job`, and run it (a PostgreSQL session lock on a connection of its own;
    nothing on SQLite, which holds no connection for it either)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(job)})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(job)})
