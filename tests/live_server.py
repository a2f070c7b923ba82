"""Waiting for a `weavebind serve` subprocess to answer, shared by the tests that run real server processes."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import httpx


def wait_until_ready(process: subprocess.Popen, base_url: str, describe: Callable[[], str],
                     timeout_s: float = 60) -> None:
    """Poll `/v1/.well-known/ready` until 200. Raises RuntimeError (naming `describe()`, e.g. the log) when the
    process exits first or the time runs out; the caller stops the process."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weavebind exited with {process.returncode}: {describe()}")
        try:
            if httpx.get(f"{base_url}/v1/.well-known/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"weavebind did not get ready in {timeout_s:g} s: {describe()}")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
