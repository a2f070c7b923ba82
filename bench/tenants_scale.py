"""The scale part of the multi-tenancy benchmark: S tenants of a few objects each in one class, all COLD but A.

A COLD tenant refuses writes (autoTenantActivation is off), so the tenants are created ACTIVE a group of 1,000 at a
time, filled, and the group (but the A that stay active) set COLD through PUT before the next group: at most
1,000 + A tenants are active at once. Then: restart time to ready, idle RSS, listing the tenants, a query on an
active tenant (its own objects only), one on a cold tenant (refused: "tenant not active"), and a cold tenant
activated again (its own objects, none lost by being set COLD right after its import).
"""

from __future__ import annotations

import time
from pathlib import Path

import common
import numpy as np
from common import Server, http_client, make_dataset
from import_bench import post_batches_checked
from tenants_setup import (
    MT_CLASS,
    batch_bodies,
    call,
    check_answers,
    create_class,
    create_tenants,
    graphql_body,
    idle_rss,
    refused_properly,
    restart,
    set_status,
    tenant_name,
)

GROUP = 1000


def fill(server: Server, count: int, per: int, active: int, dim: int, batch: int) -> tuple[dict, list[str]]:
    """Create, fill and deactivate the tenants group by group; seconds spent in each kind of request."""
    data = make_dataset(count * per, dim, seed=3)
    spent = {"create_tenants_s": 0.0, "import_s": 0.0, "put_cold_s": 0.0}
    with http_client(server) as client:
        create_class(client, MT_CLASS, True)
        for first in range(0, count, GROUP):
            names = [tenant_name(t) for t in range(first, min(count, first + GROUP))]
            spent["create_tenants_s"] += create_tenants(client, names, "HOT")
            bodies = batch_bodies(data, MT_CLASS, first * per, (first + len(names)) * per, batch, per)
            spent["import_s"] += post_batches_checked(client, bodies, batch, len(names) * per).seconds
            spent["put_cold_s"] += set_status(client, [n for n in names if int(n[6:]) >= active], "COLD")
    return {k: round(v, 3) for k, v in spent.items()}, data.uuids


def query(server: Server, tenant: str, vector: np.ndarray, own: set[str] | None, hits: int) -> dict:
    """One query on `tenant` (post_load sends it once untimed first: the connection is made outside the timing)."""
    lat, answers, _s = common.post_load(server.url, "/v1/graphql", [graphql_body(MT_CLASS, vector, tenant)], 1)
    return {"ms": round(float(lat[0]) * 1000, 1),
            "check": check_answers(answers, MT_CLASS, None if own is None else [own], hits)}


def scale_side(tmp: Path, count: int, per: int, active: int, dim: int, batch: int) -> dict:
    server = Server(tmp / "scale")
    server.start()
    server.wait_ready()
    try:
        begin = time.perf_counter()
        spent, uuids = fill(server, count, per, active, dim, batch)
        out = {"tenants": count, "per_tenant": per, "active": active,
               "build_s": round(time.perf_counter() - begin, 3), **spent}
        out["before_restart_mib"] = idle_rss(server)
        out["ready_after_restart_s"] = round(restart(server), 3)
        out["restarted_mib"] = idle_rss(server)
        out.update(checks(server, uuids, count, per, dim))
    finally:
        server.stop()
    return out


def checks(server: Server, uuids: list[str], count: int, per: int, dim: int) -> dict:
    vector = np.random.default_rng(5).standard_normal(dim).astype(np.float32)
    own = lambda t: set(uuids[t * per:(t + 1) * per])  # noqa: E731
    with http_client(server) as client:
        start = time.perf_counter()
        listed = call(client, "GET", f"/v1/schema/{MT_CLASS}/tenants").json()
        list_s = time.perf_counter() - start
    statuses = [t["activityStatus"] for t in listed]
    out = {"list_tenants_s": round(list_s, 3), "listed": len(listed), "listed_active": statuses.count("ACTIVE"),
           "query_active": query(server, tenant_name(0), vector, own(0), min(per, 10))}
    cold = count - 1
    refused = query(server, tenant_name(cold), vector, None, 0)
    problems = refused["check"]["problems"]
    out["query_cold"] = {"ms": refused["ms"], "answer": problems[0] if problems else "answered",
                         "ok": refused_properly(problems)}
    with http_client(server) as client:
        out["activate_one_s"] = round(set_status(client, [tenant_name(cold)], "HOT"), 3)
    out["query_reactivated"] = query(server, tenant_name(cold), vector, own(cold), min(per, 10))
    return out
