"""multi2vec-bind in process: the `imagebind_huge` checkpoint, found or fetched as the reference does, and one
encoder per request key of the container (`texts`, `images`, `audio`, `video`, `imu`, `thermal`, `depth`).

The weights are Meta's, under CC BY-NC-SA 4.0 (non-commercial; the model card says research use only): the log
says so whenever they are loaded or downloaded, and docs/models.md repeats it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from weavebind.vectorizers.models.encoders import Encoder
from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.imagebind_config import resolve
from weavebind.vectorizers.models.imagebind_model import ImageBindModel
from weavebind.vectorizers.models.options import ModelOptions
from weavebind.vectorizers.models.preprocess import ITEM_SHAPES, Preprocessors
from weavebind.vectorizers.models.runtime import Runtime
from weavebind.vectorizers.models.weights import load_strict, read_torch

log = logging.getLogger("weavebind.models")
MODULE = "multi2vec-bind"
OFFICIAL_URL = "https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth"
FILENAME = "imagebind_huge.pth"
LICENCE = "ImageBind weights by Meta, licensed CC BY-NC-SA 4.0: non-commercial use only"
# The container's /meta: `{"model": model._get_name(), "version": model._version}` (spec inference.md 1.4).
META = {"model": "ImageBindModel", "version": 1}
# request key → (ImageBind modality, clips per item)
KEYS = {"texts": ("text", 1), "images": ("vision", 1), "audio": ("audio", 3), "video": ("vision", 15),
        "imu": ("imu", 1), "thermal": ("thermal", 1), "depth": ("depth", 1)}


def candidates() -> list[Path]:
    """Where the reference looks (`.checkpoints/` under the working directory), then torch hub's cache."""
    return [Path(".checkpoints") / FILENAME, Path(torch.hub.get_dir()) / "checkpoints" / FILENAME]


def checkpoint(options: ModelOptions, fetch: bool = True) -> Path:
    if options.bind_checkpoint:
        path = Path(options.bind_checkpoint).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"WEAVEBIND_BIND_CHECKPOINT={options.bind_checkpoint}: no such file")
        return path
    for path in candidates():
        if path.is_file():
            return path
    if not fetch:
        raise ModelUnavailable(f"no {FILENAME} in {' or '.join(map(str, candidates()))}")
    return download(candidates()[1])


def download(target: Path) -> Path:
    """Fetch the official checkpoint (about 4.5 GB) to `target`; torch writes a temporary file and renames it."""
    log.warning("%s: downloading %s to %s (%s)", MODULE, OFFICIAL_URL, target, LICENCE)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(OFFICIAL_URL, str(target), progress=False)
    except Exception as exc:  # noqa: BLE001 - offline, proxy, disk full: one clear message
        raise ModelUnavailable(
            f"{MODULE}: cannot download {OFFICIAL_URL} ({type(exc).__name__}: {exc}); set WEAVEBIND_BIND_CHECKPOINT "
            f"to a local copy of {FILENAME}, or run `weavebind inference download --module multi2vec-bind` while "
            "online") from None
    return target


def load_model(path: Path) -> ImageBindModel:
    log.info("%s: loading %s (%s)", MODULE, path, LICENCE)
    try:
        state = read_torch(path)
    except Exception as exc:  # noqa: BLE001 - a truncated download or another file: name the setting
        raise ModelUnavailable(f"{path}: cannot read the ImageBind checkpoint ({type(exc).__name__}: {exc}); "
                               "point WEAVEBIND_BIND_CHECKPOINT at imagebind_huge.pth") from None
    try:
        config = resolve(state, path)  # refuses a checkpoint whose head counts are unknown
    except KeyError as exc:
        raise ModelUnavailable(f"{path}: not an ImageBind checkpoint (no {exc})") from None
    with torch.device("meta"):
        model = ImageBindModel(config)
    return load_strict(model, state, str(path))


class BindBackend:
    module = MODULE

    def __init__(self, options: ModelOptions, media: Preprocessors, model: ImageBindModel | None = None):
        self.runtime = Runtime(options)
        self.model = self.runtime.place(model if model is not None else load_model(checkpoint(options)))
        self.encoders = {key: self._encoder(key, media) for key in KEYS}
        log.info("%s: ImageBind on %s", MODULE, self.runtime.device)

    def _encoder(self, key: str, media: Preprocessors) -> Encoder:
        modality, clips = KEYS[key]
        def compute(batch: torch.Tensor) -> torch.Tensor:
            return self.model.encode(modality, batch)

        if key == "texts":
            return Encoder(lambda texts: media["texts"](texts), compute, self.runtime)
        return Encoder(lambda data: media[key](data), compute, self.runtime, ITEM_SHAPES[key], clips)

    def meta(self) -> dict[str, Any]:
        return dict(META)
