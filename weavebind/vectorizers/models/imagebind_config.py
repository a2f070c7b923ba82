"""Which ImageBind a checkpoint holds, decided before anything is built.

Widths, depths and the output size are in the weights; attention head counts are not: the same weights split into
other heads give other vectors, without an error. So a checkpoint is only built with `imagebind_huge`'s head counts
when every modality has `imagebind_huge`'s width and depth. Any other checkpoint needs a JSON file beside it, named
as the checkpoint with `.json` for its suffix (`my_bind.pth` → `my_bind.json`):

    {"modalities": {"vision": {"heads": 8, "dim": 512, "depth": 12}, ...}, "out_dim": 512}

`heads` is required for each modality listed; `dim`, `depth` and `out_dim` are optional and, when given, must be
what the weights hold. A modality left out must have `imagebind_huge`'s width and depth and takes its head count.
Anything that does not fit is refused with one message naming every difference: a checkpoint that loads always gives
the vectors of the model it was trained as.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.imagebind_model import HUGE, MODALITIES, ImageBindConfig

SIZE_FIELDS = ("heads", "dim", "depth")


def config_path(checkpoint: Path) -> Path:
    return checkpoint.with_suffix(".json")


def found_sizes(state: dict[str, torch.Tensor]) -> tuple[dict[str, tuple[int, int]], int]:
    """(modality → (width, depth), output size) as the weights hold them. KeyError: not an ImageBind state."""
    sizes = {}
    for modality in MODALITIES:
        prefix = f"modality_trunks.{modality}.blocks."
        width = state[f"{prefix}0.norm_1.weight"].shape[0]
        depth = len({key[len(prefix):].split(".")[0] for key in state if key.startswith(prefix)})
        sizes[modality] = (int(width), depth)
    return sizes, int(state["modality_heads.vision.2.weight"].shape[0])


def resolve(state: dict[str, torch.Tensor], checkpoint: Path) -> ImageBindConfig:
    """The configuration to build for `state`, read from `checkpoint`; raises `ModelUnavailable` naming what
    differs."""
    sizes, out_dim = found_sizes(state)
    path = config_path(checkpoint)
    declared = read_declared(path) if path.is_file() else None
    problems: list[str] = []
    heads = {m: _heads(m, sizes[m], declared, problems) for m in MODALITIES}
    if declared is not None and "out_dim" in declared and declared["out_dim"] != out_dim:
        problems.append(f"out_dim: {path.name} says {declared['out_dim']}, the weights hold {out_dim}")
    for modality in MODALITIES:
        if heads[modality] and sizes[modality][0] % heads[modality]:
            problems.append(f"{modality}: width {sizes[modality][0]} does not split into {heads[modality]} heads")
    if problems:
        where = f"{path}" if declared is not None else f"no {path.name} beside it"
        raise ModelUnavailable(f"{checkpoint}: the ImageBind checkpoint does not fit the model ({where}): "
                               f"{'; '.join(problems)}")
    return ImageBindConfig({m: (*sizes[m], heads[m]) for m in MODALITIES}, out_dim)


def _heads(modality: str, found: tuple[int, int], declared: dict[str, Any] | None, problems: list[str]) -> int:
    entry = (declared or {}).get("modalities", {}).get(modality)
    if entry is None:
        huge_width, huge_depth, huge_heads = HUGE[modality]
        if found != (huge_width, huge_depth):
            problems.append(f"{modality}: width {found[0]}, depth {found[1]} (imagebind_huge: {huge_width}, "
                            f"{huge_depth}), so its head count must be given in the config file")
        return huge_heads
    for field, value in (("dim", found[0]), ("depth", found[1])):
        if field in entry and entry[field] != value:
            problems.append(f"{modality}: {field} {entry[field]} in the config file, {value} in the weights")
    return entry["heads"]


def read_declared(path: Path) -> dict[str, Any]:
    """The config file, checked for shape: a JSON object, known modalities, positive integers."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelUnavailable(f"{path}: cannot read the ImageBind config file ({exc})") from None
    problem = _shape_problem(data)
    if problem:
        raise ModelUnavailable(f"{path}: {problem}")
    return data


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("modalities"), dict):
        return 'expected {"modalities": {"<modality>": {"heads": <n>, ...}, ...}, "out_dim": <n>}'
    unknown = sorted(set(data) - {"modalities", "out_dim"}) + sorted(set(data["modalities"]) - set(MODALITIES))
    if unknown:
        return f"unknown keys {', '.join(unknown)} (modalities: {', '.join(MODALITIES)})"
    if "out_dim" in data and not _positive(data["out_dim"]):
        return "out_dim must be a positive integer"
    for modality, entry in data["modalities"].items():
        if not isinstance(entry, dict) or "heads" not in entry or set(entry) - set(SIZE_FIELDS):
            return f'{modality}: expected {{"heads": <n>}} with optional "dim" and "depth"'
        bad = [field for field, value in entry.items() if not _positive(value)]
        if bad:
            return f"{modality}: {', '.join(bad)} must be a positive integer"
    return None


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
