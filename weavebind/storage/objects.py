"""SQL reads and writes of objects and their vectors. Callers hold the store's write lock for writes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import orjson
from sqlalchemy import Connection, and_, delete, func, insert, select, update

from weavebind.storage.db import SEQUENCE_KEY
from weavebind.storage.large_rows import Released, insert_sqlite, parsed_back, properties_param
from weavebind.storage.prefilter import Prefilter, render
from weavebind.storage.records import (
    TENANT_SEPARATOR,
    ObjectRecord,
    shared_uuid,
    split_key,
    vector_from_bytes,
    vector_to_bytes,
)
from weavebind.storage.tables import kv, objects, vectors

UNTRANSLATABLE_CHARACTER = "22P05"  # PostgreSQL's SQLSTATE for \u0000 in jsonb or text
CHUNK = 500  # bound on bound parameters per statement (SQLite allows 32766; keep statements modest)


def allocate_sequence(conn: Connection, count: int) -> int:
    """Reserve `count` change numbers; returns the first. The row lock orders concurrent writers on PostgreSQL."""
    last = conn.execute(
        update(kv).where(kv.c.key == SEQUENCE_KEY).values(value=kv.c.value + count).returning(kv.c.value)
    ).scalar_one()
    return last - count + 1


def current_sequence(conn: Connection) -> int:
    return conn.execute(select(kv.c.value).where(kv.c.key == SEQUENCE_KEY)).scalar_one()


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def existing_created(conn: Connection, class_name: str, uuids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in _chunks(uuids):
        rows = conn.execute(select(objects.c.uuid, objects.c.created_ms).where(
            and_(objects.c.class_name == class_name, objects.c.uuid.in_(part))))
        found.update({row.uuid: row.created_ms for row in rows})
    return found


PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _insert_many(conn: Connection, table, rows: list[tuple]) -> None:
    """executemany through the driver: SQLAlchemy's per-row parameter processing cost more than SQLite's insert."""
    mark = PLACEHOLDERS.get(conn.dialect.paramstyle)
    if mark is None:  # a driver with another paramstyle: take SQLAlchemy's portable path
        conn.execute(insert(table), [dict(zip(table.c.keys(), row, strict=True)) for row in rows])
        return
    columns = ", ".join(table.c.keys())
    values = ", ".join([mark] * len(table.c))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({values})", rows)


def write_objects(conn: Connection, records: Sequence[ObjectRecord], first_seq: int,
                  replacing: Sequence[str] = (), released: Released | None = None) -> None:
    """Insert `records` (one class or tenant) with sequence numbers first_seq, first_seq + 1, ...; the rows (and
    vectors) of the uuids in `replacing` are deleted first, which makes the write an upsert. Records with large
    properties lose their parsed properties until `released` is restored (large_rows.Released; here when None)."""
    class_name = records[0].key
    if replacing:
        _delete_rows(conn, class_name, replacing)
    # Column order must follow the table definitions in tables.py.
    rows = [(class_name, r.uuid, first_seq + i, r.created_ms, r.updated_ms, properties_param(conn, r.properties))
            for i, r in enumerate(records)]
    with contextlib.nullcontext(released) if released is not None else parsed_back() as held:
        held.release(records, rows, _PROPERTIES)
        if held and conn.dialect.name == "sqlite":
            insert_sqlite(conn, objects, rows)
        else:
            _insert_many(conn, objects, rows)
        del rows  # the properties JSON: kept by `held` alone where it must be parsed back
    vector_rows = [(class_name, target, r.uuid, first_seq + i, vector_to_bytes(vec))
                   for i, r in enumerate(records) for target, vec in r.vectors.items()]
    if vector_rows:
        _insert_many(conn, vectors, vector_rows)


def _delete_rows(conn: Connection, class_name: str, uuids: Sequence[str]) -> None:
    for part in _chunks(uuids):
        conn.execute(delete(objects).where(and_(objects.c.class_name == class_name, objects.c.uuid.in_(part))))
        conn.execute(delete(vectors).where(and_(vectors.c.class_name == class_name, vectors.c.uuid.in_(part))))


def delete_objects(conn: Connection, class_name: str, uuids: Sequence[str]) -> list[str]:
    """Delete the given objects; returns the uuids that existed."""
    existed: list[str] = []
    for part in _chunks(uuids):
        existed += conn.execute(select(objects.c.uuid).where(
            and_(objects.c.class_name == class_name, objects.c.uuid.in_(part)))).scalars().all()
    _delete_rows(conn, class_name, existed)
    return existed


def delete_key_rows(conn: Connection, key: str) -> None:
    """Every object and vector stored under one key: a class without tenants, or one tenant of a class."""
    conn.execute(delete(objects).where(objects.c.class_name == key))
    conn.execute(delete(vectors).where(vectors.c.class_name == key))


def delete_class_rows(conn: Connection, class_name: str) -> None:
    """Every object and vector of a class, its tenants' included."""
    delete_key_rows(conn, class_name)
    tenant_keys = f"{class_name}{TENANT_SEPARATOR}"
    conn.execute(delete(objects).where(objects.c.class_name.startswith(tenant_keys, autoescape=True)))
    conn.execute(delete(vectors).where(vectors.c.class_name.startswith(tenant_keys, autoescape=True)))


