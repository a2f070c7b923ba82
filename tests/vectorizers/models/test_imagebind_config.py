"""An ImageBind checkpoint is built with the head counts it was trained with, or refused: the weights hold widths
and depths but no head counts, so anything but `imagebind_huge`'s sizes needs the config file beside it."""

from __future__ import annotations

import json

import pytest
import torch

from tests.vectorizers.models import tiny
from tests.vectorizers.models.fake_media import MEDIA
from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.imagebind_backend import load_model
from weavebind.vectorizers.models.imagebind_config import resolve
from weavebind.vectorizers.models.imagebind_model import HUGE, ImageBindModel
from weavebind.vectorizers.models.local import LocalInference
from weavebind.vectorizers.models.options import ModelOptions

# The tiny sizes with the head counts swapped for others that also divide the widths.
OTHER_HEADS = {m: (dim, depth, dim // heads) for m, (dim, depth, heads) in tiny.IMAGEBIND_SIZES.items()}


def inputs() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(11)
    return {"vision": torch.randn(2, 3, 224, 224, generator=generator),
            "audio": torch.randn(2, 3, 1, 128, 204, generator=generator),
            "thermal": torch.randn(2, 1, 224, 224, generator=generator),
            "text": torch.tensor([[49406, 320, 1929, 49407] + [0] * 73, [49406, 1929, 49407] + [0] * 74])}


def encode(model: ImageBindModel) -> dict[str, torch.Tensor]:
    with torch.inference_mode():
        return {m: model.encode(m, x) for m, x in inputs().items()}


def test_a_checkpoint_with_other_head_counts_gives_the_vectors_of_its_own_model(tmp_path):
    path = tiny.save_imagebind(tmp_path / "other.pth", seed=9, sizes=OTHER_HEADS)
    loaded, expected = encode(load_model(path)), encode(tiny.build_imagebind(9, OTHER_HEADS))
    with_tiny_heads = encode(tiny.build_imagebind(9))  # the same weights, split into the other head counts
    for modality, vectors in expected.items():
        torch.testing.assert_close(loaded[modality], vectors, rtol=1e-5, atol=1e-6)
        assert not torch.allclose(with_tiny_heads[modality], vectors, rtol=1e-3, atol=1e-4), modality


def test_a_checkpoint_of_other_sizes_without_config_is_refused(tmp_path):
    path = tiny.save_imagebind(tmp_path / "bare.pth", sizes=OTHER_HEADS, config=False)
    inference = LocalInference("multi2vec-bind", ModelOptions(bind_checkpoint=str(path), max_wait_s=0), MEDIA)
    with pytest.raises(ModelUnavailable) as caught:
        inference.vectorize({"texts": ["a dog"]})
    message = caught.value.message
    assert caught.value.status == 503 and "no bare.json beside it" in message
    assert "vision: width 32, depth 1 (imagebind_huge: 1280, 32)" in message
    assert "audio: width 24, depth 1 (imagebind_huge: 768, 12)" in message
    assert inference.load_error is caught.value


def test_imagebind_huge_sizes_take_its_head_counts_unless_the_config_says_otherwise(tmp_path):
    with torch.device("meta"):
        state = ImageBindModel().state_dict()
    config = resolve(state, tmp_path / "imagebind_huge.pth")
    assert config.sizes == HUGE and config.out_dim == 1024
    (tmp_path / "tuned.json").write_text(json.dumps({"modalities": {"audio": {"heads": 8}}}))
    assert resolve(state, tmp_path / "tuned.pth").sizes == HUGE | {"audio": (768, 12, 8)}


def edited(modality: str | None = None, drop: bool = False, **fields) -> dict:
    """The tiny checkpoint's config file with one change."""
    config = tiny.imagebind_config()
    if modality is None:
        config |= fields
    elif drop:
        del config["modalities"][modality]
    else:
        config["modalities"][modality] |= fields
    return config


@pytest.mark.parametrize(("config", "expected"), [
    (edited("vision", dim=64), "vision: dim 64 in the config file, 32 in the weights"),
    (edited("imu", depth=2), "imu: depth 2 in the config file, 1 in the weights"),
    (edited(out_dim=1024), "out_dim: c.json says 1024, the weights hold 16"),
    (edited("audio", heads=5), "audio: width 24 does not split into 5 heads"),
    (edited("text", drop=True), "text: width 32, depth 1 (imagebind_huge: 1024, 24)"),
])
def test_a_config_that_does_not_fit_the_weights_is_refused(tmp_path, config, expected):
    (tmp_path / "c.json").write_text(json.dumps(config))
    with pytest.raises(ModelUnavailable, match="does not fit the model") as caught:
        resolve(tiny.build_imagebind().state_dict(), tmp_path / "c.pth")
    assert expected in caught.value.message and str(tmp_path / "c.json") in caught.value.message


@pytest.mark.parametrize(("text", "expected"), [
    ("{not json", "cannot read the ImageBind config file"),
    ("[1, 2]", 'expected {"modalities"'),
    ('{"modalities": {"smell": {"heads": 2}}}', "unknown keys smell"),
    ('{"modalities": {}, "heads": 4}', "unknown keys heads"),
    ('{"modalities": {"vision": {"dim": 32}}}', 'vision: expected {"heads": <n>}'),
    ('{"modalities": {"vision": {"heads": 4, "width": 32}}}', 'vision: expected {"heads": <n>}'),
    ('{"modalities": {"vision": {"heads": 0}}}', "vision: heads must be a positive integer"),
    ('{"modalities": {"vision": {"heads": "4"}}}', "vision: heads must be a positive integer"),
    ('{"modalities": {"vision": {"heads": true}}}', "vision: heads must be a positive integer"),
    ('{"modalities": {}, "out_dim": 1.5}', "out_dim must be a positive integer"),
])
def test_a_malformed_config_file_is_refused_naming_it(tmp_path, text, expected):
    (tmp_path / "c.json").write_text(text)
    with pytest.raises(ModelUnavailable) as caught:
        resolve(tiny.build_imagebind().state_dict(), tmp_path / "c.pth")
    assert expected in caught.value.message and str(tmp_path / "c.json") in caught.value.message
