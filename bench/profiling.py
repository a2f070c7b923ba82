"""Optional py-spy sampling of the server during an import, and a summary of where the time goes.

`py-spy` is not a dependency: install it into the venv for your own measurement (`.venv/bin/pip install py-spy`).
Samples are taken with `--idle`, so time a request thread spends waiting (fsync, locks) is counted too; the summary
keeps the stacks under a few anchors (the request worker thread in `import_batch`, the event loop in
`batch_objects`, the background indexer, the snapshot thread), so idle pool threads and `epoll` waits are left out.

    python bench/profiling.py bench/results/profile-import-100000.txt   # summarise a saved profile
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path

RATE = 100  # samples per second
IDLE = [] if os.environ.get("PROFILE_CPU_ONLY") else ["--idle"]  # CPU-only samples on request
PY_SPY = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy"
_WAITING = ("Event.wait (", "Condition.wait (")
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]*?)(?::\d+)?\)$")


def start(pid: int, out: Path) -> subprocess.Popen | None:
    exe = str(PY_SPY) if PY_SPY.exists() else shutil.which("py-spy")
    if exe is None:
        print("py-spy not found: skipping the profile (.venv/bin/pip install py-spy)")
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--rate", str(RATE), *IDLE, "--threads",
                             "--format", "raw", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    _, err = proc.communicate(timeout=120)
    if proc.returncode not in (0, -signal.SIGINT):
        print(f"py-spy exited with {proc.returncode}: {err.decode(errors='replace')[-500:]}")


def _short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "weavebind/", "lib/python3"):
        if marker in path:
            path = path[path.index(marker):].replace("site-packages/", "")
            break
    return f"{match['func']} ({path})"


def read_stacks(path: Path, anchors: tuple[str, ...]) -> Counter:
    """Collapsed stacks (root first) that pass through one of `anchors`, cut to start at that anchor. Stacks that
    end parked in `Event.wait`/`Condition.wait` (an idle background thread) are dropped."""
    stacks: Counter = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";")]
        if frames[-1].startswith(_WAITING):  # a background thread parked until there is work: not a cost
            continue
        for i, frame in enumerate(frames):
            if frame.startswith(anchors):
                stacks[tuple(frames[i:])] += int(count)
                break
    return stacks


def hotspots(stacks: Counter, top: int = 15) -> dict:
    """Inclusive and self sample counts per function."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    for frames, count in stacks.items():
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    total = sum(stacks.values())

    def rows(counter: Counter) -> list[dict]:
        return [{"function": f, "samples": c, "seconds": round(c / RATE, 2), "percent": round(100 * c / total, 1)}
                for f, c in counter.most_common(top)]

    return {"samples": total, "seconds": round(total / RATE, 2), "inclusive": rows(inclusive), "self": rows(own)}


def summarise(path: Path, top: int = 15) -> dict:
    return {
        "request worker thread (import_batch)": hotspots(read_stacks(path, ("import_batch (",)), top),
        "event loop (batch_objects)": hotspots(read_stacks(path, ("batch_objects (",)), top),
        "background indexer (Indexer._run)": hotspots(read_stacks(path, ("Indexer._run (",)), top),
        "snapshots (Store._snapshot_loop)": hotspots(read_stacks(path, ("Store._snapshot_loop (",)), top),
    }


def print_summary(summary: dict) -> None:
    for name, part in summary.items():
        print(f"\n{name}: {part['samples']} samples = {part['seconds']} s (py-spy --idle, {RATE} Hz)")
        for kind in ("inclusive", "self"):
            print(f"  top {kind}:")
            for row in part[kind]:
                print(f"    {row['percent']:5.1f}%  {row['seconds']:7.2f} s  {row['function']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="summarise a py-spy raw profile of an import")
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    print_summary(summarise(args.profile, args.top))
