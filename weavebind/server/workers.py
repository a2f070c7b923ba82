"""`weavebind serve --workers N`: a supervisor process that runs N worker processes on the same ports.

Each worker is a complete server (`weavebind serve --worker-id i`, a fresh interpreter) that binds the HTTP and gRPC
ports with SO_REUSEPORT, so the kernel spreads connections over the workers. They share the database and keep each
other current through its change feed (WEAVEBIND_SHARED_DATABASE is on). Worker 0 builds the vector indexes and
publishes them; the others map what it published read-only and scan the rest exactly, so an index is built and held
once per machine. The supervisor answers nothing itself: it restarts a worker that dies (the others keep serving
meanwhile), serves the workers' summed metrics when monitoring is on, and stops them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from weavebind.server.settings import Settings
from weavebind.storage.db import create_db_engine

log = logging.getLogger("weavebind.workers")
POLL_SECONDS = 0.2
STOP_SECONDS = 30.0
CRASH_LOOP_SECONDS = 5.0  # a worker that dies sooner than this after its start is restarted after a pause


class Supervisor:
    def __init__(self, settings: Settings, serve_args: Sequence[str], count: int, host: str):
        self.settings = settings
        self.serve_args = list(serve_args)
        self.count = count
        self.host = host
        self.children: dict[int, tuple[subprocess.Popen, float]] = {}  # worker id → (process, started at)
        self.stopping = False
        self.metrics_dir: str | None = None

    def _environment(self) -> dict[str, str]:
        env = {**os.environ, "WEAVEBIND_WORKERS": str(self.count)}
        if self.metrics_dir is not None:
            env["PROMETHEUS_MULTIPROC_DIR"] = self.metrics_dir
        return env

    def _spawn(self, worker_id: int) -> None:
        command = [sys.executable, "-m", "weavebind", "serve", *self.serve_args, "--worker-id", str(worker_id)]
        self.children[worker_id] = (subprocess.Popen(command, env=self._environment()), time.monotonic())
        log.info("worker %d started (pid %d)", worker_id, self.children[worker_id][0].pid)

    def run(self) -> int:
        # The tables are created once here: workers starting together would race to create them on SQLite.
        create_db_engine(self.settings.database_url, self.settings.weavebind_sqlite_synchronous).dispose()
        metrics_server = self._start_metrics()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        try:
            for worker_id in range(self.count):
                self._spawn(worker_id)
            while not self.stopping:
                time.sleep(POLL_SECONDS)
                self._restart_dead()
        finally:
            self._stop_children()
            if metrics_server is not None:
                metrics_server.shutdown()
            if self.metrics_dir is not None:
                shutil.rmtree(self.metrics_dir, ignore_errors=True)
        return 0

    def _start_metrics(self) -> Any:
        if not self.settings.prometheus_monitoring_enabled:
            return None
        from weavebind.server import monitoring

        self.metrics_dir = tempfile.mkdtemp(prefix="weavebind-metrics-")
        return monitoring.serve_aggregated_metrics(self.host, self.settings.prometheus_monitoring_port,
                                                   self.metrics_dir)

    def _restart_dead(self) -> None:
        for worker_id, (process, started) in list(self.children.items()):
            if process.poll() is None or self.stopping:
                continue
            log.warning("worker %d (pid %d) exited with %s; restarting it", worker_id, process.pid,
                        process.returncode)
            if self.metrics_dir is not None:
                from weavebind.server import monitoring

                monitoring.worker_exited(process.pid)
            if time.monotonic() - started < CRASH_LOOP_SECONDS:
                time.sleep(1.0)  # a worker that cannot start (port taken, bad database) must not spin the CPU
            self._spawn(worker_id)

    def _stop(self, _signum: int, _frame: Any) -> None:
        self.stopping = True

    def _stop_children(self) -> None:
        for process, _ in self.children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process, _ in self.children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
