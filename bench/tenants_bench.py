"""Multi-tenancy benchmark: a class of T tenants x P objects against the same objects in one class, on a real
`weavebind serve` (SQLite, loopback HTTP), baselines in the same run. What each figure means, and the latest
results: docs/benchmarks.md ("Multi-tenancy").

1. Import: the T x P objects through `/v1/batch/objects` (each batch spans 1,000 / P tenants), acknowledged
   objects/s, against the same objects into one class without tenants; and the time to create the T tenants.
2. Queries: GraphQL nearVector limit 10 on random tenants, one client: qps, p50, p99; against the same queries on
   the one big class and on a class of P objects. Every hit of a tenant query must belong to that tenant.
3. Memory: server RSS (idle) with all T tenants active, and with A active after the rest were set COLD and the
   server restarted; an empty server for reference.
4. Scale: S tenants of 10 objects, all COLD but A: restart time to ready, RSS, a query on an active and on a
   cold tenant (refused: "tenant not active").

    python bench/tenants_bench.py [--tenants 1000] [--per-tenant 100] [--scale-tenants 10000] [--quick]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import common
import numpy as np
from common import RESULTS, Server, http_client, make_dataset, wait_idle, workdir
from import_bench import post_batches_checked
from report import load_average, machine, write_json
from tenants_report import report
from tenants_scale import scale_side
from tenants_setup import (
    BIG_CLASS,
    FEW_TENANTS,
    MT_CLASS,
    SMALL_CLASS,
    batch_bodies,
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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--per-tenant", type=int, default=100)
    parser.add_argument("--active", type=int, default=10, help="tenants left ACTIVE in the memory and scale parts")
    parser.add_argument("--scale-tenants", type=int, default=10000, help="0: skip the scale part")
    parser.add_argument("--scale-per-tenant", type=int, default=10)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="100 tenants, 1,000 scale tenants, 500 queries")
    parser.add_argument("--out", type=Path, default=RESULTS / "tenants.json")
    args = parser.parse_args()
    if args.quick:
        args.tenants, args.scale_tenants, args.queries = 100, 1000, 500
    return args


def figures(lat: np.ndarray, seconds: float) -> dict:
    ms = lat * 1000
    return {"queries": len(lat), "qps": round(len(lat) / seconds, 1), "p50_ms": round(float(np.percentile(ms, 50)), 3),
            "p99_ms": round(float(np.percentile(ms, 99)), 3), "load_average": load_average()}


def run_queries(server: Server, bodies: list[bytes], cls: str, allowed: list[set[str]] | None, warmup: int) -> dict:
    """One client: `warmup` untimed queries, then all of `bodies` timed; the answers are checked afterwards."""
    if warmup:
        common.post_load(server.url, "/v1/graphql", bodies[:warmup], 1)
    lat, answers, seconds = common.post_load(server.url, "/v1/graphql", bodies, 1)
    return {**figures(lat, seconds), "check": check_answers(answers, cls, allowed)}


class Plan:
    """The data, the queries and the tenant each query goes to (the same vectors for every side)."""

    def __init__(self, args: argparse.Namespace):
        self.tenants, self.per = args.tenants, args.per_tenant
        self.n = self.tenants * self.per
        self.data = make_dataset(self.n, args.dim)
        self.vectors, _ = self.data.queries(args.queries)
        self.query_tenant = np.random.default_rng(2).integers(0, self.tenants, args.queries)

    def ids(self, t: int) -> set[str]:
        return set(self.data.uuids[t * self.per:(t + 1) * self.per])

    def tenant_queries(self, among: int | None = None, count: int | None = None) -> tuple[list[bytes], list]:
        """Query bodies on each query's tenant (or, with `among`, on tenants 0..among-1) and their tenants' ids."""
        count = count or len(self.vectors)
        picked = [int(t) % (among or self.tenants) for t in self.query_tenant[:count]]
        bodies = [graphql_body(MT_CLASS, self.vectors[i], tenant_name(t)) for i, t in enumerate(picked)]
        return bodies, [self.ids(t) for t in picked]


def baseline_side(tmp: Path, plan: Plan, args: argparse.Namespace) -> dict:
    """One class with all the objects, and a class with only tenant 0's objects; same server."""
    server = Server(tmp / "plain")
    server.start()
    server.wait_ready()
    try:
        with http_client(server) as client:
            create_class(client, BIG_CLASS, False)
            create_class(client, SMALL_CLASS, False)
            bodies = batch_bodies(plan.data, BIG_CLASS, 0, plan.n, args.batch, None)
            imported = post_batches_checked(client, bodies, args.batch, plan.n)
            indexed_s = max(wait_idle(server.proc.pid) - imported.started, imported.seconds)
            small = batch_bodies(plan.data, SMALL_CLASS, 0, plan.per, args.batch, None)
            post_batches_checked(client, small, args.batch, plan.per)
        del bodies
        print(f"   one class: imported {plan.n:,} at {imported.rate:,.0f} objects/s")
        big = run_queries(server, [graphql_body(BIG_CLASS, v) for v in plan.vectors], BIG_CLASS, None, args.warmup)
        print(f"   one class of {plan.n:,}: {big['qps']} qps, p50 {big['p50_ms']} ms")
        own = [plan.ids(0)] * len(plan.vectors)
        small_q = run_queries(server, [graphql_body(SMALL_CLASS, v) for v in plan.vectors], SMALL_CLASS, own,
                              args.warmup)
        print(f"   one class of {plan.per:,}: {small_q['qps']} qps, p50 {small_q['p50_ms']} ms")
        rss = {"after_import_mib": idle_rss(server)}
        rss["ready_after_restart_s"] = round(restart(server), 3)
        run_queries(server, [graphql_body(BIG_CLASS, v) for v in plan.vectors[:50]], BIG_CLASS, None, 0)
        rss["restarted_mib"] = idle_rss(server)
    finally:
        server.stop()
    return {"import": {**imported.summary(), "indexed_s": round(indexed_s, 3)}, "queries_big": big,
            "queries_small": small_q, "memory": rss}


