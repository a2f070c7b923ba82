"""Module scenarios for weaviate-client 3.26.7 (REST and GraphQL): multi2vec-clip and multi2vec-bind classes,
vectorized by the fake inference containers of tests/compat (their vectors are in modules.json, see concepts.py).

Usage: python v3_modules.py <scenario>, as v3_scenarios.py (whose `connect` it uses).
"""

from __future__ import annotations

import json
import sys

from concepts import close, cosine_distance, media, moved, vector
from v3_scenarios import connect

CLIP_PROPS = [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]},
              {"name": "image", "dataType": ["blob"]}]
CLIP_CONFIG = {"multi2vec-clip": {"textFields": ["title"], "imageFields": ["image"]}}
BIND_MEDIA = [("image", "cat"), ("audio", "dog"), ("video", "car"), ("imu", "boat"), ("thermal", "tree"),
              ("depth", "bird")]  # bind object n has one medium only: BIND_MEDIA[n]
# As Weaviate's docs and clients spell it: `IMUFields` (Weaviate's own server reads only `imuFields`).
BIND_CONFIG = {"multi2vec-bind": {"textFields": ["title"], "IMUFields": ["imu"],
                                  **{f"{m}Fields": [m] for m, _ in BIND_MEDIA if m != "imu"}}}
BIND_PROPS = [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]},
              *[{"name": m, "dataType": ["blob"]} for m, _ in BIND_MEDIA]]


def clip_objects() -> list[dict]:
    """n 0 and 1 are cats (text and image, text only), 2 a dog (image only), 3 a car."""
    return [{"title": "cat", "n": 0, "image": media("image", "cat")}, {"title": "cat", "n": 1},
            {"n": 2, "image": media("image", "dog")}, {"title": "car", "n": 3, "image": media("image", "car")}]


def rows(result: dict, name: str) -> list[dict]:
    assert not result.get("errors"), result["errors"]
    return result["data"]["Get"][name]


def get(client, name: str, near: str, content: dict, limit: int = 1) -> list[dict]:
    """Get {name}(near...) { n _additional { id distance } } through the builder's `with_<near>`."""
    builder = client.query.get(name, ["n"]).with_additional(["id", "distance"]).with_limit(limit)
    if near not in ("text", "object"):
        return rows(getattr(builder, f"with_near_{near}")(content, encode=False).do(), name)
    return rows(getattr(builder, f"with_near_{near}")(content).do(), name)


def batch_import(client, name: str, objects: list[dict]) -> dict[int, str]:
    """Objects through v3's batch (POST /v1/batch/objects); n → uuid. Fails on any object's error."""
    failures, ids = [], {}
    client.batch.configure(batch_size=10, callback=lambda results: failures.extend(
        r["result"]["errors"] for r in results if r["result"].get("errors")))
    with client.batch as batch:
        for properties in objects:
            ids[properties["n"]] = batch.add_data_object(properties, name)
    assert not failures, failures
    return ids


def import_clip(client) -> dict[int, str]:
    """One object through POST /v1/objects, the rest through the batch; n → uuid."""
    first, *rest = clip_objects()
    return {0: client.data_object.create(first, "V3Clip"), **batch_import(client, "V3Clip", rest)}


def check_moves(client, ids: dict[int, str]) -> None:
    cats = get(client, "V3Clip", "text", {"concepts": ["cat"]}, limit=2)
    assert {r["n"] for r in cats} == {0, 1} and all(r["_additional"]["distance"] < 1e-6 for r in cats), cats
    toward = get(client, "V3Clip", "text", {"concepts": ["pet"], "moveTo": {"concepts": ["cat"], "force": 1.0}})
    expected = cosine_distance(moved("pet", to="cat"), vector("cat"))
    assert toward[0]["n"] in (0, 1) and close(toward[0]["_additional"]["distance"], expected), toward
    away = get(client, "V3Clip", "text", {"concepts": ["pet"], "moveAwayFrom": {"concepts": ["cat"], "force": 1.0}})
    expected = cosine_distance(moved("pet", away="cat"), vector("dog"))
    assert away[0]["n"] == 2 and close(away[0]["_additional"]["distance"], expected), away
    both = get(client, "V3Clip", "text", {"concepts": ["pet"], "moveTo": {"objects": [{"id": ids[2]}], "force": 1.0},
                                          "moveAwayFrom": {"concepts": ["cat"], "force": 1.0}})
    expected = cosine_distance(moved("pet", "dog", "cat"), vector("dog"))
    assert both[0]["n"] == 2 and close(both[0]["_additional"]["distance"], expected), both


def explore(client, argument: str) -> list[dict]:
    """Explore (v3 has no builder for it: `query.raw`, as v3 users write it) → hits, nearest first."""
    result = client.query.raw(f"{{ Explore({argument}, limit: 100) {{ beacon className distance }} }}")
    assert not result.get("errors"), result["errors"]
    return result["data"]["Explore"]


