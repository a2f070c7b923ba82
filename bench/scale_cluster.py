"""Helpers for bench/scale_bench.py: weavebind as N workers or as nodes on one PostgreSQL, waiting until their
indexes are built (and published), and the memory of each process (/proc/PID/smaps_rollup)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import common
import httpx
from common import Server

sys.path.insert(0, str(common.ROOT))  # tests.pg: the throwaway PostgreSQL cluster the tests use
MEMORY_FIELDS = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Anonymous")


def server(data_dir: Path, name: str, workers: int = 1, env: dict[str, str] | None = None) -> Server:
    """A server on its own HTTP and gRPC ports (the gRPC default, 50051, may be taken by another server here)."""
    args = ["--workers", str(workers)] if workers > 1 else []
    return Server(data_dir, env={"GRPC_PORT": str(common.free_port()), "LOG_LEVEL": "warning", **(env or {})},
                  args=args, name=name)


def started(srv: Server) -> Server:
    srv.start()
    srv.wait_ready()
    return srv


# -- processes ---------------------------------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def worker_pids(srv: Server, count: int, timeout: float = 60) -> dict[str, int]:
    """{"supervisor": pid, "worker 0": pid, ...} for `serve --workers N`; {"server": pid} for one process."""
    assert srv.proc is not None
    if count == 1:
        return {"server": srv.proc.pid}
    deadline = time.monotonic() + timeout
    while True:
        found = {}
        for pid in children(srv.proc.pid):
            with contextlib.suppress(OSError):
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if b"--worker-id" in argv:
                    found[f"worker {argv[argv.index(b'--worker-id') + 1].decode()}"] = pid
        if len(found) == count or time.monotonic() > deadline:
            return {"supervisor": srv.proc.pid, **dict(sorted(found.items()))}
        time.sleep(0.2)


def memory(pid: int) -> dict[str, float]:
    """MB per field of /proc/PID/smaps_rollup: Pss splits each shared page between the processes mapping it."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in MEMORY_FIELDS:
            out[key.lower() + "_mb"] = round(int(rest.split()[0]) / 1024, 1)
    return out


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    return {name: common.cpu_seconds(pid) for name, pid in pids.items()}


def cpu_used(before: dict[str, float], pids: dict[str, int]) -> dict[str, float]:
    return {name: round(common.cpu_seconds(pid) - before[name], 2) for name, pid in pids.items()}


# -- waiting for the indexes -------------------------------------------------------------------------------------
def queue_length(url: str) -> int:
    """Vectors not yet in an index this process searches, summed over shards. A new connection per call, so with
    several workers on one port the kernel hands each call to any of them (worker 1 counts what worker 0 has not
    published yet: its pending buffer)."""
    body = httpx.get(f"{url}/v1/nodes", params={"output": "verbose"}, timeout=60,
                     headers={"connection": "close"}).json()
    return sum(shard["vectorQueueLength"] for node in body["nodes"] for shard in node.get("shards") or ())


def wait_indexed(urls: list[str], settle: float = 3.0, zeros: int = 10, timeout: float = 900) -> float:
    """Seconds until `zeros` polls in a row of every url report an empty queue, plus `settle` (a last publish)."""
    start, streak = time.perf_counter(), 0
    while streak < zeros:
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"indexes not built after {timeout} s")
        streak = streak + 1 if all(queue_length(url) == 0 for url in urls) else 0
        time.sleep(0.1 if streak else 0.5)
    waited = time.perf_counter() - start
    time.sleep(settle)
    return waited


# -- PostgreSQL --------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A fresh database on a throwaway PostgreSQL cluster (Debian's binaries, as the tests use)."""
    from tests.pg import TempPostgres, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    cluster = TempPostgres(bin_dir)
    cluster.start()
    try:
        yield cluster.new_database()
    finally:
        cluster.stop()
