"""Where and how the models run: device, torch threads, precision, and the forward-pass context.

`ENABLE_CUDA` + `CUDA_CORE` choose the device as the containers do. Half precision (`WEAVEBIND_MODEL_PRECISION`)
applies on CUDA only, through autocast: weights stay float32 and LayerNorm, softmax, normalisation and the logit
scales run in float32, as the reference code allows (ImageBind casts around bfloat16 itself). The default, float32,
reproduces the containers' vectors; on the CPU the precision is always float32.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

import torch

from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.options import ModelOptions

log = logging.getLogger("weavebind.models")
_threads_lock = threading.Lock()
_threads_set = False


class Runtime:
    def __init__(self, options: ModelOptions):
        self.device = torch.device(options.device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise ModelUnavailable(f"ENABLE_CUDA is set (CUDA_CORE={options.cuda_core}) but torch sees no CUDA "
                                   f"device (torch {torch.__version__}); unset ENABLE_CUDA to run on the CPU")
        self.autocast_dtype = None
        if self.device.type == "cuda" and options.precision != "float32":
            self.autocast_dtype = getattr(torch, options.precision)
        elif options.precision != "float32":
            log.warning("WEAVEBIND_MODEL_PRECISION=%s applies on CUDA only; the CPU runs float32", options.precision)
        _set_threads(options.threads())
        # One lock per runtime: the forward passes of all modalities of one model take turns, as in the containers;
        # a second pass at the same time would only split the same cores (or the same GPU).
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def forward_context(self) -> Iterator[None]:
        with self.lock, torch.inference_mode():
            if self.autocast_dtype is None:
                yield
            else:
                with torch.autocast(device_type="cuda", dtype=self.autocast_dtype):
                    yield

    def run(self, forward: Callable[[torch.Tensor], torch.Tensor], batch: torch.Tensor) -> torch.Tensor:
        """One forward pass: inputs moved to the device, outputs back as float32 on the CPU."""
        with self.forward_context():
            out = forward(batch.to(self.device, non_blocking=True))
            return out.float().cpu()

    def place(self, model: torch.nn.Module) -> torch.nn.Module:
        return model.requires_grad_(False).to(self.device).eval()


def _set_threads(count: int) -> None:
    """torch's intra-op pool is process-wide; set it once, from the first model that loads."""
    global _threads_set
    with _threads_lock:
        if not _threads_set:
            torch.set_num_threads(count)
            _threads_set = True
            log.info("torch uses %d CPU threads", count)
