"""`LocalInference` speaks the container's JSON: the body checks of FastAPI/pydantic (422 with `detail`), unreadable
media as `InferenceRejected` naming the field and index, concurrent callers batched together with the vectors they
would get alone."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.vectorizers.models.conftest import options
from tests.vectorizers.models.fake_media import CORRUPT, payload
from weavebind.vectorizers.base import InferenceRejected
from weavebind.vectorizers.models.errors import BadInferenceRequest
from weavebind.vectorizers.models.local import LocalInference


@pytest.mark.parametrize("body, loc, kind", [
    ("texts", ["body"], "model_attributes_type"),
    ({"texts": "abc"}, ["body", "texts"], "list_type"),
    ({"images": [1]}, ["body", "images", 0], "string_type"),
])
def test_bodies_fastapi_refuses_are_422(hf_clip, body, loc, kind):
    with pytest.raises(BadInferenceRequest) as caught:
        hf_clip.vectorize(body)
    assert caught.value.status == 422
    assert caught.value.detail[0]["loc"] == loc and caught.value.detail[0]["type"] == kind


def test_unknown_fields_are_ignored_and_bind_keys_are_not_clip_keys(hf_clip):
    assert hf_clip.vectorize({"audio": ["x"], "other": 1}) == {"textVectors": [], "imageVectors": []}


@pytest.mark.parametrize("item", [CORRUPT, "!!!", ""])
def test_unreadable_media_is_rejected_with_its_index(bind, item):
    with pytest.raises(InferenceRejected) as caught:
        bind.vectorize({"texts": ["a dog"], "depth": [payload("depth", 0), item, CORRUPT]})
    assert caught.value.status == 422
    assert caught.value.message.startswith("multi2vec-bind: depth[1]: ")


def test_concurrent_callers_get_what_they_would_get_alone(bind):
    bodies = [{"texts": [f"text {i}"], "images": [payload("images", i)], "imu": [payload("imu", i)]}
              for i in range(12)]
    alone = [bind.vectorize(body) for body in bodies]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(bind.vectorize, bodies))
    for one, other in zip(alone, together, strict=True):
        for key in one:
            np.testing.assert_allclose(one[key], other[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.fixture(scope="module")
def bind_with_real_media(tiny_models):
    pytest.importorskip("weavebind.vectorizers.media")
    inference = LocalInference("multi2vec-bind", options(tiny_models))  # the media package's preprocessing
    yield inference
    inference.close()


@pytest.mark.parametrize("key, item, says", [
    ("images", base64.b64encode(b"\x89PNG\r\n\x1a\n broken").decode(), "images[0]: image: "),
    ("audio", "data:audio/wav;base64,AAAA", "audio[0]: audio: "),
    ("imu", base64.b64encode(b"a,b\n1,2\n").decode(), "imu[0]: imu: "),
])
def test_real_media_errors_are_rejections_naming_the_item(bind_with_real_media, key, item, says):
    with pytest.raises(InferenceRejected) as caught:
        bind_with_real_media.vectorize({key: [item]})
    assert caught.value.status == 422 and says in caught.value.message
