"""Restart benchmark: how soon a server with N objects serves again, after SIGTERM and after `kill -9`.

1. Import N objects over HTTP (as bench/import_bench.py does).
2. SIGTERM (the index snapshot is written at close), restart: seconds from process start to
   `/v1/.well-known/ready` = 200 and to the first successful `GET /v1/objects/{class}/{id}`.
3. Import 5,000 more, `kill -9` right away (the last snapshot is stale by those 5,000), restart, time again.
4. Stop, open `Store` directly: all N + 5,000 objects stored, and each of 100 sampled objects finds itself as
   top-1 by its own vector.
Baselines in the same run: `faiss.read_index` of the index files + `SELECT count(*)` (the raw cost of loading
what is on disk), and a full rebuild from SQL (read every vector blob + build the index), which catch-up avoids.

    python bench/restart_bench.py --objects 100000 [--dim 512] [--extra 5000] [--index hnsw|flat]
"""

from __future__ import annotations

import argparse
import re
import signal
import sqlite3
import time
from pathlib import Path

import baselines
import httpx
import numpy as np
from common import (
    CLASS,
    RESULTS,
    Dataset,
    Server,
    batch_bodies,
    create_class,
    drain,
    http_client,
    make_dataset,
    open_store,
    post_batches,
    wait_idle,
    workdir,
)
from report import load_average, machine, print_table, write_json

TARGET_READY_S = 5.0
_LOAD_LINE = re.compile(r"INFO weavebind\.indexes: (index .*)")
_FROM_SNAPSHOT = re.compile(r"(\d+) (?:vectors )?from (?:the )?snapshot")
_FROM_SQL = re.compile(r"(\d+) (?:to catch up|caught up) from SQL")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100000)
    parser.add_argument("--extra", type=int, default=5000, help="objects imported just before kill -9")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--index", choices=("hnsw", "flat"), default="hnsw")
    parser.add_argument("--sigma", type=float, default=2.5)
    parser.add_argument("--sample", type=int, default=100, help="objects checked to find themselves as top-1")
    parser.add_argument("--out", type=Path, default=RESULTS / "restart.json")
    return parser.parse_args()


def import_all(server: Server, bodies: list[bytes], batch: int, n: int, index_type: str) -> dict:
    """Fresh server: time to ready when empty (the process floor), create the class, import, and wait until the
    server is idle (everything indexed), so the graceful stop writes a complete snapshot."""
    server.start()
    ready_s = server.wait_ready()
    with http_client(server) as client:
        create_class(client, index_type)
        result = post_batches(client, bodies, batch, n)
    indexed_s = max(wait_idle(server.proc.pid) - result.started, result.seconds)
    if result.acknowledged != n:
        raise RuntimeError(f"only {result.acknowledged}/{n} objects acknowledged SUCCESS")
    return {**result.summary(), "indexed_s": round(indexed_s, 3), "indexed_objects_per_s": round(n / indexed_s, 1),
            "ready_empty_s": round(ready_s, 3)}


def load_log(text: str) -> dict:
    """What the server logged about loading its index (the wording may change; the numbers are best effort)."""
    line = _LOAD_LINE.search(text)
    if not line:
        return {}
    out: dict = {"load_log": line.group(1)}
    for key, pattern in (("from_snapshot", _FROM_SNAPSHOT), ("caught_up_from_sql", _FROM_SQL)):
        found = pattern.search(line.group(1))
        if found:
            out[key] = int(found.group(1))
    return out


def timed_start(server: Server, probe_uuid: str) -> dict:
    """Start the server; seconds from process start to ready and to the first successful object GET."""
    server.start()
    ready_s = server.wait_ready()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        while client.get(f"/v1/objects/{CLASS}/{probe_uuid}").status_code != 200:
            if time.perf_counter() - server.started > 300:
                raise TimeoutError(f"object {probe_uuid} not served; see {server.log_path}")
            time.sleep(0.01)
    first_get_s = time.perf_counter() - server.started
    idle_s = wait_idle(server.proc.pid) - server.started
    return {"ready_s": round(ready_s, 3), "first_get_s": round(first_get_s, 3),
            "idle_s": round(max(idle_s, first_get_s), 3), **load_log(server.log_text()),
            "meets_target": ready_s <= TARGET_READY_S}


def snapshot_lag(data_dir: Path) -> dict:
    """Sequence number in the index snapshot on disk vs the database's: how stale the snapshot is."""
    from weavebind.storage.snapshot_files import read_base, read_delta

    seqs = []
    for path in sorted((data_dir / "indexes").glob("*.faiss")):
        header = read_base(path)[0]  # the delta log's last record is newer than its base
        seqs.append(read_delta(path, header.get("base_id"), header["dim"]).seq or header["seq"])
    conn = sqlite3.connect(data_dir / "weavebind.sqlite3")
    sql_seq = conn.execute("SELECT value FROM wb_kv WHERE key = 'seq'").fetchone()[0]
    conn.close()
    return {"snapshot_seq": min(seqs) if seqs else None, "sql_seq": int(sql_seq)}


def kill_after_import(server: Server, bodies: list[bytes], batch: int, extra: int) -> dict:
    """Import `extra` more objects on the running server, then SIGKILL it at once."""
    with http_client(server) as client:
        result = post_batches(client, bodies, batch, extra)
    since_ready = time.perf_counter() - server.started
    server.stop(signal.SIGKILL)
    if result.acknowledged != extra:
        raise RuntimeError(f"only {result.acknowledged}/{extra} extra objects acknowledged SUCCESS")
    return {"extra_objects_per_s": round(result.rate, 1), "seconds_since_start_at_kill": round(since_ready, 2)}


