"""Module scenarios for weaviate-client 4.x: multi2vec-clip and multi2vec-bind collections, vectorized by the fake
inference containers of tests/compat (their vectors are in modules.json, see concepts.py), queried over gRPC.

Usage: python v4_modules.py <scenario>, as v4_scenarios.py (whose `connect` it uses).
"""

from __future__ import annotations

import sys

from concepts import close, cosine_distance, media, moved, vector
from v4_scenarios import connect
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import MetadataQuery, Move, NearMediaType

DISTANCE = MetadataQuery(distance=True)
CLIP_PROPS = [Property(name="title", data_type=DataType.TEXT), Property(name="n", data_type=DataType.INT),
              Property(name="image", data_type=DataType.BLOB)]
BIND_MEDIA = [("image", "cat"), ("audio", "dog"), ("video", "car"), ("imu", "boat"), ("thermal", "tree"),
              ("depth", "bird")]  # bind object n has one medium only: BIND_MEDIA[n]
BIND_PROPS = [Property(name="title", data_type=DataType.TEXT), Property(name="n", data_type=DataType.INT),
              *[Property(name=m, data_type=DataType.BLOB) for m, _ in BIND_MEDIA]]


def clip_objects() -> list[dict]:
    """n 0 and 1 are cats (text and image, text only), 2 a dog (image only), 3 a car."""
    return [{"title": "cat", "n": 0, "image": media("image", "cat")}, {"title": "cat", "n": 1},
            {"n": 2, "image": media("image", "dog")}, {"title": "car", "n": 3, "image": media("image", "car")}]


def top(result) -> tuple[int, float]:
    first = result.objects[0]
    return first.properties["n"], first.metadata.distance


def import_clip(col) -> dict[int, str]:
    """One insert (REST), one insert_many and one fixed-size batch (gRPC BatchObjects); n → uuid."""
    first, second, *rest = clip_objects()
    col.data.insert(first)
    assert not col.data.insert_many([DataObject(properties=second)]).errors
    with col.batch.fixed_size(batch_size=10) as batch:
        for properties in rest:
            batch.add_object(properties=properties)
    assert not col.batch.failed_objects, col.batch.failed_objects
    return {o.properties["n"]: o.uuid for o in col.query.fetch_objects().objects}


def check_moves(col, ids: dict[int, str]) -> None:
    cats = col.query.near_text("cat", limit=2, return_metadata=DISTANCE)
    assert {o.properties["n"] for o in cats.objects} == {0, 1}, cats.objects
    assert all(o.metadata.distance < 1e-6 for o in cats.objects), cats.objects
    plain = col.query.near_text("pet", limit=3, return_metadata=DISTANCE)  # cats and the dog tie
    assert close(plain.objects[2].metadata.distance, cosine_distance(vector("pet"), vector("dog"))), plain.objects
    toward = col.query.near_text("pet", move_to=Move(force=1.0, concepts="cat"), limit=1, return_metadata=DISTANCE)
    n, distance = top(toward)
    assert n in (0, 1) and close(distance, cosine_distance(moved("pet", to="cat"), vector("cat"))), toward
    away = col.query.near_text("pet", move_away=Move(force=1.0, concepts=["cat"]), limit=1, return_metadata=DISTANCE)
    n, distance = top(away)
    assert n == 2 and close(distance, cosine_distance(moved("pet", away="cat"), vector("dog"))), away
    both = col.query.near_text("pet", move_to=Move(force=1.0, objects=ids[2]),
                               move_away=Move(force=1.0, concepts="cat"), limit=1, return_metadata=DISTANCE)
    n, distance = top(both)
    assert n == 2 and close(distance, cosine_distance(moved("pet", "dog", "cat"), vector("dog"))), both


def clip(client) -> None:
    """Legacy vectorizer config (`Configure.Vectorizer`): import, fetch with vector, nearText with moves,
    nearImage, Aggregate with near arguments."""
    client.collections.delete("V4Clip")
    col = client.collections.create("V4Clip", properties=CLIP_PROPS, vectorizer_config=Configure.Vectorizer
                                    .multi2vec_clip(image_fields=["image"], text_fields=["title"]))
    ids = import_clip(col)
    assert sorted(ids) == [0, 1, 2, 3], ids
    dog = col.query.fetch_object_by_id(ids[2], include_vector=True)
    assert dog.vector["default"] == vector("dog"), dog.vector  # the image alone was vectorized
    check_moves(col, ids)
    image = col.query.near_image(media("image", "dog"), limit=1, return_metadata=DISTANCE)
    assert top(image)[0] == 2 and top(image)[1] < 1e-6, image
    # Not `aggregate.near_image`: 4.24.1 crashes in the client before sending it (TypeError: __create_request()
    # got an unexpected keyword argument 'near_image') whenever the server is >= 1.29 (Aggregate over gRPC).
    cats = col.aggregate.near_text("cat", distance=0.01, total_count=True)
    assert cats.total_count == 2, cats
    dogs = col.aggregate.near_object(ids[2], distance=0.01, total_count=True)
    assert dogs.total_count == 1, dogs


