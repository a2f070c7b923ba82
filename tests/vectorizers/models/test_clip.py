"""The tiny CLIP models through `LocalInference`: the Hugging Face layout (normalised, as the container's OpenAI
path), the sentence-transformers layout (not normalised) with a separate DistilBERT text model, model choice,
determinism and batch invariance (spec inference.md 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tests.vectorizers.models import tiny
from tests.vectorizers.models.conftest import local, options
from tests.vectorizers.models.fake_media import payload
from weavebind.vectorizers.models import clip_backend
from weavebind.vectorizers.models.clip_layout import detect, load_clip
from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.local import LocalInference

TEXTS = ["a dog", "eine katze in the snow", "una playa y a red car"]


def body(count: int = 3) -> dict:
    return {"texts": TEXTS[:count], "images": [payload("images", i) for i in range(count)]}


def test_hf_layout_answers_unit_vectors(hf_clip):
    answer = hf_clip.vectorize(body())
    assert list(answer) == ["textVectors", "imageVectors"]
    for key in answer:
        assert np.asarray(answer[key]).shape == (3, tiny.DIM)
        np.testing.assert_allclose(np.linalg.norm(answer[key], axis=1), 1.0, rtol=1e-5)


def test_sentence_transformers_layout_is_not_normalised(st_clip):
    answer = st_clip.vectorize(body())
    for key in answer:
        norms = np.linalg.norm(answer[key], axis=1)
        assert np.asarray(answer[key]).shape == (3, tiny.DIM) and not np.allclose(norms, 1.0, rtol=1e-3), key


def test_st_image_vector_is_the_projected_pooled_feature(st_clip, tiny_models):
    """clip-ViT-B-32's image vector: `visual_projection(vision_model(...).pooler_output)`, nothing after it."""
    layout = detect(tiny_models.st_clip, "CLIP_MODEL_NAME")
    model = load_clip(layout)
    pixels = st_clip.media["images"](b"images-0")[None]
    with torch.inference_mode():
        expected = model.visual_projection(model.vision_model(pixels))[0]
    np.testing.assert_allclose(st_clip.vectorize({"images": [payload("images", 0)]})["imageVectors"][0],
                               expected.numpy(), rtol=1e-5, atol=1e-6)


def test_only_the_requested_modality_is_answered(hf_clip):
    assert hf_clip.vectorize({"texts": ["a dog"]})["imageVectors"] == []
    assert hf_clip.vectorize({"images": [payload("images", 0)]})["textVectors"] == []
    assert hf_clip.vectorize({}) == {"textVectors": [], "imageVectors": []}


@pytest.mark.parametrize("name", ["hf_clip", "st_clip"])
def test_deterministic_and_batch_invariant(name, request):
    inference = request.getfixturevalue(name)
    full = inference.vectorize(body())
    assert inference.vectorize(body()) == full
    for index in range(3):
        alone = inference.vectorize({"texts": [TEXTS[index]], "images": [payload("images", index)]})
        for key in full:
            np.testing.assert_allclose(alone[key][0], full[key][index], rtol=1e-5, atol=1e-6, err_msg=key)


def test_long_texts_are_truncated_not_refused(hf_clip, st_clip):
    long_text = " ".join(["dog"] * 300)
    for inference in (hf_clip, st_clip):
        vector = inference.vectorize({"texts": [long_text]})["textVectors"][0]
        assert len(vector) == tiny.DIM and np.all(np.isfinite(vector))
    # the multilingual-style model truncates at max_seq_length: what follows cannot change the vector
    cut = " ".join(["dog"] * (tiny.MAX_SEQ_LENGTH - 2))
    assert np.allclose(st_clip.vectorize({"texts": [cut + " cat car"]})["textVectors"],
                       st_clip.vectorize({"texts": [cut + " bird snow"]})["textVectors"], atol=1e-6)


def test_meta_is_the_container_meta(hf_clip, st_clip, tiny_models):
    assert hf_clip.meta() == tiny.CLIP_CONFIG
    assert st_clip.meta() == {"clip_model": tiny.CLIP_CONFIG, "text_model": tiny.DISTILBERT_CONFIG}


def test_text_model_name_defaults_to_the_clip_model(tiny_models):
    opts = options(tiny_models, clip_model_name=str(tiny_models.st_clip))
    assert clip_backend.resolve(opts) == (tiny_models.st_clip, tiny_models.st_clip)


def test_download_bakes_models_that_win_over_the_names(tiny_models, tmp_path):
    baked = tmp_path / "models"
    opts = options(tiny_models, clip_model_name=str(tiny_models.st_clip), text_model_name=str(tiny_models.st_text),
                   models_path=baked)
    assert clip_backend.download(opts) == [baked / "clip", baked / "text"]
    assert json.loads((baked / "text" / "2_Dense" / "config.json").read_text())["out_features"] == tiny.DIM
    elsewhere = options(tiny_models, clip_model_name="not/used-when-baked", models_path=baked)
    assert clip_backend.resolve(elsewhere) == (baked / "clip", baked / "text")
    inference = local("multi2vec-clip", elsewhere)
    assert inference.meta()["text_model"]["model_type"] == "distilbert"
    inference.close()


def test_a_model_neither_local_nor_fetchable_names_the_setting(tiny_models):
    """Offline (or a name the hub does not have): the first use fails with what to set, and the next one too."""
    inference = LocalInference("multi2vec-clip", options(tiny_models, clip_model_name="nobody/no-such-clip-model"))
    for _ in range(2):
        with pytest.raises(ModelUnavailable) as caught:
            inference.vectorize({"texts": ["a dog"]})
        assert "CLIP_MODEL_NAME=nobody/no-such-clip-model" in caught.value.message
        assert "local model directory" in caught.value.message and caught.value.status == 503
    assert inference.vectorize({}) == {"textVectors": [], "imageVectors": []}  # nothing to do needs no model


def test_a_directory_of_another_kind_is_refused(tmp_path, tiny_models):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelUnavailable, match="CLIP_MODEL_NAME: .* neither"):
        detect(tmp_path, "CLIP_MODEL_NAME")
    with pytest.raises(ModelUnavailable, match="text-only model"):
        local("multi2vec-clip", options(tiny_models, clip_model_name=str(tiny_models.st_text)))
