"""Which image preprocessing each CLIP layout gets, with the media package's real decoders: the Hugging Face layout
that of transformers' fast image processor (Weaviate's container loads it with `use_fast=True`), the
sentence-transformers layout the PIL transform."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from tests.vectorizers.models.conftest import options
from weavebind.vectorizers.media import preprocess_image, preprocess_image_hf
from weavebind.vectorizers.models.clip_layout import detect, load_clip
from weavebind.vectorizers.models.local import LocalInference

# 176 × 173 is resized to 227 × 224, then cropped 1.5 pixels in: from column 1 (the fast processor truncates), from
# column 2 (torchvision's CenterCrop rounds half to even); the resizes differ by a rounding step here and there.
PNG = io.BytesIO()
Image.fromarray(np.random.default_rng(3).integers(0, 256, (173, 176, 3), dtype=np.uint8)).save(PNG, "PNG")
DATA = PNG.getvalue()


@pytest.mark.parametrize(("layout", "preprocess", "normalized"), [
    ("hf_clip", preprocess_image_hf, True), ("st_clip", preprocess_image, False)])
def test_each_layout_prepares_images_as_the_container_does(tiny_models, layout, preprocess, normalized):
    directory = getattr(tiny_models, layout)
    inference = LocalInference("multi2vec-clip", options(tiny_models, clip_model_name=str(directory)))
    try:
        got = inference.vectorize({"images": [base64.b64encode(DATA).decode()]})["imageVectors"][0]
    finally:
        inference.close()
    model = load_clip(detect(directory, "CLIP_MODEL_NAME"))
    with torch.inference_mode():
        want = model.encode_image(preprocess(DATA)[None])
        other = model.encode_image((preprocess_image if normalized else preprocess_image_hf)(DATA)[None])
    if normalized:
        want, other = F.normalize(want, dim=-1), F.normalize(other, dim=-1)
    np.testing.assert_allclose(got, want[0].numpy(), rtol=1e-5, atol=1e-6)
    assert np.abs(np.asarray(got) - other[0].numpy()).max() > 1e-4  # 100× the tolerance above: the tiny
    # random models see little of an image, yet enough to tell the two preprocessings apart