def import_tenants(server: Server, plan: Plan, args: argparse.Namespace) -> dict:
    names = [tenant_name(t) for t in range(plan.tenants)]
    bodies = batch_bodies(plan.data, MT_CLASS, 0, plan.n, args.batch, plan.per)
    with http_client(server) as client:
        create_class(client, MT_CLASS, True)
        create_s = create_tenants(client, names, "HOT")
        imported = post_batches_checked(client, bodies, args.batch, plan.n)
        indexed_s = max(wait_idle(server.proc.pid) - imported.started, imported.seconds)
    print(f"   {plan.tenants:,} tenants created in {create_s:.2f} s; imported {plan.n:,} at "
          f"{imported.rate:,.0f} objects/s")
    return {"create_tenants_s": round(create_s, 3), **imported.summary(), "indexed_s": round(indexed_s, 3)}


def deactivate_and_restart(server: Server, plan: Plan, args: argparse.Namespace) -> dict:
    """All but `active` tenants COLD through PUT, restart; queries on the active ones, a cold one refused, and a
    cold one activated again answers with its own objects."""
    names = [tenant_name(t) for t in range(plan.tenants)]
    with http_client(server) as client:
        cold_s = set_status(client, names[args.active:], "COLD")
    out = {"put_cold_s": round(cold_s, 3), "after_put_cold_mib": idle_rss(server),
           "ready_after_restart_s": round(restart(server), 3)}
    bodies, allowed = plan.tenant_queries(among=args.active, count=200)
    out["queries_active"] = run_queries(server, bodies, MT_CLASS, allowed, 0)
    out["restarted_mib"] = idle_rss(server)
    cold = plan.tenants - 1
    refused = run_queries(server, [graphql_body(MT_CLASS, plan.vectors[0], tenant_name(cold))], MT_CLASS, None, 0)
    problems = refused["check"]["problems"]
    out["cold_query_refused"] = {"answer": problems[0] if problems else "answered",
                                 "ok": refused_properly(problems)}
    with http_client(server) as client:
        out["activate_one_s"] = round(set_status(client, [tenant_name(cold)], "HOT"), 3)
    again = run_queries(server, [graphql_body(MT_CLASS, plan.vectors[0], tenant_name(cold))], MT_CLASS,
                        [plan.ids(cold)], 0)
    out["reactivated_check"] = again["check"]
    return out


def tenants_side(tmp: Path, plan: Plan, args: argparse.Namespace) -> dict:
    server = Server(tmp / "tenants")
    server.start()
    out: dict = {"ready_empty_s": round(server.wait_ready(), 3), "memory": {"empty_mib": idle_rss(server)}}
    try:
        out["import"] = import_tenants(server, plan, args)
        bodies, allowed = plan.tenant_queries()
        out["queries"] = run_queries(server, bodies, MT_CLASS, allowed, args.warmup)
        print(f"   {plan.tenants:,} tenants: {out['queries']['qps']} qps, p50 {out['queries']['p50_ms']} ms, "
              f"answers {'OK' if out['queries']['check']['ok'] else 'WRONG'}")
        # The same query vectors on a few tenants only: separates the cost of the number of tenants queried.
        bodies, allowed = plan.tenant_queries(among=min(FEW_TENANTS, plan.tenants))
        out["queries_few"] = run_queries(server, bodies, MT_CLASS, allowed, args.warmup)
        out["memory"]["all_active_after_import_mib"] = idle_rss(server)
        out["ready_all_active_s"] = round(restart(server), 3)
        bodies, allowed = plan.tenant_queries(count=200)
        out["queries_after_restart"] = run_queries(server, bodies, MT_CLASS, allowed, 0)["check"]
        out["memory"]["all_active_restarted_mib"] = idle_rss(server)
        out["deactivated"] = deactivate_and_restart(server, plan, args)
        out["memory"]["active_restarted_mib"] = out["deactivated"]["restarted_mib"]
        print(f"   RSS: empty {out['memory']['empty_mib']} MiB, all active {out['memory']['all_active_restarted_mib']}"
              f" MiB, {args.active} active {out['memory']['active_restarted_mib']} MiB")
    finally:
        server.stop()
    return out


def main() -> None:
    args = parse_args()
    print(f"\n== multi-tenancy benchmark: {args.tenants:,} tenants x {args.per_tenant} objects, dim {args.dim}; "
          f"scale {args.scale_tenants:,} tenants x {args.scale_per_tenant}")
    config = {k: v for k, v in vars(args).items() if k != "out"}
    plan = Plan(args)
    with workdir("wb-tenants-") as tmp:
        result = {"config": config, "baseline": baseline_side(tmp, plan, args),
                  "tenants": tenants_side(tmp, plan, args)}
        if args.scale_tenants:
            result["scale"] = scale_side(tmp, args.scale_tenants, args.scale_per_tenant, args.active, args.dim,
                                         args.batch)
    report(result)
    write_json(args.out, {"benchmark": "tenants", "machine": machine(), **result,
                          "load_average_at_end": load_average()})


if __name__ == "__main__":
    main()
