"""Gathering an object's inputs, packing objects into requests and isolating the ones the service refuses."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes import b64
from weavebind.vectorizers.base import InferenceRejected, VectorizerError
from weavebind.vectorizers.gather import ObjectInputs, chunks, gather, vectorize_all
from weavebind.vectorizers.payloads import BadMedia
from weavebind.vectorizers.settings import ClassSettings

BAD = b64(b"unreadable")


class ListClient:
    """An in-memory InferenceClient: text "t" → [len(t), 1], media → [0, len(payload)]; refuses BAD."""

    def __init__(self):
        self.calls: list[dict] = []

    def vectorize(self, inputs, url=None):
        self.calls.append({k: list(v) for k, v in inputs.items()})
        if any(BAD in items for items in inputs.values()):
            raise InferenceRejected("multi2vec-bind: POST x/vectorize: fail with status 500: cannot identify image")
        return {m: np.array([[len(p), 1.0] if m == "text" else [0.0, len(p)] for p in items], dtype=np.float32)
                for m, items in inputs.items()}


def serial(func, parts):
    return [func(part) for part in parts]


SETTINGS = ClassSettings(fields={"text": ("title", "tags"), "image": ("image",)}, weights=None, inference_url=None)


def test_gather_takes_configured_fields_and_skips_empty_ones():
    inputs = gather(SETTINGS, {"title": "abc", "tags": ["x", "", "yz"], "image": b64(b"img"), "other": "no"}, 7)
    assert inputs.position == 7
    assert inputs.fields == {("text", "title"): ["abc"], ("text", "tags"): ["x", "yz"],
                             ("image", "image"): [b64(b"img")]}
    assert gather(SETTINGS, {"title": "", "tags": [], "other": 3}, 0).fields == {}


@pytest.mark.parametrize("value,text", [
    ("", "property 'image': the image is empty"),
    ("not base64!", "property 'image': the image is not valid base64"),
    ("data:image/png;base64,aW1n", "remove the data: URI prefix"),
    (["aW1n"], "property 'image': expected a base64 encoded image, got list"),
])
def test_bad_media_is_a_422_naming_the_property(value, text):
    with pytest.raises(BadMedia) as caught:
        gather(SETTINGS, {"image": value}, 0)
    assert text in caught.value.message and caught.value.status == 422


def test_chunks_respect_the_input_limit_and_never_split_an_object():
    objects = [ObjectInputs(i, {("text", "t"): ["x"] * size}) for i, size in enumerate([3, 3, 5, 1, 1])]
    assert [[o.position for o in c] for c in chunks(objects, 6)] == [[0, 1], [2, 3], [4]]
    assert [[o.position for o in c] for c in chunks(objects, 2)] == [[0], [1], [2], [3, 4]]


def test_text_array_is_one_field_vector_and_identical_inputs_are_sent_once():
    client = ListClient()
    [vector] = vectorize_all(client, SETTINGS, [{"title": "abcd", "tags": ["ab", "abcd"]}], 64, serial)
    assert client.calls == [{"text": ["abcd", "ab"]}]
    np.testing.assert_allclose(vector, [3.5, 1])  # mean of title [4, 1] and tags mean([2, 1], [4, 1])


def test_a_refused_object_fails_alone_and_the_others_are_vectorized():
    client = ListClient()
    props = [{"title": f"t{i}", "image": b64(b"img%d" % i)} for i in range(7)] + [{"title": "plain"}]
    props[3]["image"] = BAD
    results = vectorize_all(client, SETTINGS, props, 64, serial)
    assert isinstance(results[3], InferenceRejected) and results[3].status == 422
    assert all(isinstance(r, np.ndarray) for i, r in enumerate(results) if i != 3)
    assert len(client.calls) <= 1 + 1 + 2 * 3  # the batch, the object without media, halving 7 media objects


def test_a_refused_text_only_request_fails_its_chunk_with_the_service_status():
    class Refusing(ListClient):
        def vectorize(self, inputs, url=None):
            self.calls.append(inputs)
            raise InferenceRejected("multi2vec-clip: ...: fail with status 500: CUDA out of memory")

    client = Refusing()
    results = vectorize_all(client, SETTINGS, [{"title": "a"}, {"title": "b"}], 64, serial)
    assert [r.status for r in results] == [502, 502] and len(client.calls) == 1


def test_an_unreachable_service_fails_every_object_with_one_request():
    class Down(ListClient):
        def vectorize(self, inputs, url=None):
            self.calls.append(inputs)
            raise VectorizerError("multi2vec-clip: POST x: send POST request: cannot connect", 503)

    client = Down()
    results = vectorize_all(client, SETTINGS, [{"title": "a", "image": b64(b"i")}, {"title": "b"}], 64, serial)
    assert [r.status for r in results] == [503, 503] and len(client.calls) == 1


def test_objects_without_inputs_get_no_vector_and_no_request():
    client = ListClient()
    assert vectorize_all(client, SETTINGS, [{"other": "x"}, {}], 64, serial) == [None, None]
    assert client.calls == []