def clip(client) -> None:
    """A legacy multi2vec-clip class: import, fetch with vector, nearText with moves, nearImage, Aggregate with
    near arguments, Explore."""
    client.schema.delete_class("V3Clip")
    client.schema.create_class({"class": "V3Clip", "properties": CLIP_PROPS, "vectorizer": "multi2vec-clip",
                                "moduleConfig": CLIP_CONFIG})
    ids = import_clip(client)
    dog = client.data_object.get_by_id(ids[2], class_name="V3Clip", with_vector=True)
    assert dog["vector"] == vector("dog"), dog  # the image alone was vectorized
    check_moves(client, ids)
    image = get(client, "V3Clip", "image", {"image": media("image", "dog")})
    assert image[0]["n"] == 2 and image[0]["_additional"]["distance"] < 1e-6, image
    count = client.query.aggregate("V3Clip").with_near_image({"image": media("image", "cat"), "distance": 0.01},
                                                            encode=False).with_meta_count().do()
    assert count["data"]["Aggregate"]["V3Clip"][0]["meta"]["count"] == 2, count
    limited = client.query.aggregate("V3Clip").with_near_text({"concepts": ["car"]}).with_object_limit(3) \
        .with_meta_count().do()
    assert limited["data"]["Aggregate"]["V3Clip"][0]["meta"]["count"] == 3, limited
    hits = [h for h in explore(client, 'nearText: {concepts: ["car"]}') if h["className"] == "V3Clip"]
    assert hits[0]["beacon"].endswith(f"/V3Clip/{ids[3]}") and hits[0]["distance"] < 1e-6, hits
    pictures = explore(client, f'nearImage: {{image: "{media("image", "dog")}"}}')
    assert any(h["beacon"].endswith(ids[2]) and h["distance"] < 1e-6 for h in pictures), pictures


def bind(client) -> None:
    """A class with one named multi2vec-bind vector (v3 sends no targetVectors: the single named vector is used);
    nearImage/nearAudio/nearVideo/nearIMU/nearThermal/nearDepth, Aggregate and Explore with a medium."""
    client.schema.delete_class("V3Bind")
    response = client._connection.post(path="/schema", weaviate_object={  # v3's create_class drops vectorConfig
        "class": "V3Bind", "properties": BIND_PROPS,
        "vectorConfig": {"multi": {"vectorizer": BIND_CONFIG, "vectorIndexType": "hnsw"}}})
    assert response.status_code == 200, response.text
    stored = client.schema.get("V3Bind")["vectorConfig"]["multi"]["vectorizer"]["multi2vec-bind"]
    assert stored.get("IMUFields") == ["imu"], json.dumps(stored)
    ids = batch_import(client, "V3Bind", [{"n": n, m: media(m, c)} for n, (m, c) in enumerate(BIND_MEDIA)])
    imu = client.data_object.get_by_id(ids[3], class_name="V3Bind", with_vector=True)
    assert imu["vectors"] == {"multi": vector("boat")}, imu
    for n, (modality, concept) in enumerate(BIND_MEDIA):
        found = get(client, "V3Bind", modality, {modality: media(modality, concept)})
        assert found[0]["n"] == n and found[0]["_additional"]["distance"] < 1e-6, (modality, found)
    across = get(client, "V3Bind", "audio", {"audio": media("audio", "cat")})
    assert across[0]["n"] == 0, across  # a cat's sound finds the cat's image
    count = client.query.aggregate("V3Bind").with_near_thermal(
        {"thermal": media("thermal", "tree"), "distance": 0.01}, encode=False).with_meta_count().do()
    assert count["data"]["Aggregate"]["V3Bind"][0]["meta"]["count"] == 1, count
    hits = [h for h in explore(client, f'nearAudio: {{audio: "{media("audio", "dog")}"}}')
            if h["className"] == "V3Bind"]
    assert hits[0]["beacon"].endswith(f"/V3Bind/{ids[1]}") and hits[0]["distance"] < 1e-6, hits


def explore_objects(client) -> None:
    """Explore with nearObject and with moveTo objects, for an object of a legacy class while the first class
    searched has a named vector (run on a server of its own, where these are the only classes)."""
    client.schema.delete_class("V3ExploreNamed")
    client.schema.delete_class("V3ExploreLegacy")
    response = client._connection.post(path="/schema", weaviate_object={
        "class": "V3ExploreNamed", "properties": CLIP_PROPS,
        "vectorConfig": {"multi": {"vectorizer": {"multi2vec-bind": {"textFields": ["title"]}},
                                   "vectorIndexType": "hnsw"}}})
    assert response.status_code == 200, response.text
    client.schema.create_class({"class": "V3ExploreLegacy", "properties": CLIP_PROPS, "vectorizer": "multi2vec-clip",
                                "moduleConfig": CLIP_CONFIG})
    batch_import(client, "V3ExploreNamed", [{"title": "cat", "n": 0}])
    dog = batch_import(client, "V3ExploreLegacy", [{"title": "dog", "n": 1}])[1]
    beacon = f"weaviate://localhost/V3ExploreLegacy/{dog}"
    hits = explore(client, f'nearObject: {{beacon: "{beacon}"}}')
    assert hits[0]["beacon"] == beacon and hits[0]["distance"] < 1e-6, hits
    moved_hits = explore(client, f'nearText: {{concepts: ["pet"], moveTo: {{objects: [{{beacon: "{beacon}"}}], '
                                 'force: 1}}')
    assert moved_hits[0]["beacon"] == beacon, moved_hits


if __name__ == "__main__":
    scenario = sys.argv[1]
    globals()[scenario](connect())
    print(f"v3 {scenario}: ok")
