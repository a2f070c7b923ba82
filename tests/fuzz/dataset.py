"""The fixed data set the fuzzers run against, and a digest of everything stored.

Three classes cover the shapes that matter to hostile input: plain properties with a cross-reference (`Article` →
`Author`), a multi-tenant class with a HOT and a COLD tenant (`Note`), and an alias (`Writing` → `Article`). The
digest covers every SQL table except the change-sequence counter, so a refused request that still wrote anything
(an object, a vector, a tenant, a class, a shard status) changes it.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select

from weavebind.storage import tables

CLASSES = ["Article", "Author", "Note"]
ALIAS = "Writing"
TENANTS = {"tenantA": "HOT", "tenantB": "HOT", "tenantC": "COLD"}
AUTHORS = [str(uuid.UUID(int=0xA000 + i)) for i in range(4)]
ARTICLES = [str(uuid.UUID(int=0xB000 + i)) for i in range(8)]
NOTES = [str(uuid.UUID(int=0xC000 + i)) for i in range(4)]
IDS = AUTHORS + ARTICLES + NOTES
PROPERTIES = ["title", "body", "wordCount", "rating", "tags", "published", "writtenBy", "name", "age", "text"]
DIM = 4


def _vector(i: int) -> list[float]:
    return [float((i * 7 + k) % 5) / 4 + 0.1 for k in range(DIM)]


def _text(name: str, **extra) -> dict:
    return {"name": name, "dataType": ["text"], **extra}


def class_definitions() -> list[dict]:
    article = {"class": "Article", "vectorizer": "none", "properties": [
        _text("title"), _text("body", tokenization="word"), {"name": "wordCount", "dataType": ["int"]},
        {"name": "rating", "dataType": ["number"]}, {"name": "tags", "dataType": ["text[]"]},
        {"name": "published", "dataType": ["date"]}, {"name": "writtenBy", "dataType": ["Author"]}]}
    author = {"class": "Author", "vectorizer": "none",
              "properties": [_text("name"), {"name": "age", "dataType": ["int"]}]}
    note = {"class": "Note", "vectorizer": "none", "multiTenancyConfig": {"enabled": True},
            "properties": [_text("text")]}
    return [author, article, note]


def seed(http) -> None:
    """Create the data set through the REST API (`http`: an httpx-like client on the server's base URL)."""
    for definition in class_definitions():
        _ok(http.post("/v1/schema", json=definition))
    _ok(http.post("/v1/schema/Note/tenants", json=[{"name": n, "activityStatus": "HOT"} for n in TENANTS]))
    _ok(http.post("/v1/aliases", json={"alias": ALIAS, "class": "Article"}))
    objects = [{"class": "Author", "id": uid, "vector": _vector(i),
                "properties": {"name": f"author {i}", "age": 30 + i}} for i, uid in enumerate(AUTHORS)]
    objects += [{"class": "Article", "id": uid, "vector": _vector(i + 10), "properties": {
        "title": f"title {i}", "body": f"body of article {i} about cats and dogs", "wordCount": 100 * i,
        "rating": i / 3, "tags": ["a", f"t{i}"], "published": f"2024-01-0{i + 1}T00:00:00Z",
        "writtenBy": [{"beacon": f"weaviate://localhost/Author/{AUTHORS[i % len(AUTHORS)]}"}]}}
        for i, uid in enumerate(ARTICLES)]
    objects += [{"class": "Note", "id": uid, "tenant": "tenantA" if i % 2 else "tenantB", "vector": _vector(i + 20),
                 "properties": {"text": f"note {i}"}} for i, uid in enumerate(NOTES)]
    results = _ok(http.post("/v1/batch/objects", json={"objects": objects})).json()
    errors = [r["result"]["errors"] for r in results if r.get("result", {}).get("errors")]
    assert not errors, errors
    # The COLD tenant last: its objects could not be written while it is COLD.
    _ok(http.put("/v1/schema/Note/tenants", json=[{"name": "tenantC", "activityStatus": "COLD"}]))


def reset(http) -> None:
    """Drop everything a successful fuzzed request may have created or changed, then seed again."""
    for alias in http.get("/v1/aliases").json()["aliases"]:
        _ok(http.delete(f"/v1/aliases/{alias['alias']}"))
    for definition in http.get("/v1/schema").json()["classes"]:
        _ok(http.delete(f"/v1/schema/{definition['class']}"))
    seed(http)


def digest(store) -> str:
    """A hash of every stored row (classes, tenants, aliases, objects, vectors, shard states)."""
    h = hashlib.sha256()
    with store.engine.connect() as conn:
        for table in (tables.classes, tables.tenants, tables.aliases, tables.objects, tables.vectors, tables.shards):
            key = list(table.primary_key.columns)
            for row in conn.execute(select(table).order_by(*key)):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def _ok(response):
    assert response.status_code < 300, (response.status_code, response.text)
    return response
