"""Media over the limits, end to end through the in-process model, with the tiny weights loaded and with no
weights at all: a 422 naming the property and the limit over REST (per object in a batch), a GraphQL error naming
the near<Media> argument, INVALID_ARGUMENT over gRPC. Nothing is stored; the good objects of a batch are."""

from __future__ import annotations

import base64

import grpc
import pytest

from tests.rest import expect, message, stored_count
from tests.server.grpc.conftest import Rpc
from tests.vectorizers.media import bombs
from tests.vectorizers.media.synth import png_bytes
from weavebind.server.grpc.proto import base_search_pb2, search_get_pb2

CLASS = {"class": "Doc", "vectorizer": "multi2vec-bind",
         "properties": [{"name": "title", "dataType": ["text"]}, {"name": "photo", "dataType": ["blob"]}],
         "moduleConfig": {"multi2vec-bind": {"textFields": ["title"], "imageFields": ["photo"]}}}
THIN_SAYS = ("multi2vec-bind: images[0]: image: the image is 20,000,000 x 1 pixels: its longer side is 20,000,000, "
             "over the limit of 16,384 pixels per side (WEAVEBIND_MEDIA_MAX_SIDE)")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


GOOD = b64(png_bytes(bombs.Image.new("RGB", (40, 30), (10, 200, 90))))
THIN = b64(bombs.thin_png(20_000_000, 1))


@pytest.fixture(scope="module")
def bomb() -> str:
    return b64(bombs.png_bomb(50_000, 50_000))


@pytest.fixture(params=["weights", "no weights"])
def served(request, make_local_client, tiny_models, tmp_path):
    checkpoint = tiny_models.imagebind if request.param == "weights" else tmp_path / "imagebind_huge.pth"
    client = make_local_client(ENABLE_MODULES="multi2vec-bind", WEAVEBIND_BIND_CHECKPOINT=str(checkpoint))
    expect(client.post("/v1/schema", json=CLASS))
    client.has_weights = request.param == "weights"
    return client


def test_rest_objects_over_the_limits_are_422_naming_the_property_and_the_limit(served, bomb):
    # before the limits: a 500 (OverflowError) with the weights, the model's 503 without
    for photo, says in [(THIN, THIN_SAYS), (bomb, "50,000 x 50,000 pixels")]:
        response = served.post("/v1/objects", json={"class": "Doc", "properties": {"title": "x", "photo": photo}})
        assert response.status_code == 422, response.text
        assert message(response).startswith("property 'photo': multi2vec-bind: images[0]: ")
        assert says in message(response) and "(WEAVEBIND_MEDIA_MAX_SIDE)" in message(response)
    assert stored_count(served, "Doc") == 0


def test_a_batch_fails_the_objects_over_the_limits_alone(served, bomb):
    photos = [GOOD, THIN, bomb, GOOD[:-40], b64(png_bytes(bombs.Image.new("L", (30, 30), 7)))]
    objects = [{"class": "Doc", "properties": {"title": f"t{i}", "photo": photo}} for i, photo in enumerate(photos)]
    results = expect(served.post("/v1/batch/objects", json={"objects": objects}))
    errors = [(r["result"].get("errors") or {"error": [{"message": ""}]})["error"][0]["message"] for r in results]
    assert errors[1] == f"property 'photo': {THIN_SAYS}"
    assert "50,000 x 50,000 pixels" in errors[2] and "(WEAVEBIND_MEDIA_MAX_SIDE)" in errors[2]
    assert errors[3].startswith("property 'photo': multi2vec-bind: images[0]: image: the image is corrupt")
    if served.has_weights:
        assert errors[0] == errors[4] == "" and stored_count(served, "Doc") == 2
    else:  # the good objects meet the missing model, the bad ones were refused before it
        assert errors[0].startswith("WEAVEBIND_BIND_CHECKPOINT=") and errors[4] == errors[0]
        assert stored_count(served, "Doc") == 0


def test_graphql_near_image_over_the_limits_is_an_error_naming_the_argument(served):
    query = "{ Get { Doc(nearImage: {image: \"" + THIN + "\"}) { title } } }"
    answer = expect(served.post("/v1/graphql", json={"query": query}))
    assert answer["errors"][0]["message"].endswith(f"vectorize image: nearImage.image: {THIN_SAYS}")  # Weaviate's path


def test_grpc_near_image_over_the_limits_is_invalid_argument(served):
    rpc = Rpc(served)
    try:
        request = search_get_pb2.SearchRequest(collection="Doc", near_image=base_search_pb2.NearImageSearch(image=THIN),
                                               uses_127_api=True)
        error = rpc.error("Search", request)
    finally:
        rpc.channel.close()
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"nearImage.image: {THIN_SAYS}" in error.details()
