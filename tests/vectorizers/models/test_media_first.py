"""Media are decoded and bounded before the model is needed: without weights, a corrupt image or a decompression
bomb is the client's 422 (its own fault), not the 503 of a model that cannot load; good media still get the 503.
The same through `weavebind inference`, which answers bad input with the containers' 500 `{"error"}`."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from tests.vectorizers.media import bombs
from tests.vectorizers.media.synth import png_bytes
from weavebind.server.settings import load_settings
from weavebind.vectorizers.base import InferenceRejected
from weavebind.vectorizers.inference_server import create_app
from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.local import LocalInference, create
from weavebind.vectorizers.models.options import ModelOptions


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


GOOD = b64(png_bytes(bombs.Image.new("RGB", (32, 24), (200, 30, 30))))
CORRUPT = b64(png_bytes(bombs.Image.new("RGB", (64, 64), (1, 2, 3)))[:60])  # a PNG cut after its header
THIN = b64(bombs.thin_png(20_000_000, 1))


@pytest.fixture(scope="module")
def missing(tmp_path_factory):
    return tmp_path_factory.mktemp("no-weights")


@pytest.fixture(scope="module", params=["multi2vec-clip", "multi2vec-bind"])
def unloadable(request, missing) -> LocalInference:
    """The module's in-process model with its real media decoders and no weights anywhere."""
    options = ModelOptions(models_path=missing / "models", clip_model_name=str(missing / "clip"),
                           bind_checkpoint=str(missing / "imagebind_huge.pth"))
    inference = LocalInference(request.param, options)
    yield inference
    inference.close()


@pytest.mark.parametrize("item, says", [
    (CORRUPT, "images[1]: image: the image is corrupt or truncated"),
    (THIN, "images[1]: image: the image is 20,000,000 x 1 pixels: its longer side is 20,000,000, over the limit of "
           "16,384 pixels per side (WEAVEBIND_MEDIA_MAX_SIDE)"),
], ids=["corrupt", "20M x 1"])
def test_bad_media_is_refused_before_the_missing_model_is_noticed(unloadable, item, says):
    with pytest.raises(InferenceRejected) as caught:
        unloadable.vectorize({"texts": ["a dog"], "images": [GOOD, item]})
    assert caught.value.status == 422 and caught.value.message.startswith(f"{unloadable.module}: {says}")
    assert caught.value.item == ("image", 1)


def test_good_media_still_meet_the_missing_model(unloadable):
    with pytest.raises(ModelUnavailable) as caught:
        unloadable.vectorize({"texts": ["a dog"], "images": [GOOD]})
    assert caught.value.status == 503 and str(caught.value.message).startswith(("CLIP_MODEL_NAME=",
                                                                                 "WEAVEBIND_BIND_CHECKPOINT="))
    assert not unloadable.loaded


def test_every_bind_modality_is_validated_first(missing):
    settings = load_settings({"WEAVEBIND_BIND_CHECKPOINT": str(missing / "none.pth"),
                              "WEAVEBIND_MEDIA_MAX_SECONDS": "100"})
    inference = create("multi2vec-bind", settings)  # the limits come from the settings table
    said = {}
    for key, item in {"audio": b64(bombs.wav(2, 16_000)), "video": b64(bombs.video_spanning(3600)),
                      "depth": THIN, "thermal": THIN, "imu": b64(b"a,b\n1,2\n")}.items():
        with pytest.raises(InferenceRejected) as caught:
            inference.vectorize({key: [item]})
        assert caught.value.status == 422 and caught.value.message.startswith(f"multi2vec-bind: {key}[0]: ")
        said[key] = caught.value.message
    inference.close()
    assert said["audio"].endswith("is 8,000, over the limit of 100 seconds (WEAVEBIND_MEDIA_MAX_SECONDS)")
    assert said["video"].endswith("is 3,601, over the limit of 100 seconds (WEAVEBIND_MEDIA_MAX_SECONDS)")
    assert "(WEAVEBIND_MEDIA_MAX_SIDE)" in said["depth"] and "(WEAVEBIND_MEDIA_MAX_SIDE)" in said["thermal"]
    assert "the CSV has 2 columns" in said["imu"]


def test_weavebind_inference_answers_bad_media_as_the_containers_do_with_or_without_weights(missing, tiny_models):
    for checkpoint in (missing / "none.pth", tiny_models.imagebind):
        settings = load_settings({"WEAVEBIND_BIND_CHECKPOINT": str(checkpoint), "WEAVEBIND_MEDIA_MAX_SIDE": "1000"})
        with TestClient(create_app(create("multi2vec-bind", settings), preload=False)) as client:
            answer = client.post("/vectorize", json={"images": [b64(bombs.thin_png(1001, 1))]})
            assert answer.status_code == 500, answer.text  # the containers' status for input they cannot use
            assert answer.json()["error"] == (
                "multi2vec-bind: images[0]: image: the image is 1,001 x 1 pixels: its longer side is 1,001, over the "
                "limit of 1,000 pixels per side (WEAVEBIND_MEDIA_MAX_SIDE)")
            thin = client.post("/vectorize", json={"images": [THIN]})  # was OverflowError's text
            assert thin.status_code == 500 and "WEAVEBIND_MEDIA_MAX_SIDE" in thin.json()["error"]
