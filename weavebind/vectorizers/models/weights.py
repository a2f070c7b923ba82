"""Reading checkpoints and loading them into the models, strictly: a key the model lacks or misses, or a shape
that differs, is an error naming the file, so a checkpoint of another architecture cannot load half-way.

Formats: safetensors (`model.safetensors`, sharded with `model.safetensors.index.json`), torch pickles read with
`weights_only=True` (`pytorch_model.bin`, sharded, and ImageBind's `.pth`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch
from torch import nn

from weavebind.vectorizers.models.errors import ModelUnavailable

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
# Buffers that older transformers versions saved and the models here compute instead.
IGNORED_KEYS = re.compile(r"(^|\.)position_ids$")


def read_torch(path: Path) -> dict[str, torch.Tensor]:
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError:  # mmap needs the zip format; an old-style pickle is read into memory
        return torch.load(path, map_location="cpu", weights_only=True)


def read_file(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    return read_torch(path)


def read_directory(directory: Path) -> dict[str, torch.Tensor]:
    """The state dict of a Hugging Face style model directory (safetensors first, as transformers picks)."""
    for name in WEIGHT_FILES:
        path = directory / name
        if not path.is_file():
            continue
        if name.endswith(".index.json"):
            shards = sorted(set(json.loads(path.read_text())["weight_map"].values()))
            state: dict[str, torch.Tensor] = {}
            for shard in shards:
                state.update(read_file(directory / shard))
            return state
        return read_file(path)
    raise ModelUnavailable(f"{directory}: no weights found (expected one of {', '.join(WEIGHT_FILES)})")


def strip_prefix(state: Mapping[str, torch.Tensor], prefixes: Iterable[str]) -> dict[str, torch.Tensor]:
    for prefix in prefixes:
        if state and all(key.startswith(prefix) for key in state):
            return {key[len(prefix):]: value for key, value in state.items()}
    return dict(state)


def load_strict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> nn.Module:
    """Load `state` into `model` (built on any device, `meta` included) and answer it, in float32."""
    state = {k: v for k, v in state.items() if not IGNORED_KEYS.search(k)}
    expected = dict(model.state_dict())
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = [f"{k}: checkpoint {tuple(state[k].shape)}, model {tuple(expected[k].shape)}"
             for k in expected if k in state and state[k].shape != expected[k].shape]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing (first: {', '.join(missing[:5])})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected (first: {', '.join(unexpected[:5])})")
    if wrong:
        problems.append(f"{len(wrong)} of another shape (first: {'; '.join(wrong[:3])})")
    if problems:
        raise ModelUnavailable(f"{source}: the checkpoint does not fit the model: {'; '.join(problems)} keys")
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    model.load_state_dict(state, strict=True, assign=True)
    return model.eval()


@torch.no_grad()
def init_random_(model: nn.Module, seed: int = 0, std: float = 0.02) -> nn.Module:
    """Random weights for tests and benchmarks: normal(0, std) matrices, LayerNorm scales near 1, small biases.
    Logit scales keep their constructor values (a fixed scale is part of the architecture)."""
    generator = torch.Generator().manual_seed(seed)
    for name, tensor in sorted(model.state_dict(keep_vars=True).items()):
        if name.endswith("log_logit_scale") or not tensor.is_floating_point() or name.endswith(".mask"):
            continue
        tensor.copy_(torch.randn(tensor.shape, generator=generator) * std)
    for module in model.modules():
        if isinstance(module, nn.LayerNorm) and module.weight is not None:
            module.weight.add_(1.0)
    return model.eval()
