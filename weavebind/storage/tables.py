"""The SQL schema: SQL is the source of truth, FAISS indexes are derived from `wb_vectors`.

Every write takes fresh numbers from the change sequence (`wb_kv['seq']`); an object row and its vector rows carry
the number of the write that produced them. A vector's sequence number is also its FAISS label, so after a restart
an index catches up by comparing the labels it holds with the live `seq` values of `wb_vectors` (indexes.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

kv = Table(
    "wb_kv", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

classes = Table(
    "wb_classes", metadata,
    Column("name", String(255), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("config", Text, nullable=False),
)

# The tenants of multi-tenant classes and their activity status (HOT/COLD); their objects are stored under the
# key "Class#tenant" in `class_name` of the tables below (records.storage_key).
tenants = Table(
    "wb_tenants", metadata,
    Column("class_name", String(255), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
)

# Collection aliases (Weaviate ≥ 1.32): another name for a class, resolved on every path that takes a class name.
aliases = Table(
    "wb_aliases", metadata,
    Column("name", String(255), primary_key=True),
    Column("class_name", String(255), nullable=False),
)

objects = Table(
    "wb_objects", metadata,
    Column("class_name", String(255), primary_key=True),
    Column("uuid", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Column("properties", Text, nullable=False),
)
Index("ix_wb_objects_uuid", objects.c.uuid)
# Servers sharing the database catch up by reading the rows written after the last change they applied.
Index("ix_wb_objects_seq", objects.c.seq)

vectors = Table(
    "wb_vectors", metadata,
    Column("class_name", String(255), primary_key=True),
    Column("target", String(255), primary_key=True),
    Column("uuid", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)
Index("ix_wb_vectors_seq", vectors.c.class_name, vectors.c.target, vectors.c.seq)
# An object's vectors by uuid, whatever their targets: the primary key has the target before the uuid, so a read
# of a few objects' vectors (`include=vector`, `_additional { vector }`) walked every vector of the class (40 ms
# per 10 objects at 200,000).
Index("ix_wb_vectors_uuid", vectors.c.class_name, vectors.c.uuid)

# Deleted objects, kept for a while with the change number of their deletion, so that other servers sharing the
# database (worker processes, nodes) can remove them from their indexes (storage/changes.py).
deleted = Table(
    "wb_deleted", metadata,
    Column("seq", BigInteger, primary_key=True),
    Column("class_name", String(255), nullable=False),
    Column("uuid", String(36), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
)

# A class's shard status when it is not READY (weavebind keeps one shard per class: storage/shards.py).
shards = Table(
    "wb_shards", metadata,
    Column("class_name", String(255), primary_key=True),
    Column("status", String(16), nullable=False),
)
