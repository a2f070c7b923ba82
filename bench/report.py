"""Reporting: machine description, JSON results, plain-text tables."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import faiss
import numpy as np
import orjson


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict:
    return {"cpus": os.cpu_count(), "load_average_at_end": load_average(), "python": platform.python_version(),
            "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "faiss": faiss.__version__, "numpy": np.__version__, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))
    print(f"\nresults written to {path}")


def print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    """Rows of strings; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"\n{title}")
    for n, row in enumerate(rows):
        cells = [cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * w for w in widths))
