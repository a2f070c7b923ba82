"""Tables and issue 13's targets for bench/million_bench.py (all figures from one run, so the ratios hold).

    python bench/million_report.py [bench/results/million.json]    # the tables again, from a saved run
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from common import RESULTS
from million_raw import variants
from report import print_table


def _get(tree: dict, *path, default=None):
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return default
        tree = tree[key]
    return tree


def _s(value, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


def targets(result: dict) -> dict:
    """Each of issue 13's targets this run can check: the measured figure, the bound, and whether it holds."""
    wb, raw = result["weavebind"], result.get("faiss", {})
    near = wb["near_vector"]
    out = {}
    for name in variants()[1:]:
        out[f"filtered {name} p50 / unfiltered p50 <= 2"] = (near[name]["over_unfiltered"], 2.0, "<=")
        out[f"filtered {name} recall@10 >= 0.95"] = (near[name]["recall_at_10"], 0.95, ">=")
    out["bm25 every-object term p50 / rare term p50 <= 10"] = (wb["keyword"]["bm25_every_over_rare"], 10.0, "<=")
    imp = wb["import"]
    # A proxy for "peak RSS while a snapshot is written <= 1.2x the steady state": the peak also covers the import.
    out["peak RSS (import, indexing, snapshots) / idle RSS <= 1.2"] = (
        round(imp["peak_rss_mb"] / imp["idle_rss_mb"], 2), 1.2, "<=")
    snap = wb.get("snapshot")
    if snap:  # the target itself: 2 % more objects indexed and snapshotted, from the steady state after the queries
        out["peak RSS while 2 % more are indexed and snapshotted / steady RSS <= 1.2"] = (
            snap["peak_over_steady"], 1.2, "<=")
    add = _get(raw, "build", "add_per_s")
    if add:
        out["indexed objects/s / FAISS add objects/s >= 0.9"] = (
            round(wb["import"]["indexed_per_s"] / add, 3), 0.9, ">=")
        bound = 1.5 * (raw["build"]["vectors_mb"] + raw["build"]["graph_mb"]) + 300
        out["idle RSS MB <= 1.5 x (vectors + graph) + 300 MB"] = (wb["import"]["idle_rss_mb"], round(bound, 1), "<=")
    out["restart: start -> ready s <= 10"] = (wb["restart"]["ready_s"], 10.0, "<=")
    out["restart: start -> first answered query s <= 10"] = (wb["restart"]["first_query_s"], 10.0, "<=")
    return {name: {"value": v, "bound": b, "met": v <= b if op == "<=" else v >= b} for name, (v, b, op) in out.items()}


def _load_rows(result: dict) -> list[tuple[str, ...]]:
    wb, raw, peer = result["weavebind"], result.get("faiss", {}), result.get("peer", {})
    imp = wb["import"]
    rows = [("system", "acked obj/s", "indexed obj/s", "peak RSS MB", "idle RSS MB", "note"),
            ("weavebind", f"{imp['objects_per_s']:,.0f}", f"{imp['indexed_per_s']:,.0f}", str(imp["peak_rss_mb"]),
             str(imp["idle_rss_mb"]), f"first write -> queue empty {imp['indexed_s']} s")]
    if "build" in raw:
        b = raw["build"]
        rows.append(("raw FAISS HNSW add", "-", f"{b['add_per_s']:,.0f}", "-", "-",
                     f"M {b['M']} efC {b['efConstruction']}, {b['threads']} threads; vectors {b['vectors_mb']} MB "
                     f"+ graph {b['graph_mb']} MB"))
    if "load" in peer:
        lo = peer["load"]
        rows.append((f"LanceDB {peer['version']}", f"{lo['add_per_s']:,.0f}", f"{lo['indexed_per_s']:,.0f}",
                     str(peer["after_search"]["peak_rss_mb"]), str(peer["after_search"]["rss_mb"]),
                     f"add {lo['add_s']} s + index {lo['index_s']} s; RSS of the embedding process"))
    return rows


