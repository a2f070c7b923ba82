"""The tiny ImageBind, loaded from its .pth through `LocalInference`: shapes, the postprocessors' norms and scales,
clip averaging, determinism and batch invariance for every modality (spec inference.md 3.2)."""

from __future__ import annotations

import math
import shutil
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.vectorizers.models import tiny
from tests.vectorizers.models.fake_media import MEDIA, payload
from weavebind.vectorizers import inference_server
from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.imagebind_backend import OFFICIAL_URL, candidates
from weavebind.vectorizers.models.imagebind_config import resolve
from weavebind.vectorizers.models.local import LocalInference
from weavebind.vectorizers.models.options import ModelOptions

MEDIA_KEYS = ("images", "audio", "video", "imu", "thermal", "depth")
# response key → the norm every vector has (text: the learned scale at its init 1/0.07; fixed scales otherwise)
EXACT_NORMS = {"textVectors": 1 / 0.07, "imageVectors": 1.0, "imuVectors": 5.0, "depthVectors": 5.0,
               "thermalVectors": 10.0}
AVERAGED = {"audioVectors": 20.0, "videoVectors": 1.0}  # means of 3 / 15 clip vectors of that norm


def request(count: int = 2, start: int = 0) -> dict:
    body = {key: [payload(key, start + i) for i in range(count)] for key in MEDIA_KEYS}
    body["texts"] = [f"a photo of thing {start + i}" for i in range(count)]
    return body


@pytest.fixture(scope="module")
def answer(bind) -> dict:
    return bind.vectorize(request())


def test_every_modality_answers_one_vector_per_input(answer):
    assert list(answer) == ["textVectors", "imageVectors", "audioVectors", "videoVectors", "imuVectors",
                            "depthVectors", "thermalVectors"]
    for key, vectors in answer.items():
        assert np.asarray(vectors).shape == (2, tiny.DIM), key


def test_norms_are_the_postprocessors_scales(answer):
    for key, norm in EXACT_NORMS.items():
        np.testing.assert_allclose(np.linalg.norm(answer[key], axis=1), norm, rtol=1e-5, err_msg=key)
    for key, scale in AVERAGED.items():
        norms = np.linalg.norm(answer[key], axis=1)
        assert np.all(norms <= scale * (1 + 1e-5)) and np.all(norms > 0.5 * scale), key


def test_clips_are_averaged_after_normalisation_and_scaling(bind):
    model = bind._backend.model
    audio = MEDIA["audio"](b"clip-test")
    with torch.inference_mode():
        whole = model.encode("audio", audio[None])
        each = model.encode("audio", audio)  # the 3 clips as a batch of 3 (4-D: no averaging)
    np.testing.assert_allclose(np.linalg.norm(each, axis=1), 20.0, rtol=1e-5)
    torch.testing.assert_close(whole[0], each.mean(0), rtol=1e-5, atol=1e-6)


def test_deterministic(bind, answer):
    assert bind.vectorize(request()) == answer


def test_a_vector_does_not_depend_on_the_rest_of_the_batch(bind, answer):
    alone = bind.vectorize({key: values[1:] for key, values in request().items()})
    bigger = bind.vectorize(request(count=4, start=-2))  # items -2..1: the two of `answer` last
    for key in answer:
        np.testing.assert_allclose(alone[key][0], answer[key][1], rtol=1e-5, atol=1e-6, err_msg=key)
        np.testing.assert_allclose(bigger[key][2:], answer[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_text_padding_after_the_end_token_changes_nothing(bind):
    """The text batch is cut after its last end token; a text beside a longer one gives the same vector."""
    short = bind.vectorize({"texts": ["a dog"]})["textVectors"][0]
    mixed = bind.vectorize({"texts": ["a dog", " ".join(["word"] * 100)]})["textVectors"]
    np.testing.assert_allclose(mixed[0], short, rtol=1e-5, atol=1e-6)
    assert np.linalg.norm(mixed[1]) == pytest.approx(1 / 0.07, rel=1e-5)


def test_configuration_is_read_from_the_checkpoint_and_its_config_file(bind, tiny_models):
    state = torch.load(tiny_models.imagebind, weights_only=True)
    config = resolve(state, tiny_models.imagebind)
    assert config.sizes == tiny.IMAGEBIND_SIZES and config.out_dim == tiny.DIM
    assert bind._backend.model.config == config


def test_learned_text_scale_is_clipped_at_100(bind):
    scale = bind._backend.model.modality_postprocessors["text"][1]
    saved = scale.log_logit_scale.detach().clone()
    try:
        with torch.no_grad():
            scale.log_logit_scale.fill_(math.log(250.0))
            assert float(scale(torch.ones(1))) == pytest.approx(100.0)
    finally:
        with torch.no_grad():
            scale.log_logit_scale.copy_(saved)


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """A working directory and torch hub cache without the checkpoint, and a download that fails as offline."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    attempts = []

    def offline(url, dst, progress=True):
        attempts.append((url, dst))
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    return attempts


def test_missing_weights_offline_fail_naming_the_setting_and_the_licence(no_network, caplog, tmp_path):
    inference = LocalInference("multi2vec-bind", ModelOptions(models_path=tmp_path), MEDIA)
    with pytest.raises(ModelUnavailable) as caught:
        inference.vectorize({"texts": ["a dog"]})
    assert "set WEAVEBIND_BIND_CHECKPOINT" in caught.value.message and caught.value.status == 503
    assert no_network == [(OFFICIAL_URL, str(tmp_path / "hub" / "checkpoints" / "imagebind_huge.pth"))]
    assert "CC BY-NC-SA 4.0" in caplog.text
    missing = LocalInference("multi2vec-bind", ModelOptions(bind_checkpoint=str(tmp_path / "nope.pth")), MEDIA)
    with pytest.raises(ModelUnavailable, match="WEAVEBIND_BIND_CHECKPOINT=.*nope.pth: no such file"):
        missing.load()


def test_download_command_fetches_into_the_reference_place(no_network, monkeypatch, tmp_path, tiny_models):
    def fetch(url, dst, progress=True):  # the tiny checkpoint, with the config file its head counts need
        shutil.copy(tiny_models.imagebind, dst)
        shutil.copy(tiny_models.imagebind.with_suffix(".json"), Path(dst).with_suffix(".json"))

    monkeypatch.setattr(torch.hub, "download_url_to_file", fetch)
    assert inference_server.download("multi2vec-bind", ModelOptions()) == 0
    assert (tmp_path / ".checkpoints" / "imagebind_huge.pth").is_file()
    assert candidates()[0].resolve() == tmp_path / ".checkpoints" / "imagebind_huge.pth"
    loaded = LocalInference("multi2vec-bind", ModelOptions(), MEDIA)  # found where the reference looks
    assert len(loaded.vectorize({"texts": ["a dog"]})["textVectors"][0]) == tiny.DIM
    loaded.close()
