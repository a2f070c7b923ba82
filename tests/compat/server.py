"""A real `weavebind serve` subprocess on free HTTP and gRPC ports, for tests that drive it over the network
(the client compatibility suite, the migration command)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.live_server import free_port, wait_until_ready

ROOT = Path(__file__).resolve().parents[2]



@dataclass
class Server:
    process: subprocess.Popen
    http_port: int
    grpc_port: int
    api_key: str | None
    data: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(data: Path, api_key: str | None = None, **env: str) -> Server:
    """Start `weavebind serve` and wait until it is ready; API-key auth (anonymous off) when `api_key` is given."""
    http_port, grpc_port = free_port(), free_port()
    settings = {"PERSISTENCE_DATA_PATH": str(data), "GRPC_PORT": str(grpc_port), "LOG_LEVEL": "warning", **env}
    if api_key:
        settings.update(AUTHENTICATION_APIKEY_ENABLED="true", AUTHENTICATION_APIKEY_ALLOWED_KEYS=api_key,
                        AUTHENTICATION_APIKEY_USERS="admin", AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="false")
    log = open(data.parent / f"{data.name}.log", "w")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen([sys.executable, "-m", "weavebind", "serve", "--host", "127.0.0.1", "--port",
                                str(http_port)], cwd=ROOT, env={**os.environ, **settings}, stdout=log, stderr=log)
    server = Server(process, http_port, grpc_port, api_key, data)
    try:
        wait_until_ready(process, server.url, lambda: log.name)
    except RuntimeError:
        server.stop()
        raise
    return server
