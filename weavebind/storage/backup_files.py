"""A backup's data: the SQL rows of some classes (definitions, tenants, aliases, objects, vectors) copied into a
SQLite file, compressed with gzip at the level the request asks for.

SQL is the source of truth and FAISS indexes are derived from it, so a backup is the rows alone; a restore writes
them back through the store and the indexes are built again from them. The rows are read in one transaction,
which makes the backup a consistent cut while the server keeps serving: SQLite in WAL mode holds one snapshot for
a read transaction, and PostgreSQL does under REPEATABLE READ.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, create_engine, insert, or_, select

from weavebind.storage.records import TENANT_SEPARATOR, ObjectRecord, split_key, vector_from_bytes
from weavebind.storage.tables import aliases, classes, metadata, objects, tenants, vectors

DATA_FILE = "data.sqlite3"
CHUNK = 1000
COPY_BUFFER = 1024 * 1024


class BackupCanceled(Exception):
    """The backup's cancel flag was seen between two chunks."""


def _of_classes(table, names: Sequence[str]):
    """Rows of these classes and of their tenants (storage keys "Class#tenant")."""
    column = table.c.class_name
    return or_(*[column == name for name in names],
               *[column.startswith(f"{name}{TENANT_SEPARATOR}", autoescape=True) for name in names])


def _snapshot(conn: Connection) -> Connection:
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def export_classes(engine: Engine, names: Sequence[str], directory: Path,
                   canceled: Callable[[], bool] = lambda: False) -> int:
    """Copy the classes' rows into `directory/data.sqlite3`; returns the bytes written. Raises BackupCanceled."""
    directory.mkdir(parents=True, exist_ok=True)
    target = create_engine(f"sqlite:///{directory / DATA_FILE}")
    metadata.create_all(target)
    try:
        with _snapshot(engine.connect()) as source, source.begin(), target.begin() as out:
            out.execute(insert(classes), [dict(row._mapping) for row in source.execute(
                select(classes).where(classes.c.name.in_(names)))])
            for table in (tenants, aliases):  # a class's aliases are saved with it (Weaviate >= 1.32)
                rows = [dict(row._mapping) for row in source.execute(
                    select(table).where(table.c.class_name.in_(names)))]
                if rows:
                    out.execute(insert(table), rows)
            for table in (objects, vectors):
                result = source.execution_options(stream_results=True).execute(
                    select(table).where(_of_classes(table, names)))
                while rows := result.fetchmany(CHUNK):
                    if canceled():
                        raise BackupCanceled
                    out.execute(insert(table), [dict(row._mapping) for row in rows])
    finally:
        target.dispose()
    return (directory / DATA_FILE).stat().st_size


def open_backup(directory: Path) -> Engine:
    return create_engine(f"sqlite:///{directory / DATA_FILE}")


def class_configs(backup: Engine) -> list[dict]:
    with backup.connect() as conn:
        return [orjson.loads(row) for row in conn.execute(
            select(classes.c.config).order_by(classes.c.position)).scalars()]


def alias_targets(backup: Engine) -> dict[str, str]:
    """alias -> class, for the classes in the backup."""
    with backup.connect() as conn:
        return dict(conn.execute(select(aliases.c.name, aliases.c.class_name)).all())


def tenant_statuses(backup: Engine, class_name: str) -> dict[str, str]:
    with backup.connect() as conn:
        return dict(conn.execute(select(tenants.c.name, tenants.c.status)
                                 .where(tenants.c.class_name == class_name)).all())


def records(backup: Engine, class_name: str) -> Iterator[list[ObjectRecord]]:
    """The objects (with their vectors) of a class and its tenants, in chunks of one storage key each."""
    with backup.connect() as conn:
        keys = conn.execute(select(objects.c.class_name).where(_of_classes(objects, [class_name]))
                            .distinct()).scalars().all()
        for key in keys:
            last = ""
            while rows := conn.execute(select(objects).where((objects.c.class_name == key) & (objects.c.uuid > last))
                                       .order_by(objects.c.uuid).limit(CHUNK)).all():
                last = rows[-1].uuid
                found: dict[str, dict] = {}
                for uid, target, data in conn.execute(select(vectors.c.uuid, vectors.c.target, vectors.c.data).where(
                        (vectors.c.class_name == key) & vectors.c.uuid.in_([r.uuid for r in rows]))):
                    found.setdefault(uid, {})[target] = vector_from_bytes(data)
                owner, tenant = split_key(key)
                yield [ObjectRecord(owner, r.uuid, orjson.loads(r.properties), r.created_ms, r.updated_ms,
                                    found.get(r.uuid, {}), tenant) for r in rows]


def compress(source: Path, target: Path, level: int) -> None:
    """gzip `source` into `target`, streamed (zlib works outside the GIL, so serving goes on meanwhile)."""
    with source.open("rb") as plain, gzip.open(target, "wb", compresslevel=level) as packed:
        shutil.copyfileobj(plain, packed, COPY_BUFFER)


def decompress(source: Path, target: Path) -> None:
    with gzip.open(source, "rb") as packed, target.open("wb") as plain:
        shutil.copyfileobj(packed, plain, COPY_BUFFER)
