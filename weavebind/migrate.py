"""`weavebind migrate`: copy one class (its schema, objects and vectors) between two servers that speak Weaviate's
REST API, in either direction: Weaviate → weavebind, weavebind → Weaviate, or between two of either.

Objects are read with the cursor API (`GET /v1/objects?class=&after=&include=vector`) and written with
`POST /v1/batch/objects` (an upsert, so an interrupted run can simply be started again). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx

OBJECT_KEYS = ("class", "id", "properties", "vector", "vectors", "creationTimeUnix", "lastUpdateTimeUnix")


class MigrationError(RuntimeError):
    """The copy cannot go on; the message says which server answered what."""


@dataclass
class Endpoint:
    """One server's REST API (`http://host:8080`), with an optional API key."""

    url: str
    api_key: str | None = None
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        self.client = httpx.Client(base_url=self.url.rstrip("/"), headers=headers, timeout=120)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise MigrationError(f"{method} {self.url}{path}: {exc}") from None

    def expect(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        if response.status_code != 200:
            raise MigrationError(f"{method} {self.url}{path} answered {response.status_code}: {response.text[:500]}")
        return response.json()


def copy_schema(source: Endpoint, target: Endpoint, class_name: str) -> str:
    """Create the class on the target from the source's definition; keep it when the target has it already."""
    config = source.expect("GET", f"/v1/schema/{class_name}")
    existing = target.call("GET", f"/v1/schema/{config['class']}")
    if existing.status_code == 200:
        return "exists"
    target.expect("POST", "/v1/schema", json=config)
    return "created"


def count(source: Endpoint, class_name: str) -> int | None:
    """The source's object count (GraphQL Aggregate), or None when it cannot tell; only the progress uses it."""
    query = {"query": f"{{Aggregate{{{class_name}{{meta{{count}}}}}}}}"}
    response = source.call("POST", "/v1/graphql", json=query)
    try:
        return int(response.json()["data"]["Aggregate"][class_name][0]["meta"]["count"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def pages(source: Endpoint, class_name: str, batch: int) -> Iterator[list[dict[str, Any]]]:
    """The class's objects with their vectors, `batch` at a time, in the cursor API's (uuid) order."""
    after = None
    while True:
        params: dict[str, Any] = {"class": class_name, "limit": batch, "include": "vector"}
        if after:
            params["after"] = after
        objects = source.expect("GET", "/v1/objects", params=params).get("objects") or []
        if not objects:
            return
        yield [{k: o[k] for k in OBJECT_KEYS if o.get(k) not in (None, {}, [])} for o in objects]
        after = objects[-1]["id"]


def write(target: Endpoint, objects: list[dict[str, Any]]) -> list[str]:
    """Import one page; the error messages of the objects the target refused."""
    for obj in objects:  # timestamps are the server's to set
        obj.pop("creationTimeUnix", None)
        obj.pop("lastUpdateTimeUnix", None)
    results = target.expect("POST", "/v1/batch/objects", json={"objects": objects})
    return [f"{r.get('id')}: {e.get('message')}" for r in results
            for e in ((r.get("result") or {}).get("errors") or {}).get("error") or []]


@dataclass
class Progress:
    """A one-line progress report on stderr (`\\r`-rewritten on a terminal, a line per update otherwise)."""

    total: int | None
    out: TextIO = sys.stderr
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    def advance(self, n: int) -> None:
        self.done += n
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        of = f"/{self.total} ({100 * self.done / self.total:.0f}%)" if self.total else ""
        end = "\r" if self.out.isatty() else "\n"
        self.out.write(f"copied {self.done}{of} objects, {rate:.0f}/s{end}")
        self.out.flush()


@dataclass
class Summary:
    schema: str
    copied: int
    failed: list[str]


def migrate(source: Endpoint, target: Endpoint, class_name: str, batch: int = 500,
            out: TextIO = sys.stderr) -> Summary:
    """Copy `class_name` from `source` to `target`; objects the target refuses are listed, not fatal."""
    schema = copy_schema(source, target, class_name)
    progress = Progress(count(source, class_name), out)
    failed: list[str] = []
    for objects in pages(source, class_name, batch):
        errors = write(target, objects)
        failed.extend(errors)
        progress.advance(len(objects) - len(errors))
    if out.isatty():
        out.write("\n")
    return Summary(schema, progress.done, failed)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Copy one class from --from to --to over Weaviate's REST API; objects are upserted, so " \
                         "an interrupted copy can be run again."
    parser.add_argument("--from", dest="source", required=True, help="source URL, e.g. http://weaviate:8080")
    parser.add_argument("--to", dest="target", required=True, help="target URL, e.g. http://localhost:8080")
    parser.add_argument("--class", dest="class_name", required=True, help="the class (collection) to copy")
    parser.add_argument("--batch", type=int, default=500, help="objects read and written per request")
    parser.add_argument("--from-key", help="API key of the source server")
    parser.add_argument("--to-key", help="API key of the target server")


def run(args: argparse.Namespace) -> int:
    """The CLI entry (`weavebind migrate ...`): 0 when every object was copied, 1 otherwise."""
    source, target = Endpoint(args.source, args.from_key), Endpoint(args.target, args.to_key)
    try:
        summary = migrate(source, target, args.class_name, args.batch)
    except MigrationError as exc:
        print(f"weavebind migrate: {exc}", file=sys.stderr)
        return 1
    print(f"class {args.class_name}: schema {summary.schema}, {summary.copied} objects copied, "
          f"{len(summary.failed)} failed", file=sys.stderr)
    for line in summary.failed[:20]:
        print(f"  failed {line}", file=sys.stderr)
    return 1 if summary.failed else 0