def check_bind_queries(col) -> None:
    for n, (modality, concept) in enumerate(BIND_MEDIA):
        found = col.query.near_media(media(modality, concept), NearMediaType(modality), target_vector="bind",
                                     limit=1, return_metadata=DISTANCE)
        assert top(found)[0] == n and top(found)[1] < 1e-6, (modality, found.objects)
    across = col.query.near_media(media("audio", "cat"), NearMediaType.AUDIO, target_vector="bind", limit=1)
    assert across.objects[0].properties["n"] == 0, across.objects  # a cat's sound finds the cat's image
    words = col.query.near_text("boat", target_vector="bind", limit=1, return_metadata=DISTANCE)
    assert top(words)[0] == 3 and top(words)[1] < 1e-6, words
    only = col.query.near_image(media("image", "cat"), target_vector="clip", limit=5, return_metadata=DISTANCE)
    assert [o.properties["n"] for o in only.objects] == [0], only.objects  # the others have no `clip` vector
    count = col.aggregate.near_text("cat", target_vector="bind", distance=0.01, total_count=True)
    assert count.total_count == 1, count


def bind(client) -> None:
    """Named vectors (`Configure.Vectors`): a multi2vec-bind vector over all seven modalities (the client sends
    `IMUFields`) beside a multi2vec-clip one; near_media for every medium."""
    client.collections.delete("V4Bind")
    fields = {f"{m}_fields": [m] for m, _ in BIND_MEDIA}
    col = client.collections.create("V4Bind", properties=BIND_PROPS, vector_config=[
        Configure.Vectors.multi2vec_bind(name="bind", text_fields=["title"], **fields),
        Configure.Vectors.multi2vec_clip(name="clip", image_fields=["image"])])
    config = col.config.get().vector_config
    assert config["bind"].vectorizer.model.get("IMUFields") == ["imu"], config["bind"].vectorizer
    result = col.data.insert_many([DataObject(properties={"n": n, m: media(m, c)})
                                   for n, (m, c) in enumerate(BIND_MEDIA)])
    assert not result.errors, result.errors
    ids = {o.properties["n"]: o.uuid for o in col.query.fetch_objects().objects}
    imu = col.query.fetch_object_by_id(ids[3], include_vector=True)
    assert imu.vector == {"bind": vector("boat")}, imu.vector
    check_bind_queries(col)


def named_clip(client) -> None:
    """`Configure.NamedVectors` (older named-vector API); a query without a target uses the single named vector."""
    client.collections.delete("V4ClipNamed")
    col = client.collections.create("V4ClipNamed", properties=CLIP_PROPS, vectorizer_config=[
        Configure.NamedVectors.multi2vec_clip(name="pic", image_fields=["image"], text_fields=["title"])])
    result = col.data.insert_many([DataObject(properties=p) for p in clip_objects()])
    assert not result.errors, result.errors
    cars = col.query.near_text("car", limit=1, return_metadata=DISTANCE, include_vector=True)
    assert top(cars)[0] == 3 and cars.objects[0].vector == {"pic": vector("car")}, cars.objects
    dog = col.query.near_image(media("image", "dog"), limit=1, return_metadata=DISTANCE)
    assert top(dog)[0] == 2 and top(dog)[1] < 1e-6, dog.objects


def legacy_bind(client) -> None:
    """`Configure.Vectorizer.multi2vec_bind` (a legacy vector; the client sends `IMUFields`), batch import over
    gRPC, and near_media for every medium without a target vector."""
    client.collections.delete("V4BindLegacy")
    col = client.collections.create("V4BindLegacy", properties=BIND_PROPS, vectorizer_config=Configure.Vectorizer
                                    .multi2vec_bind(**{f"{m}_fields": [m] for m, _ in BIND_MEDIA}))
    with col.batch.dynamic() as batch:
        for n, (modality, concept) in enumerate(BIND_MEDIA):
            batch.add_object(properties={"n": n, modality: media(modality, concept)})
    assert not col.batch.failed_objects, col.batch.failed_objects
    for n, (modality, concept) in enumerate(BIND_MEDIA):
        found = col.query.near_media(media(modality, concept), NearMediaType(modality), limit=1,
                                     return_metadata=DISTANCE, include_vector=True)
        assert top(found)[0] == n and top(found)[1] < 1e-6, (modality, found.objects)
        assert found.objects[0].vector["default"] == vector(concept), found.objects[0].vector


if __name__ == "__main__":
    scenario = sys.argv[1]
    with connect() as connected:
        globals()[scenario](connected)
    print(f"v4 {scenario}: ok")
