"""Batch use-cases shared by REST (`/v1/batch/objects`) and gRPC (`BatchObjects`, `BatchDelete`).

Transport-free: both front ends hand in Weaviate's REST shapes (object bodies, the `where` JSON) and render the
outcome in their own wire format, so import and delete semantics exist once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from weavebind import metrics
from weavebind.errors import ApiError, Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.schema.objects import ObjectService, now_ms
from weavebind.schema.owned import lent_values
from weavebind.search.filtered import matching_uuids
from weavebind.search.filters import Clause, FilterError, where_for_class
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store


@dataclass
class ImportResult:
    """One input object's outcome. A success has `record` (and its class); a failure has `error`. Neither: an
    earlier occurrence of a uuid that appears again later in the same batch (the last one was stored)."""

    record: ObjectRecord | None = None
    info: ClassInfo | None = None
    error: str | None = None


def _check_dims(store: Store, records: list[ObjectRecord]) -> dict[int, str]:
    """Per-record dimension errors, so one bad vector fails alone (position → message)."""
    expected: dict[tuple[str, str], int] = {}
    errors: dict[int, str] = {}
    for position, record in enumerate(records):
        for target, vector in record.vectors.items():
            key = (record.key, target)
            if key not in expected:
                expected[key] = store.indexes.dimension(*key) or len(vector)
            if len(vector) != expected[key]:
                errors[position] = (f"new node has a vector with length {len(vector)}. "
                                    f"Existing nodes have vectors with length {expected[key]}")
    return errors


def _build(objects: ObjectService, items: list[Any], results: list[ImportResult], owned: bool
           ) -> dict[str, tuple[ClassInfo, dict[str, tuple[int, ObjectRecord]]]]:
    """Validate every item; returns storage key (class, or class and tenant) → (class bound to its tenant,
    uuid → (position, record)), the last occurrence of a uuid winning. `owned`: each item built is dropped from
    `items`, so the record holds its values alone (storage can then free them while it writes their JSON)."""
    groups: dict[str, tuple[ClassInfo, dict[str, tuple[int, ObjectRecord]]]] = {}
    for position, item in enumerate(items):
        if isinstance(item, dict) and not item.get("class"):  # Weaviate checks this before auto-schema
            results[position].error = "object has an empty class"
            continue
        try:
            info, record = objects.build_record(item)
        except ApiError as exc:
            results[position].error = exc.message
            continue
        if owned:
            items[position] = None
        groups.setdefault(info.key, (info, {}))[1][record.uuid] = (position, record)
    return groups


def import_objects(objects: ObjectService, items: list[Any], owned: bool = False) -> list[ImportResult]:
    """Upsert a batch (Weaviate's batch is an upsert); one bad object never fails the others. `owned`: the caller
    gives `items` away and renders results without them (gRPC); REST echoes failed items, so it keeps them."""
    results = [ImportResult() for _ in items]
    metrics.BATCH_SIZE.observe(len(items))
    for built, by_uuid in _build(objects, items, results, owned).values():
        with metrics.timed_ms(metrics.BATCH_DURATION, operation="put_batch", class_name=built.name,
                              shard_name=built.tenant or ""):
            _import_group(objects, built, by_uuid, results, None if owned else items)
    return results


def _import_group(objects: ObjectService, built: ClassInfo, by_uuid: dict[str, tuple[int, ObjectRecord]],
                  results: list[ImportResult], items: list[Any] | None) -> None:
    """Vectorize, check and store one class's (or tenant's) objects of a batch; failures land in `results`.
    `items`: the request's items, kept by the caller, which lend their large values while they are stored."""
    # Auto-schema may have added properties after this group's first object was built.
    info = dataclasses.replace(objects.schema.get(built.name) or built, tenant=built.tenant)
    entries = list(by_uuid.values())
    failures = objects.vectorize(info, [record for _, record in entries])
    for index, error in failures.items():  # one object the module could not vectorize fails alone
        results[entries[index][0]].error = error.message
    good = [entry for index, entry in enumerate(entries) if index not in failures]
    # After vectorizing: a module's vectors of the wrong length must fail alone too, not the whole class.
    dim_errors = _check_dims(objects.store, [record for _, record in good])
    for index, message in dim_errors.items():
        results[good[index][0]].error = message
    good = [entry for index, entry in enumerate(good) if index not in dim_errors]
    try:
        with lent_values(items, good):
            objects.put([record for _, record in good])
    except ApiError as exc:
        for position, _ in good:
            results[position].error = exc.message
        return
    for position, record in good:
        results[position].record, results[position].info = record, info


