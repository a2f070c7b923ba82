"""The printed report of the multi-tenancy benchmark (bench/tenants_bench.py): tables with the ratios against the
baselines, and a last line listing what weavebind got wrong (wrong or missing hits, errors, unclean refusals)."""

from __future__ import annotations

from report import print_table
from tenants_setup import FEW_TENANTS


def query_row(label: str, q: dict, tenant_q: dict) -> tuple[str, ...]:
    return (label, f"{q['qps']:,.0f}", f"{q['p50_ms']:.2f}", f"{q['p99_ms']:.2f}", ratio(tenant_q["qps"], q["qps"]),
            verdict(q["check"]))


def verdict(check: dict) -> str:
    return "OK" if check["ok"] else f"WRONG {check}"


def refusal(cold: dict) -> str:
    return "OK" if cold["ok"] else "NOT a clean refusal"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def report(result: dict) -> None:
    report_import_queries(result)
    report_memory(result)
    if result.get("scale"):
        report_scale(result["scale"])
    problems = found_problems(result)
    print("\nproduct problems found: " + ("; ".join(problems) if problems else "none"))


def found_problems(result: dict) -> list[str]:
    t, scale = result["tenants"], result.get("scale") or {}
    checks = {"tenant queries": t["queries"]["check"], "queries on the first tenants": t["queries_few"]["check"],
              "queries after restart": t["queries_after_restart"],
              "queries on the active tenants": t["deactivated"]["queries_active"]["check"],
              "re-activated tenant": t["deactivated"]["reactivated_check"],
              "one class queries": result["baseline"]["queries_big"]["check"],
              "small class queries": result["baseline"]["queries_small"]["check"]}
    if scale:
        checks.update({"scale: active tenant": scale["query_active"]["check"],
                       "scale: re-activated tenant": scale["query_reactivated"]["check"]})
    out = [f"{name}: {check['problems'][:2]}" for name, check in checks.items() if not check["ok"]]
    for name, cold in (("cold tenant query", t["deactivated"]["cold_query_refused"]),
                       ("scale: cold tenant query", scale.get("query_cold"))):
        if cold and not cold["ok"]:
            out.append(f"{name} not cleanly refused: {cold['answer']}")
    return out


def report_import_queries(result: dict) -> None:
    t, b, args = result["tenants"], result["baseline"], result["config"]
    ti, bi, tq, bq, sq = t["import"], b["import"], t["queries"], b["queries_big"], b["queries_small"]
    n, per = args["tenants"], args["per_tenant"]
    print_table(f"import: {n:,} tenants x {per} objects vs one class (acknowledged / indexed obj/s)", [
        ("", "tenants", "one class", "ratio"),
        ("acknowledged obj/s", f"{ti['objects_per_s']:,.0f}", f"{bi['objects_per_s']:,.0f}",
         ratio(ti["objects_per_s"], bi["objects_per_s"])),
        ("indexed obj/s", f"{ti['objects'] / ti['indexed_s']:,.0f}", f"{bi['objects'] / bi['indexed_s']:,.0f}",
         ratio(bi["indexed_s"], ti["indexed_s"])),
        (f"create {n:,} tenants (POST x100) s", f"{ti['create_tenants_s']:.3f}", "", "")])
    few = min(FEW_TENANTS, n)
    print_table("nearVector limit 10, one client (ratio: random tenant qps / this qps)", [
        ("", "qps", "p50 ms", "p99 ms", "ratio", "answers"),
        query_row(f"random tenant of {n:,}", tq, tq),
        query_row(f"random tenant of the first {few}", t["queries_few"], tq),
        query_row(f"one class of {n * per:,}", bq, tq), query_row(f"one class of {per:,}", sq, tq)])


def report_memory(result: dict) -> None:
    t, b, args = result["tenants"], result["baseline"], result["config"]
    n, per = args["tenants"], args["per_tenant"]
    m, d = t["memory"], t["deactivated"]
    print_table("server RSS (idle, MiB) and start -> ready (s)", [
        ("", "RSS MiB", "ready s"),
        ("empty server", f"{m['empty_mib']:.0f}", f"{t['ready_empty_s']:.2f}"),
        (f"one class of {n * per:,} (restarted)", f"{b['memory']['restarted_mib']:.0f}",
         f"{b['memory']['ready_after_restart_s']:.2f}"),
        (f"{n:,} tenants active, after import", f"{m['all_active_after_import_mib']:.0f}", ""),
        (f"{n:,} tenants active (restarted)", f"{m['all_active_restarted_mib']:.0f}", f"{t['ready_all_active_s']:.2f}"),
        (f"{args['active']} active, right after PUT COLD", f"{d['after_put_cold_mib']:.0f}", ""),
        (f"{args['active']} active (restarted)", f"{m['active_restarted_mib']:.0f}",
         f"{d['ready_after_restart_s']:.2f}"),
        ("ratio all active / few active", ratio(m["all_active_restarted_mib"], m["active_restarted_mib"]), "")])
    print(f"\nPUT {n - args['active']:,} tenants COLD: {d['put_cold_s']:.2f} s; activate one again: "
          f"{d['activate_one_s']:.3f} s; queries on the active ones after restart: "
          f"{'OK' if d['queries_active']['check']['ok'] else d['queries_active']['check']}; cold tenant: "
          f"{d['cold_query_refused']['answer']} ({refusal(d['cold_query_refused'])}); re-activated tenant's answer: "
          f"{'OK' if d['reactivated_check']['ok'] else d['reactivated_check']}")


def report_scale(s: dict) -> None:
    print_table(f"scale: {s['tenants']:,} tenants x {s['per_tenant']} objects, {s['active']} active", [
        ("measure", "value"),
        ("build (create, import, PUT COLD per 1,000) s", f"{s['build_s']:.1f}"),
        ("  of which create / import / PUT COLD s",
         f"{s['create_tenants_s']:.1f} / {s['import_s']:.1f} / {s['put_cold_s']:.1f}"),
        ("RSS before restart MiB", f"{s['before_restart_mib']:.0f}"),
        ("restart: start -> ready s", f"{s['ready_after_restart_s']:.2f}"),
        ("RSS restarted MiB", f"{s['restarted_mib']:.0f}"),
        ("GET tenants s (listed, active)", f"{s['list_tenants_s']:.3f} ({s['listed']:,}, {s['listed_active']})"),
        ("query on an active tenant ms", f"{s['query_active']['ms']} {verdict(s['query_active']['check'])}"),
        ("query on a cold tenant", f"{s['query_cold']['answer']} ({refusal(s['query_cold'])})"),
        ("activate one cold tenant s", f"{s['activate_one_s']:.3f}"),
        ("query on it ms", f"{s['query_reactivated']['ms']} {verdict(s['query_reactivated']['check'])}")])
