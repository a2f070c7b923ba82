"""Finding a model directory by the container's rules: a baked copy under `<models_path>`, a local directory, or a
Hugging Face hub name fetched into the usual cache (`huggingface_hub`, which honours `HF_HOME`/`HF_HUB_OFFLINE`).

`copy_model` is `weavebind inference download`: it resolves the names and copies the files into
`<models_path>/clip` and `<models_path>/text`, as the container's `download.py` bakes them into an image.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from weavebind.vectorizers.models.errors import ModelUnavailable

log = logging.getLogger("weavebind.models")
# Weights in formats the loaders here never read (TensorFlow, Flax, ONNX, OpenVINO, Rust): not fetched.
SKIPPED = ["*.h5", "*.msgpack", "*.onnx", "*onnx/*", "*openvino/*", "*.ot", "*.tflite", "*.mlmodel", "*.gguf"]


def hub_id(name: str) -> str:
    """sentence-transformers' rule: a bare name (`clip-ViT-B-32`) means `sentence-transformers/<name>`."""
    return name if "/" in name else f"sentence-transformers/{name}"


def fetch(name: str, setting: str) -> Path:
    """A local directory as it is; otherwise the hub snapshot of `name` (downloaded once, then from the cache)."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    if name.startswith((".", "/", "~")):
        raise ModelUnavailable(f"{setting}={name}: no such directory")
    repo = hub_id(name)
    try:
        from huggingface_hub import snapshot_download

        try:
            return Path(snapshot_download(repo, local_files_only=True))
        except Exception:  # noqa: BLE001 - not in the cache: ask the hub
            pass
        log.info("%s: fetching %s from the Hugging Face hub", setting, repo)
        # safetensors when the repository has them; the pickled copies only for repositories without
        path = Path(snapshot_download(repo, ignore_patterns=[*SKIPPED, "*.bin", "*.pt", "*.pth"]))
        if not any(path.rglob("*.safetensors")):
            path = Path(snapshot_download(repo, ignore_patterns=SKIPPED))
        return path
    except Exception as exc:  # noqa: BLE001 - offline, unknown repo, gated repo: one clear message
        raise ModelUnavailable(
            f"{setting}={name}: cannot load {repo} from the Hugging Face hub or its cache ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}). Point {setting} at a local model directory, or run "
            f"`weavebind inference download --module multi2vec-clip` once while online") from None


def copy_model(source: Path, target: Path) -> None:
    """Replace `target` with a real copy of `source` (the hub cache holds symlinks into its blob store)."""
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, symlinks=False, ignore=shutil.ignore_patterns(".cache", ".git*"))
    log.info("copied %s to %s", source, target)
