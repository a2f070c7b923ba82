"""Tables for bench/scale_bench.py, and the summary of its optional py-spy profile of the mixed load."""

from __future__ import annotations

from pathlib import Path

import profiling
from common import ROOT
from report import print_table

# Where a request's time goes under the mixed load (py-spy --idle stacks cut at these frames).
PROFILE_ANCHORS = {
    "event loop: a request (ASGI app, all kinds)": ("RequestResponseCycle.run_asgi (",),
    "event loop: batch handler (JSON parse, response)": ("batch_objects (",),
    "worker thread: batch import (SQL)": ("import_batch (",),
    "worker thread: GraphQL query": ("GraphQLService.execute_prepared (",),
    "background indexer": ("Indexer._run (",),
    "snapshots": ("Store._snapshot_loop (",),
}


def profile_summary(path: Path, top: int = 8) -> dict:
    out = {"file": str(path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path)}
    for name, anchors in PROFILE_ANCHORS.items():
        part = profiling.hotspots(profiling.read_stacks(path, anchors), top)
        out[name] = {"seconds": part["seconds"], "top_self": [f"{r['seconds']} s {r['function']}"
                                                              for r in part["self"]]}
    return out


def _cpu(run: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in run["cpu_s"].items())


def _query_rows(passes: list[dict], key: str, name: str) -> list[tuple[str, ...]]:
    rows = [(f"{name}s", "q/s", "p50 ms", "p99 ms", "recall@10", "CPU s during the run", "load avg")]
    for run in passes:
        label = str(run[key]) + (" + change feed" if run.get("shared_feed") else "")
        rows.append((label, f"{run['qps']:,.0f}", f"{run['p50_ms']:.2f}", f"{run['p99_ms']:.2f}",
                     str(run.get("recall_at_10")), _cpu(run), str(run["load_average"][0])))
    return rows


def _memory_rows(memory: dict) -> list[tuple[str, ...]]:
    rows = [("process", "RSS MB", "PSS MB", "shared clean MB", "private dirty MB", "anonymous MB")]
    for name, m in memory.items():
        rows.append((name, str(m.get("rss_mb")), str(m.get("pss_mb")), str(m.get("shared_clean_mb")),
                     str(m.get("private_dirty_mb")), str(m.get("anonymous_mb"))))
    return rows


def print_all(result: dict) -> None:
    for part, key in (("workers", "workers"), ("nodes", "nodes")):
        if part not in result:
            continue
        res = result[part]
        print_table(f"{part}: {res['objects']:,} x {res['dim']}-d, GraphQL nearVector limit 10; ratio "
                    f"{res['ratio']}", _query_rows(res["passes"], key, key.rstrip("s")))
    if "workers" in result:
        for run in [p for p in result["workers"]["passes"] if not p["shared_feed"]][-2:]:
            print_table(f"memory, {run['workers']} worker(s) (published file "
                        f"{result['workers']['published_file_mb']} MB)", _memory_rows(run["memory"]))
    if "nodes" in result:
        print_table("memory, nodes", _memory_rows(result["nodes"]["memory"]))
    if "mixed" in result:
        rows = [("run", "reads/s", "read p50", "read p99", "batches/s", "batch p99", "deletes+patches/s",
                 "failed", "lost writes", "checked")]
        for name, run in result["mixed"]["runs"].items():
            failed = sum(run[k]["failed"] for k in ("read", "batch", "delete", "patch"))
            rows.append((name, str(run["read"]["per_s"]), str(run["read"].get("p50_ms")),
                         str(run["read"].get("p99_ms")), str(run["batch"]["per_s"]), str(run["batch"].get("p99_ms")),
                         str(round(run["delete"]["per_s"] + run["patch"]["per_s"], 1)), str(failed),
                         str(run["verify"]["lost_writes"]), str(run["verify"]["acknowledged_writes_checked"])))
        print_table("mixed load (70 % reads / 20 % batches of 50 / 10 % deletes+patches), ms", rows)