def verify(data_dir: Path, data: Dataset, n: int, sample: int) -> dict:
    """Direct Store: count, index size, and sampled objects (half of them from the stale tail) find themselves."""
    rng = np.random.default_rng(7)
    total = len(data.uuids)
    picks = np.concatenate([rng.choice(n, sample // 2, replace=False),
                            rng.choice(np.arange(n, total), sample - sample // 2, replace=False)])
    with open_store(data_dir) as store:
        backlog = drain(store)
        count = store.count(CLASS)
        in_index = len(store.indexes.indexes[(CLASS, "")].index)
        hits = sum(store.search(CLASS, "", data.vectors[i], 1)[0][0] == data.uuids[i] for i in picks)
    return {**backlog, "expected": total, "stored": count, "in_index": in_index, "sampled": len(picks),
            "found_self_top1": int(hits), "ok": count == in_index == total and hits == len(picks)}


def raw_baselines(tmp: Path, data_dir: Path, index_type: str, dim: int) -> dict:
    plain = baselines.export_plain_indexes(data_dir / "indexes", tmp / "plain")
    sqlite_path = data_dir / "weavebind.sqlite3"
    return {"read_index_plus_count": baselines.snapshot_read(plain, sqlite_path),
            "rebuild_from_sql": baselines.rebuild_from_sql(sqlite_path, index_type, dim)}


def run(args: argparse.Namespace) -> dict:
    n, extra = args.objects, args.extra
    data = make_dataset(n + extra, args.dim, sigma=args.sigma)
    main_bodies, extra_bodies = batch_bodies(data, 0, n, args.batch), batch_bodies(data, n, n + extra, args.batch)
    with workdir("wb-restart-") as tmp:
        server = Server(tmp / "data")
        imported = import_all(server, main_bodies, args.batch, n, args.index)
        print(f"   imported {n:,}: {imported['objects_per_s']:.0f} objects/s")
        stop_s = server.stop()
        graceful = {**timed_start(server, data.uuids[0]), "previous_graceful_stop_s": round(stop_s, 3)}
        print(f"   after SIGTERM: ready in {graceful['ready_s']} s")
        killed = kill_after_import(server, extra_bodies, args.batch, extra)
        killed.update(snapshot_lag(tmp / "data"))
        killed.update(timed_start(server, data.uuids[-1]))
        print(f"   after kill -9: ready in {killed['ready_s']} s")
        server.stop()
        check = verify(tmp / "data", data, n, args.sample)
        raw = raw_baselines(tmp, tmp / "data", args.index, args.dim)
    return {"objects": n, "extra": extra, "import": imported, "restart_after_sigterm": graceful,
            "restart_after_kill9": killed, "verify": check, "baselines": raw}


def report(result: dict) -> None:
    g, k, b, imp = result["restart_after_sigterm"], result["restart_after_kill9"], result["baselines"], result["import"]
    read = b["read_index_plus_count"]["seconds"]
    rows = [("measure", "seconds", "note"),
            ("import: acknowledged / indexed", f"{imp['seconds']:.1f} / {imp['indexed_s']:.1f}",
             f"{imp['objects_per_s']:,.0f} / {imp['indexed_objects_per_s']:,.0f} objects/s"),
            ("empty server: start -> ready", f"{imp['ready_empty_s']:.2f}", "process + imports floor"),
            ("SIGTERM restart: start -> ready", f"{g['ready_s']:.2f}", f"target <= {TARGET_READY_S:.0f} s"),
            ("SIGTERM restart: start -> first GET", f"{g['first_get_s']:.2f}", ""),
            ("kill -9 restart: start -> ready", f"{k['ready_s']:.2f}",
             f"{k.get('caught_up_from_sql', '?')} vectors caught up from SQL"),
            ("kill -9 restart: start -> first GET", f"{k['first_get_s']:.2f}", "an object of the stale tail"),
            ("kill -9 restart: start -> idle", f"{k['idle_s']:.2f}", "caught-up vectors indexed"),
            ("raw: faiss.read_index + count(*)", f"{read:.2f}", "loading what is on disk"),
            ("raw: full rebuild from SQL", f"{b['rebuild_from_sql']['seconds']:.2f}", "what catch-up avoids")]
    print_table(f"restart with {result['objects']:,} (+{result['extra']:,}) objects", rows)
    v = result["verify"]
    print(f"\nverify: {v['stored']:,}/{v['expected']:,} stored, {v['in_index']:,} in the index, "
          f"{v['found_self_top1']}/{v['sampled']} sampled objects found themselves as top-1 -> "
          f"{'OK' if v['ok'] else 'FAILED'}")


def main() -> None:
    args = parse_args()
    print(f"\n== restart benchmark: {args.objects:,} objects (+{args.extra:,} before kill -9), dim {args.dim}")
    result = run(args)
    report(result)
    config = {k: v for k, v in vars(args).items() if k != "out"}
    write_json(args.out, {"benchmark": "restart", "machine": machine(), "config": config, **result,
                          "load_average_at_end": load_average()})


if __name__ == "__main__":
    main()
