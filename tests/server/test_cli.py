"""`weavebind serve` refuses bad flags and bad settings before it listens (run as a real process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PERSISTENCE_DATA_PATH": str(tmp_path / "data"), **env}
    environ.pop("WEAVEBIND_DATABASE_URL", None)
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=environ, cwd=tmp_path)


def test_a_port_that_is_not_a_number_exits_non_zero(tmp_path):
    result = run([sys.executable, "-m", "weavebind", "serve", "--port", "notanumber"], tmp_path)
    assert result.returncode != 0
    assert "--port" in result.stderr and "notanumber" in result.stderr


def test_a_malformed_setting_exits_2_and_names_the_variable(tmp_path):
    entry = VENV_BIN / "weavebind"
    command = [str(entry)] if entry.exists() else [sys.executable, "-m", "weavebind"]
    result = run([*command, "serve", "--port", "0"], tmp_path, GRPC_PORT="abc")
    assert result.returncode == 2
    assert "GRPC_PORT" in result.stderr and "'abc'" in result.stderr
    assert not (tmp_path / "data" / "weavebind.sqlite3").exists()  # it stopped before opening storage
