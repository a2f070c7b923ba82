"""Tiny CLIP (both layouts) and ImageBind models with random weights, written to disk once per test session and
loaded through the production loading code (`LocalInference` → backends → weights)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.vectorizers.models import fake_media, tiny
from weavebind.vectorizers.models.local import LocalInference
from weavebind.vectorizers.models.options import ModelOptions


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("tiny-models")
    return SimpleNamespace(
        root=root,
        hf_clip=tiny.save_hf_clip(root / "hf-clip"),
        st_clip=tiny.save_st_clip(root / "st-clip"),
        st_text=tiny.save_st_text(root / "st-text"),
        imagebind=tiny.save_imagebind(root / "checkpoints" / "imagebind_huge.pth"),
    )


def options(tiny_models: SimpleNamespace, **changes) -> ModelOptions:
    """Options that never look at a baked `models/` directory or the hub."""
    base = {"models_path": Path(tiny_models.root) / "no-baked-models", "max_wait_s": 0.0,
            "bind_checkpoint": str(tiny_models.imagebind)}
    return ModelOptions(**{**base, **changes})


def local(module: str, opts: ModelOptions) -> LocalInference:
    inference = LocalInference(module, opts, fake_media.MEDIA)
    inference.load()
    return inference


@pytest.fixture(scope="session")
def hf_clip(tiny_models) -> LocalInference:
    inference = local("multi2vec-clip", options(tiny_models, clip_model_name=str(tiny_models.hf_clip)))
    yield inference
    inference.close()


@pytest.fixture(scope="session")
def st_clip(tiny_models) -> LocalInference:
    """sentence-transformers CLIP for images with the separate multilingual-style text model."""
    opts = options(tiny_models, clip_model_name=str(tiny_models.st_clip), text_model_name=str(tiny_models.st_text))
    inference = local("multi2vec-clip", opts)
    yield inference
    inference.close()


@pytest.fixture(scope="session")
def bind(tiny_models) -> LocalInference:
    inference = local("multi2vec-bind", options(tiny_models))
    yield inference
    inference.close()
