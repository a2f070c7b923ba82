"""The real Weaviate clients, each in its own environment under `.compat/` (gitignored), created once and reused.

`python -m tests.compat.envs` creates them all (`make test` runs it first); the test fixtures call `ensure` too, so
`pytest tests/compat` works alone. An environment is rebuilt when its requirement changes (the spec is stored
beside it); `make compat-clean` forces a rebuild, e.g. to pick up a newer 4.x client.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".compat"


@dataclass(frozen=True)
class ClientEnv:
    name: str
    kind: str          # "python" (a virtualenv) or "node" (an npm prefix)
    requirement: str   # what pip or npm installs

    @property
    def path(self) -> Path:
        return CACHE / self.name

    @property
    def marker(self) -> Path:
        return self.path / ".requirement"

    def command(self, script: Path) -> list[str]:
        if self.kind == "python":
            return [str(self.path / "bin" / "python"), str(script)]
        return ["node", str(script)]


ENVS = {
    "v3": ClientEnv("py-v3", "python", "weaviate-client==3.26.7"),
    # The newest 4.x at creation time; the suite must pass with whatever 4.x release is current.
    "v4": ClientEnv("py-v4", "python", "weaviate-client>=4.10,<5"),
    "ts": ClientEnv("ts", "node", "weaviate-ts-client@2.2.0"),
    # The TypeScript v3 client (gRPC for queries and batches): the newest 3.x at creation time.
    "ts3": ClientEnv("ts3", "node", "weaviate-client@^3"),
}


def _run(args: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def _create(env: ClientEnv) -> None:
    shutil.rmtree(env.path, ignore_errors=True)
    if env.kind == "python":
        _run([sys.executable, "-m", "venv", str(env.path)])
        _run([str(env.path / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
              env.requirement])
    else:
        env.path.mkdir(parents=True)
        (env.path / "package.json").write_text('{"name": "weavebind-compat", "private": true}\n')
        _run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", env.requirement], cwd=env.path)
    env.marker.write_text(env.requirement)


def ensure(key: str) -> ClientEnv:
    """The environment for client `key` ("v3", "v4", "ts", "ts3"), created if missing or built for another spec."""
    env = ENVS[key]
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:  # one creator at a time (make and a pytest run may overlap)
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (env.marker.exists() and env.marker.read_text() == env.requirement):
            started = time.monotonic()
            _create(env)
            print(f"compat: created {env.path.name} ({env.requirement}) in {time.monotonic() - started:.0f}s",
                  file=sys.stderr)
    return env


def main() -> None:
    for key in ENVS:
        ensure(key)


if __name__ == "__main__":
    main()