@dataclass
class DeleteMatch:
    info: ClassInfo
    clause: Clause
    verbose: bool
    dry_run: bool


def parse_delete(objects: ObjectService, body: Any, tenant: str | None = None) -> DeleteMatch:
    """Check a REST batch-delete body (`{"match": {"class", "where"}, "output", "dryRun"}`), Weaviate's texts."""
    if not isinstance(body, dict) or not isinstance(body.get("match"), dict):
        raise Unprocessable("empty match clause")
    match = body["match"]
    if not match.get("class"):
        raise Unprocessable("empty match.class clause")
    if not match.get("where"):
        raise Unprocessable("empty match.where clause")
    info = objects.schema.get(match["class"])
    if info is None:
        raise Unprocessable(f"failed to get class: {match['class']}")
    info = objects.schema.tenants.scope(info, tenant)
    output = body.get("output", "minimal")
    if output not in ("minimal", "verbose"):
        raise Unprocessable(f"invalid output '{output}': use minimal or verbose")
    dry_run = body.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise Unprocessable("dryRun must be true or false")
    try:
        clause = where_for_class(match["where"], info, objects.schema.get)
    except FilterError as exc:
        raise Unprocessable(f"invalid where filter: {exc}") from None
    return DeleteMatch(info, clause, output == "verbose", dry_run)


def delete_matching(objects: ObjectService, body: Any, limit: int, tenant: str | None = None) -> dict[str, Any]:
    """Delete (or, with dryRun, count) the objects the `where` matches, at most `limit`, of one class (and one
    tenant of a multi-tenant class); Weaviate's REST reply."""
    match = parse_delete(objects, body, tenant)
    with metrics.timed_ms(metrics.BATCH_DELETE_DURATION, operation="delete", class_name=match.info.name,
                          shard_name=match.info.tenant or ""):
        return _delete_matching(objects, match, body, limit)


def _delete_matching(objects: ObjectService, match: DeleteMatch, body: Any, limit: int) -> dict[str, Any]:
    store = objects.store
    matches = matching_uuids(store, match.info, match.clause)
    matches = matches[:limit]
    if not match.dry_run:
        store.delete(match.info.key, matches)
    status = "DRYRUN" if match.dry_run else "SUCCESS"
    output = "verbose" if match.verbose else "minimal"
    return {
        "match": {"class": match.info.name, "where": echo_where(body["match"]["where"])}, "output": output,
        "deletionTimeUnixMilli": now_ms(), "dryRun": match.dry_run,
        "results": {"matches": len(matches), "limit": limit, "successful": 0 if match.dry_run else len(matches),
                    "failed": 0, "objects": [{"id": uid, "status": status} for uid in matches] if match.verbose
                    else []},
    }


def echo_where(where: Any) -> Any:
    """A `where` filter as Weaviate echoes it (its WhereFilter model): `operands` and `path` always present, null
    when not given; operator and value fields as given."""
    if not isinstance(where, dict):
        return where
    out = {"operands": [echo_where(o) for o in where["operands"]] if isinstance(where.get("operands"), list)
           else None, "path": where.get("path")}
    out.update({k: v for k, v in where.items() if k not in out})
    return out
