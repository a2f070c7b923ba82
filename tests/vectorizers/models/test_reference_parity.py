"""The models against the reference implementations themselves: transformers' `CLIPModel` and
sentence-transformers for the CLIP layouts, facebookresearch/ImageBind's model code (PyPI `imagebind-unofficial`,
byte-identical to upstream 53680b02) for ImageBind. They are not runtime dependencies; `make install` puts them in
the dev environment, so CI runs this file (and fails, not skips, without them). Each reference loads the tiny
checkpoints strictly and must give the same vectors. timm is stubbed when it cannot import: inference needs none
of it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

import pytest
import torch

from tests.vectorizers.models import tiny
from tests.vectorizers.models.fake_media import tokenize, tokenize_hf
from weavebind.vectorizers.models.clip_layout import detect, load_clip, load_sentence_text, load_wordpiece
from weavebind.vectorizers.models.imagebind_model import ImageBindModel
from weavebind.vectorizers.models.weights import read_torch


def require(module: str):
    """Import a reference package; in CI (`CI=true`, where `make install` provides them) its absence fails."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


TEXTS = ["a dog", "eine katze in the snow", "una playa y a red car " * 3]


def reference_imagebind():
    """IB's `imagebind.models.imagebind_model` without `imagebind/__init__` (it imports the data loaders)."""
    require("einops")
    if "imagebind.models.imagebind_model" in sys.modules:
        return sys.modules["imagebind.models.imagebind_model"]
    spec = importlib.util.find_spec("imagebind")
    if spec is None or not spec.submodule_search_locations:
        if os.environ.get("CI") == "true":
            pytest.fail("the ImageBind reference code is not installed (make install provides it)")
        pytest.skip("the ImageBind reference code is not installed")
    if "imagebind" not in sys.modules:
        package = types.ModuleType("imagebind")
        package.__path__, package.__spec__ = list(spec.submodule_search_locations), spec
        sys.modules["imagebind"] = package
    try:
        import timm.layers  # noqa: F401
    except Exception:  # noqa: BLE001 - timm needs torchvision; inference needs neither
        stub = types.ModuleType("timm.layers")
        stub.DropPath = lambda p: torch.nn.Identity()
        stub.trunc_normal_ = torch.nn.init.trunc_normal_
        sys.modules["timm"], sys.modules["timm.layers"] = types.ModuleType("timm"), stub
    from imagebind.models import imagebind_model

    return imagebind_model


def tiny_reference(ib):
    kwargs = {"out_embed_dim": tiny.DIM}
    for modality, (dim, blocks, heads) in tiny.IMAGEBIND_SIZES.items():
        kwargs |= {f"{modality}_embed_dim": dim, f"{modality}_num_blocks": blocks, f"{modality}_num_heads": heads}
    return ib.ImageBindModel(**kwargs).eval()


def test_imagebind_huge_state_dict_is_the_references(monkeypatch):
    """The reference builds on the CPU (its drop-path schedule calls `.item()`, which the meta device refuses).
    Only the names and shapes are compared, so torch's weight initialisers are made no-ops: filling 1.2 billion
    random weights took ~16 s, and untouched memory is never made resident."""
    for name in ("uniform_", "normal_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
                 "xavier_normal_", "constant_", "zeros_", "ones_"):
        monkeypatch.setattr(torch.nn.init, name, lambda tensor, *args, **kwargs: tensor)
    ib = reference_imagebind()
    reference = ib.imagebind_huge(pretrained=False)
    with torch.device("meta"):
        ours = ImageBindModel()
    expected = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == expected


def test_imagebind_vectors_are_the_references(bind, tiny_models):
    ib = reference_imagebind()
    reference = tiny_reference(ib)
    reference.load_state_dict(read_torch(tiny_models.imagebind), strict=True)
    generator = torch.Generator().manual_seed(7)
    inputs = {"text": tokenize(TEXTS), "vision": torch.randn(2, 3, 224, 224, generator=generator),
              "audio": torch.randn(2, 3, 1, 128, 204, generator=generator),
              "depth": torch.randn(2, 1, 224, 224, generator=generator),
              "thermal": torch.randn(2, 1, 224, 224, generator=generator),
              "imu": torch.randn(2, 6, 2000, generator=generator)}
    video = torch.randn(1, 15, 3, 2, 224, 224, generator=generator)
    model = bind._backend.model
    with torch.inference_mode():
        expected = reference(inputs) | {"video": reference({"vision": video})["vision"]}
        got = {m: model.encode(m, x) for m, x in inputs.items()} | {"video": model.encode("vision", video)}
    for modality, vectors in expected.items():
        torch.testing.assert_close(got[modality], vectors, rtol=1e-4, atol=2e-5, msg=modality)


def test_clip_matches_transformers(tiny_models):
    transformers = require("transformers")
    for directory in (tiny_models.hf_clip, tiny_models.st_clip / "0_CLIPModel"):
        reference, info = transformers.CLIPModel.from_pretrained(directory, output_loading_info=True)
        assert not any(info.values()), info  # nothing missing, unexpected or mismatched
        ours = load_clip(detect(directory, "CLIP_MODEL_NAME"))
        ids, mask = tokenize_hf(TEXTS)
        pixels = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(3))
        with torch.inference_mode():
            text = reference.get_text_features(input_ids=ids, attention_mask=mask)
            image = reference.get_image_features(pixel_values=pixels)
            text, image = (getattr(t, "pooler_output", t) for t in (text, image))
            torch.testing.assert_close(ours.encode_text(ids), text, rtol=1e-4, atol=1e-5)
            torch.testing.assert_close(ours.encode_image(pixels), image, rtol=1e-4, atol=1e-5)


def test_clip_vit_b32_state_dict_is_the_references():
    transformers = require("transformers")
    from weavebind.vectorizers.models.clip_model import ClipConfig, ClipModel

    with torch.device("meta"):
        reference = transformers.CLIPModel(transformers.CLIPConfig())
        ours = ClipModel(ClipConfig.from_dict(transformers.CLIPConfig().to_dict()))
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in reference.state_dict().items() if not k.endswith("position_ids")}


def test_sentence_transformers_text_model_matches(tiny_models):
    st = require("sentence_transformers")
    reference = st.SentenceTransformer(str(tiny_models.st_text), device="cpu")
    layout = detect(tiny_models.st_text, "TEXT_MODEL_NAME")
    model = load_sentence_text(layout)
    tokenize_st = load_wordpiece(layout, 64)
    with torch.inference_mode():
        expected = reference.encode(TEXTS, convert_to_tensor=True)
        torch.testing.assert_close(model(tokenize_st(TEXTS)), expected, rtol=1e-4, atol=1e-5)