# Positions of the columns in a full `objects` row: rows come from SQLAlchemy (`Row`) or straight from the driver
# (plain tuples, see `_select_by_uuid`), and both index by position.
_CLASS, _UUID, _CREATED, _UPDATED, _PROPERTIES = (objects.c.keys().index(name) for name in (
    "class_name", "uuid", "created_ms", "updated_ms", "properties"))


def _record(row, vector_rows: dict[str, dict]) -> ObjectRecord:
    class_name, tenant = split_key(row[_CLASS])
    return ObjectRecord(class_name=class_name, uuid=row[_UUID], properties=orjson.loads(row[_PROPERTIES]),
                        created_ms=row[_CREATED], updated_ms=row[_UPDATED],
                        vectors=vector_rows.get((row[_CLASS], row[_UUID]), {}), tenant=tenant)


def _vectors_of(conn: Connection, rows) -> dict:
    by_class: dict[str, list[str]] = {}
    for row in rows:
        by_class.setdefault(row[_CLASS], []).append(row[_UUID])
    found: dict = {}
    for class_name, uuids in by_class.items():
        for part in _chunks(uuids):
            for uid, target, data in _select_by_uuid(conn, vectors, ("uuid", "target", "data"), class_name, part):
                found.setdefault((class_name, uid), {})[target] = vector_from_bytes(data)
    return found


def _select_by_uuid(conn: Connection, table, columns: Sequence[str], class_name: str | None, uuids: Sequence[str]):
    """Rows (`columns` in order) of `table` with these uuids, through the driver's own cursor: a query fetches a
    handful of objects, and SQLAlchemy's expanding IN and result rows cost more than the database (0.46 ms of a
    2.3 ms GraphQL query compiled; 0.05 ms of `exec_driver_sql` result handling after that)."""
    mark = PLACEHOLDERS.get(conn.dialect.paramstyle)
    if mark is None:  # another driver: SQLAlchemy's portable path
        condition = table.c.uuid.in_(uuids)
        if class_name is not None:
            condition = and_(table.c.class_name == class_name, condition)
        return conn.execute(select(*[table.c[c] for c in columns]).where(condition)
                            .order_by(table.c.class_name)).all()
    where = f"uuid IN ({', '.join([mark] * len(uuids))})"
    params: tuple = tuple(uuids)
    if class_name is not None:
        where, params = f"class_name = {mark} AND {where}", (class_name, *params)
    sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {where} ORDER BY class_name"
    return _driver_rows(conn, sql, params)


def _driver_rows(conn: Connection, sql: str, params: tuple) -> list[tuple]:
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def records_from_rows(conn: Connection, rows, with_vectors: bool) -> list[ObjectRecord]:
    rows = list(rows)
    vector_rows = _vectors_of(conn, rows) if with_vectors else {}
    return [_record(row, vector_rows) for row in rows]


def get_objects(conn: Connection, class_name: str | None, uuids: Sequence[str],
                with_vectors: bool) -> list[ObjectRecord]:
    """Objects with the given ids; with class_name None, from every class without tenants (Weaviate's legacy
    id-only paths, which take no tenant)."""
    rows: list = []
    for part in _chunks(uuids):
        rows += _select_by_uuid(conn, objects, list(objects.c.keys()), class_name, part)
    if class_name is None:
        rows = [row for row in rows if TENANT_SEPARATOR not in row[_CLASS]]
    return records_from_rows(conn, rows, with_vectors)


