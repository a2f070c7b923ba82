"""Engine creation: SQLite (embedded default) or PostgreSQL, configured for durable, concurrent use."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.engine import make_url

from weavebind.storage.tables import kv, metadata

SEQUENCE_KEY = "seq"


def create_db_engine(url: str) -> Engine:
    """Create the engine and the tables. SQLite runs in WAL mode with synchronous=FULL, so a committed write
    survives a crash of the process and of the machine."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=8, max_overflow=8)
        event.listen(engine, "connect", _configure_sqlite)
    else:
        engine = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
    metadata.create_all(engine)
    with engine.begin() as conn:
        if conn.execute(select(kv.c.value).where(kv.c.key == SEQUENCE_KEY)).first() is None:
            conn.execute(insert(kv).values(key=SEQUENCE_KEY, value=0))
    return engine


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()