def _query_rows(result: dict) -> list[tuple[str, ...]]:
    near = result["weavebind"]["near_vector"]
    raw, peer = _get(result, "faiss", "search", default={}), _get(result, "peer", "search", default={})
    rows = [("nearVector", "wb p50", "wb p99", "wb recall", "x unfiltered", "FAISS p50", "FAISS recall",
             "LanceDB p50", "LanceDB recall")]
    for name in variants():
        w = near[name]
        rows.append((name, f"{w['p50_ms']:.2f}", f"{w['p99_ms']:.2f}", f"{w['recall_at_10']:.3f}",
                     f"{w['over_unfiltered']:.2f}", _s(_get(raw, name, "p50_ms"), "{:.2f}"),
                     _s(_get(raw, name, "recall_at_10"), "{:.3f}"), _s(_get(peer, name, "p50_ms"), "{:.2f}"),
                     _s(_get(peer, name, "recall_at_10"), "{:.3f}")))
    return rows


def _keyword_rows(result: dict) -> list[tuple[str, ...]]:
    kw = result["weavebind"]["keyword"]
    rows = [("request", "p50 ms", "p99 ms", "requests", "objects matching", "answer")]
    for name, run in kw.items():
        if not isinstance(run, dict):
            continue
        timing = (name, f"{run['p50_ms']:.2f}", f"{run['p99_ms']:.2f}", str(run["requests"]))
        if name.startswith("bm25"):
            rows.append((*timing, f"{run['holders']:,}", f"{run['hits']} hits"))
        else:
            ok = "ok" if run["count"] == run["expected"] else f"WRONG (expected {run['expected']:,})"
            rows.append((*timing, f"{run['expected']:,}", f"count {run['count']:,} {ok}"))
    return rows


def print_all(result: dict) -> None:
    title = f"{result['objects']:,} x {result['dim']}-d"
    if result.get("latent"):
        title += f", spread within a {result['latent']}-d subspace"
    print_table(f"import and memory, {title}", _load_rows(result))
    asked = result["weavebind"]["near_vector"]["unfiltered"]["queries"]
    print_table(f"nearVector limit 10, ms, one client; weavebind: {asked} queries per variant (round robin), FAISS "
                f"and LanceDB: {result['queries']}", _query_rows(result))
    print_table("bm25 (limit 10) and Aggregate meta{count} with a `bucket < t` filter, ms", _keyword_rows(result))
    snap = result["weavebind"].get("snapshot")
    if snap:
        print_table("2 % more objects imported, indexed and snapshotted, from the steady state after the queries",
                    [("objects added", "steady RSS MB", "peak RSS MB", "peak / steady", "RSS after MB",
                      "snapshot seen"),
                     (f"{snap['objects_added']:,}", str(snap["steady_rss_mb"]), str(snap["peak_rss_mb"]),
                      str(snap["peak_over_steady"]), str(snap["rss_after_mb"]), str(snap["snapshot_seen"]))])
    r = result["weavebind"]["restart"]
    print_table("restart (SIGTERM by PID, start again), seconds from process start",
                [("stop s", "ready s", "first answered nearVector s", "idle RSS MB after"),
                 (str(r["stop_s"]), str(r["ready_s"]), str(r["first_query_s"]), str(r["after_restart_rss_mb"]))])
    print_table("issue 13 targets", [("target", "measured", "bound", "met")] + [
        (name, str(t["value"]), str(t["bound"]), "yes" if t["met"] else "NO") for name, t in result["targets"].items()])
    if "error" in result.get("peer", {}):
        print(f"\npeer not measured: {result['peer']['error']}")
    print(f"\nphases (s): {result['phase_seconds']}; total {result.get('total_s')} s")


if __name__ == "__main__":
    saved = orjson.loads(Path(sys.argv[1] if len(sys.argv) > 1 else RESULTS / "million.json").read_bytes())
    saved["targets"] = targets(saved)  # the bounds as this version checks them
    print_all(saved)