def list_objects(conn: Connection, class_name: str | None, limit: int, offset: int, after: str | None,
                 with_vectors: bool) -> list[ObjectRecord]:
    """A page of objects ordered by (class, uuid), the order Weaviate's cursor (`after`) walks."""
    query = select(objects)
    if class_name is not None:
        query = query.where(objects.c.class_name == class_name)
    else:  # every class, but no tenant's objects: listing them takes the class and the tenant
        query = query.where(~objects.c.class_name.contains(TENANT_SEPARATOR, autoescape=True))
    if after is not None:
        query = query.where(objects.c.uuid > after)
    query = query.order_by(objects.c.class_name, objects.c.uuid).limit(limit).offset(offset)
    return records_from_rows(conn, conn.execute(query).all(), with_vectors)


def count_objects(conn: Connection, class_name: str | None) -> int:
    query = select(func.count()).select_from(objects)
    if class_name is not None:
        query = query.where(objects.c.class_name == class_name)
    return conn.execute(query).scalar_one()


def count_tenants(conn: Connection, class_name: str) -> dict[str, int]:
    """Objects per tenant of a class."""
    query = select(objects.c.class_name, func.count()).where(
        objects.c.class_name.startswith(f"{class_name}{TENANT_SEPARATOR}", autoescape=True)).group_by(
        objects.c.class_name)
    return {split_key(key)[1]: count for key, count in conn.execute(query)}


def count_by_class(conn: Connection) -> dict[str, int]:
    """Objects per class, its tenants' objects included."""
    query = select(objects.c.class_name, func.count()).group_by(objects.c.class_name)
    counts: dict[str, int] = {}
    for key, count in conn.execute(query):
        owner = split_key(key)[0]
        counts[owner] = counts.get(owner, 0) + count
    return counts


def iter_class(conn: Connection, class_name: str, batch: int = 2000,
               prefilter: Prefilter | None = None) -> Iterator[ObjectRecord]:
    """Every object of a class, without vectors, in uuid order; keyset pagination keeps memory flat. With a
    `prefilter` (prefilter.py) rows SQL can tell do not match are skipped: the caller still filters exactly."""
    last = ""
    mark = PLACEHOLDERS.get(conn.dialect.paramstyle)
    # Through the driver where it can: filters and Aggregate scan whole classes, and SQLAlchemy's result rows cost
    # more than SQLite's own reading (about 40 % of a 20,000-object scan).
    narrow, params = render(prefilter, conn.dialect.name, mark) if prefilter is not None and mark else ("", [])
    while True:
        sql = (f"SELECT {', '.join(objects.c.keys())} FROM {objects.name} WHERE class_name = {mark} AND uuid > "
               f"{mark}{' AND ' + narrow if narrow else ''} ORDER BY uuid LIMIT {int(batch)}") if mark else None
        try:
            rows = _driver_rows(conn, sql, (class_name, last, *params)) if sql else conn.execute(
                select(objects).where(and_(objects.c.class_name == class_name, objects.c.uuid > last))
                .order_by(objects.c.uuid).limit(batch)).all()
        except Exception as exc:
            if not narrow or getattr(exc, "sqlstate", None) != UNTRANSLATABLE_CHARACTER:
                raise
            # A row stored before NUL characters were refused: PostgreSQL cannot read it as jsonb. Go on without
            # the pre-filter (it only ever narrows), from where the scan was.
            conn.connection.dbapi_connection.rollback()
            narrow, params = "", []
            continue
        if not rows:
            return
        yield from records_from_rows(conn, rows, with_vectors=False)
        last = rows[-1][_UUID]


def live_labels(conn: Connection, class_name: str, target: str) -> dict[int, str]:
    """Sequence number (= FAISS label) → uuid of every stored vector of one target (driver rows: fast at start-up)."""
    rows = conn.execute(select(vectors.c.seq, vectors.c.uuid).where(
        and_(vectors.c.class_name == class_name, vectors.c.target == target))).all()
    return {seq: shared_uuid(uuid) for seq, uuid in rows}


def vectors_by_labels(conn: Connection, class_name: str, target: str,
                      labels: Sequence[int]) -> list[tuple[int, bytes]]:
    found: list[tuple[int, bytes]] = []
    for part in _chunks(sorted(labels)):
        found += conn.execute(select(vectors.c.seq, vectors.c.data).where(and_(
            vectors.c.class_name == class_name, vectors.c.target == target, vectors.c.seq.in_(part)))).all()
    return found
