"""Rows with large properties (storage/large_rows.py) are stored and read back exactly, on both databases, and a
SQLite connection's page cache is set back after the write."""

from __future__ import annotations

import base64
import os

from sqlalchemy import text

from weavebind.storage import large_rows
from weavebind.storage.db import create_db_engine
from weavebind.storage.objects import get_objects, write_objects
from weavebind.storage.records import ObjectRecord


def _record(uid: str, image: str) -> ObjectRecord:
    return ObjectRecord("Blobs", uid, {"title": "t", "image": image, "n": 1.5}, 1, 2)


def test_large_and_small_rows_round_trip(database_url):
    engine = create_db_engine(database_url)
    big = base64.b64encode(os.urandom(large_rows.LARGE_VALUE)).decode()  # over the threshold once base64
    records = [_record("00000000-0000-0000-0000-000000000001", big),
               _record("00000000-0000-0000-0000-000000000002", "aGk=")]
    with engine.begin() as conn:
        before = conn.execute(text("PRAGMA cache_size")).scalar() if conn.dialect.name == "sqlite" else None
        write_objects(conn, records, first_seq=1)
        if before is not None:
            assert conn.execute(text("PRAGMA cache_size")).scalar() == before
    with engine.connect() as conn:
        found = {r.uuid: r.properties for r in get_objects(conn, "Blobs", [r.uuid for r in records], False)}
    assert found == {r.uuid: r.properties for r in records}
    engine.dispose()


def test_a_replaced_large_row_leaves_one_row(database_url):
    engine = create_db_engine(database_url)
    uid = "00000000-0000-0000-0000-000000000003"
    first = base64.b64encode(os.urandom(large_rows.LARGE_VALUE)).decode()
    second = base64.b64encode(os.urandom(large_rows.LARGE_VALUE)).decode()
    with engine.begin() as conn:
        write_objects(conn, [_record(uid, first)], first_seq=1)
    with engine.begin() as conn:
        write_objects(conn, [_record(uid, second)], first_seq=2, replacing=[uid])
    with engine.connect() as conn:
        found = get_objects(conn, "Blobs", [uid], False)
        count = conn.execute(text("SELECT count(*) FROM wb_objects")).scalar()
    assert [r.properties["image"] for r in found] == [second] and count == 1
    engine.dispose()


def test_a_connection_that_sent_a_large_row_is_closed_when_it_returns_to_the_pool(database_url):
    """libpq keeps its output buffer as large as the largest message sent: PostgreSQL connections go after one."""
    engine = create_db_engine(database_url)
    engine.dispose()  # one pooled connection from here on (creating the tables may have left two)
    big = base64.b64encode(os.urandom(large_rows.LARGE_VALUE)).decode()
    with engine.begin() as conn:
        first = conn.connection.dbapi_connection
        write_objects(conn, [_record("00000000-0000-0000-0000-000000000004", "aGk=")], first_seq=1)
    with engine.begin() as conn:
        assert conn.connection.dbapi_connection is first  # a small write keeps its connection
        write_objects(conn, [_record("00000000-0000-0000-0000-000000000005", big)], first_seq=2)
    with engine.connect() as conn:
        reused = conn.connection.dbapi_connection is first
        assert len(get_objects(conn, "Blobs", ["00000000-0000-0000-0000-000000000005"], False)) == 1
    assert reused == (engine.dialect.name == "sqlite")
    engine.dispose()
