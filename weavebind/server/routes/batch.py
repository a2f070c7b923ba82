"""`/v1/batch/objects`: import with per-object results, and delete by a `where` match."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavebind.errors import ApiError, Unprocessable
from weavebind.schema.objects import now_ms, render
from weavebind.search.filters import FilterableObject, FilterError, parse_where
from weavebind.server.http import JSON, blocking, read_json
from weavebind.storage.records import ObjectRecord


def _failed(item: Any, message: str) -> dict[str, Any]:
    shown = item if isinstance(item, dict) else {}
    return {**shown, "deprecations": None,
            "result": {"status": "FAILED", "errors": {"error": [{"message": message}]}}}


def _succeeded(rendered: dict[str, Any]) -> dict[str, Any]:
    return {**rendered, "deprecations": None, "result": {"status": "SUCCESS"}}


def _check_dims(store, records: list[ObjectRecord]) -> dict[int, str]:
    """Per-record dimension errors, so one bad vector fails alone (position → message)."""
    expected: dict[tuple[str, str], int] = {}
    errors: dict[int, str] = {}
    for position, record in enumerate(records):
        for target, vector in record.vectors.items():
            key = (record.class_name, target)
            if key not in expected:
                expected[key] = store.indexes.dimension(*key) or len(vector)
            if len(vector) != expected[key]:
                errors[position] = (f"new node has a vector with length {len(vector)}. "
                                    f"Existing nodes have vectors with length {expected[key]}")
    return errors


def import_batch(state, items: list[Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any] | None] = [None] * len(items)
    groups: dict[str, dict[str, tuple[int, ObjectRecord]]] = {}  # class → uuid → (position, record); last wins
    for position, item in enumerate(items):
        if isinstance(item, dict) and not item.get("class"):  # Weaviate checks this before auto-schema
            results[position] = _failed(item, "object has an empty class")
            continue
        try:
            info, record = state.objects.build_record(item)
        except ApiError as exc:
            results[position] = _failed(item, exc.message)
            continue
        groups.setdefault(info.name, {})[record.uuid] = (position, record)
    for class_name, by_uuid in groups.items():
        info = state.schema.get(class_name)
        entries = list(by_uuid.values())
        records = [record for _, record in entries]
        dim_errors = _check_dims(state.store, records)
        for index, message in dim_errors.items():
            results[entries[index][0]] = _failed(items[entries[index][0]], message)
        good = [e for i, e in enumerate(entries) if i not in dim_errors]
        try:
            state.objects.vectorize(info, [record for _, record in good])
            state.objects.put([record for _, record in good])
        except ApiError as exc:
            for position, _ in good:
                results[position] = _failed(items[position], exc.message)
            continue
        for position, record in good:
            results[position] = _succeeded(render(record, info, include_vector=True))
    for position, item in enumerate(items):  # duplicates of a uuid inside the batch: the last one was stored
        if results[position] is None:
            results[position] = _succeeded({k: v for k, v in item.items() if k != "vector"})
    return results  # type: ignore[return-value]


async def batch_objects(request: Request) -> Response:
    body = await read_json(request)
    items = body.get("objects") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise Unprocessable("invalid param 'objects': cannot be empty, need at least one object for batching")
    return JSON(await blocking(import_batch, request.app.state, items))


def _parse_delete(state, body: Any):
    if not isinstance(body, dict) or not isinstance(body.get("match"), dict):
        raise Unprocessable("empty match clause")
    match = body["match"]
    if not match.get("class"):
        raise Unprocessable("empty match.class clause")
    if not match.get("where"):
        raise Unprocessable("empty match.where clause")
    info = state.schema.get(match["class"])
    if info is None:
        raise Unprocessable(f"failed to get class: {match['class']}")
    output = body.get("output", "minimal")
    if output not in ("minimal", "verbose"):
        raise Unprocessable(f"invalid output '{output}': use minimal or verbose")
    dry_run = body.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise Unprocessable("dryRun must be true or false")
    try:
        clause = parse_where(match["where"], info.name, info.property_types())
    except FilterError as exc:
        raise Unprocessable(f"invalid where filter: {exc}") from None
    return info, clause, output, dry_run


def delete_batch(state, body: Any) -> dict[str, Any]:
    info, clause, output, dry_run = _parse_delete(state, body)
    limit = state.settings.query_maximum_results
    matches = [r.uuid for r in state.store.iter_class(info.name)
               if clause.matches(FilterableObject(r.uuid, r.properties, r.created_ms, r.updated_ms))]
    matches = matches[:limit]
    if not dry_run:
        state.store.delete(info.name, matches)
    status = "DRYRUN" if dry_run else "SUCCESS"
    objects = [{"id": uid, "status": status} for uid in matches] if output == "verbose" else []
    return {
        "match": {"class": info.name, "where": body["match"]["where"]}, "output": output,
        "deletionTimeUnixMilli": now_ms(), "dryRun": dry_run,
        "results": {"matches": len(matches), "limit": limit, "successful": 0 if dry_run else len(matches),
                    "failed": 0, "objects": objects},
    }


async def batch_delete(request: Request) -> Response:
    body = await read_json(request)
    return JSON(await blocking(delete_batch, request.app.state, body))


routes = [
    Route("/v1/batch/objects", batch_objects, methods=["POST"]),
    Route("/v1/batch/objects", batch_delete, methods=["DELETE"]),
]
