"""What a loaded model offers the local inference, per request key: how to turn the request's items into tensors,
and the forward pass that turns a batch into vectors. Backends (CLIP, ImageBind) build these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from weavebind.vectorizers.models.runtime import Runtime


@dataclass(frozen=True)
class Encoder:
    """`prepare`: for texts, the list of strings → one (n, ...) tensor; for media (`item_shape` set), the decoded
    bytes of one item → its tensor of `item_shape`. `compute`: the model on a batch already on the device;
    `forward(batch)` runs it through the runtime: (n, dim) float32 vectors on the CPU, one per row whatever else
    is in the batch. `clips`: forward passes one item costs (ImageBind averages 3 audio and 15 video clips per
    item), which the batcher counts against its maximum batch."""

    prepare: Callable[[Any], torch.Tensor]
    compute: Callable[[torch.Tensor], torch.Tensor]
    runtime: Runtime
    item_shape: tuple[int, ...] | None = None
    clips: int = 1

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        return self.runtime.run(self.compute, batch)

    def stack(self, tensors: Sequence[torch.Tensor]) -> torch.Tensor:
        for tensor in tensors:
            if tuple(tensor.shape) != self.item_shape:
                # a preprocessing bug, not bad input: the media functions promise this shape
                raise RuntimeError(f"preprocessing produced {tuple(tensor.shape)}; the model takes {self.item_shape}")
        return torch.stack(list(tensors)).float()

