"""Get with nearVector / nearObject: the limits matrix of graphql_resolvers' unlimited-vector-search test, custom
vector ordering, the nearObject shadow test, filtered search, pagination, autocut and `_additional` (spec 4.6)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.graphql.conftest import add_class, add_objects, data, get
from weavebind.search.autocut import autocut

ANCHOR = "11111111-1111-4111-8111-111111111111"
CVC = ["1ffeb3e1-1258-4c2a-afc3-55543f6c44b8", "df22e5c4-5d17-49f9-a71d-f392a82bc086",
       "c28a039a-d509-4c2e-940a-8b109e5bebf4"]
SHADOW = "aa44bbee-ca5f-4db7-a412-5fc6a2300001"
SHARED = "aa44bbee-ca5f-4db7-a412-5fc6a2300011"


def _notes() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    anchor = rng.normal(size=16).astype(np.float32)
    scales = np.linspace(0.0, 0.6, 150)[:, None]
    return anchor, (anchor + rng.normal(size=(150, 16)) * scales * np.linalg.norm(anchor) / 4).astype(np.float32)


@pytest.fixture(scope="module")
def server(module_server):
    client = module_server()
    anchor, vectors = _notes()
    add_class(client, "RansomNote", {"contents": "text", "num": "int"})
    add_objects(client, "RansomNote", [{"id": ANCHOR, "contents": "anchor", "num": -1, "vector": anchor.tolist()}]
                + [{"contents": f"note {i}", "num": i, "vector": v.tolist()} for i, v in enumerate(vectors)])
    return client


@pytest.fixture(scope="module")
def custom(module_server):
    """Explore searches every class, so these classes (3-d and 4-d vectors) get servers of their own."""
    client = module_server()
    add_class(client, "CustomVectorClass", {"name": "text"})
    add_objects(client, "CustomVectorClass", [{"id": CVC[0], "name": "cvc1", "vector": [1.1, 1.1, 1.1]},
                                              {"id": CVC[1], "name": "cvc2", "vector": [1.1, 1.1, 0.1]},
                                              {"id": CVC[2], "name": "cvc3", "vector": [1.1, 0, 0]}])
    return client


@pytest.fixture(scope="module")
def shadow(module_server):
    client = module_server()
    for cls, texts in (("NearObjectSearch", ["Mount Everest", "Amsterdam", "Berlin", "Paris", "Rome"]),
                       ("NearObjectSearchShadow", ["banana", "apple", "cherry", "kiwi", "melon"])):
        add_class(client, cls, {"name": "text"})
        rng = np.random.default_rng(len(cls))
        add_objects(client, cls, [{"id": SHADOW[:-1] + str(i + 1), "name": t, "vector": rng.normal(size=4).tolist()}
                                  for i, t in enumerate(texts)]
                    + [{"id": SHARED, "name": "same", "vector": [1, 2, 3, 4]}])
    return client


def _expected(threshold: float) -> int:
    anchor, vectors = _notes()
    matrix = np.vstack([anchor, vectors]).astype(np.float64)
    cosine = 1 - matrix @ anchor / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(anchor))
    return int(np.sum(cosine <= threshold + 1e-6))


@pytest.mark.parametrize("near", ["nearVector", "nearObject"])
def test_unlimited_vector_search_matrix(server, near):
    anchor = _notes()[0].tolist()
    source = f"vector:{anchor}" if near == "nearVector" else f'id:"{ANCHOR}"'

    def count(args: str) -> int:
        return len(get(server, "RansomNote", f"{near}:{{{source} {args}}}", "_additional{id}"))

    assert count("distance:1.8") == 151
    assert count("certainty:0.1") == 151
    assert len(get(server, "RansomNote", f"limit:-1, {near}:{{{source} distance:0.9}}", "num")) == _expected(0.9)
    assert len(get(server, "RansomNote", f"limit:13, {near}:{{{source} certainty:0.1}}", "num")) == 13
    assert 0 < count("distance:0.01") == _expected(0.01) < 100
    assert 0 < count("certainty:0.995") == _expected(0.01) < 100
    assert count("") == 100  # no threshold, no limit: QUERY_DEFAULTS_LIMIT_GRAPHQL


def test_limits_offsets_and_maximum(server):
    assert len(get(server, "RansomNote", "", "num")) == 100
    assert len(get(server, "RansomNote", "offset:5", "num")) == 10  # offset alone: QUERY_DEFAULTS_LIMIT
    everything = [r["_additional"]["id"] for r in get(server, "RansomNote", "limit:200", "_additional{id}")]
    assert everything == sorted(everything) and len(everything) == 151
    page = [r["_additional"]["id"] for r in get(server, "RansomNote", "limit:3, offset:4", "_additional{id}")]
    assert page == everything[4:7]
    near = [r["num"] for r in get(server, "RansomNote", f'limit:5, nearObject:{{id:"{ANCHOR}"}}', "num")]
    assert near[0] == -1 and [r["num"] for r in get(
        server, "RansomNote", f'limit:2, offset:3, nearObject:{{id:"{ANCHOR}"}}', "num")] == near[3:5]


def test_where_filters_the_vector_search(server):
    rows = get(server, "RansomNote", f'nearObject:{{id:"{ANCHOR}"}}, where:{{path:["num"], operator:GreaterThan, '
                                     'valueInt:140}', "num _additional{distance}")
    assert sorted(r["num"] for r in rows) == list(range(141, 150))
    distances = [r["_additional"]["distance"] for r in rows]
    assert distances == sorted(distances)
    rows = get(server, "RansomNote", 'where:{operator:And, operands:[{path:["num"], operator:LessThan, valueInt:3},'
                                     '{path:["contents"], operator:Like, valueText:"note*"}]}', "num")
    assert sorted(r["num"] for r in rows) == [0, 1, 2]


def test_custom_vectors_ordering_and_explore_beacons(custom):
    server = custom
    rows = get(server, "CustomVectorClass", "nearVector:{vector:[1,1,1]}", "_additional{id}")
    assert [r["_additional"]["id"] for r in rows] == CVC
    beacons = data(server, "{Explore(nearVector:{vector:[1,1,1]}, limit:3){beacon className}}")["Explore"]
    assert [b["beacon"] for b in beacons] == [f"weaviate://localhost/CustomVectorClass/{i}" for i in CVC]


def test_near_object_shadow(shadow):
    server = shadow
    query = f'{{Get{{NearObjectSearch(nearObject:{{id:"{SHADOW}", certainty:0.98}}){{name}}}}}}'
    for _ in range(5):
        assert data(server, query)["Get"]["NearObjectSearch"] == [{"name": "Mount Everest"}]
    count = data(server, f'{{Aggregate{{NearObjectSearch(nearObject:{{id:"{SHADOW}", certainty:0.98}})'
                         "{meta{count}}}}")
    assert count["Aggregate"]["NearObjectSearch"] == [{"meta": {"count": 1}}]
    explored = data(server, f'{{Explore(nearObject:{{id:"{SHARED}", certainty:0.98}}){{beacon className}}}}')
    assert {e["className"] for e in explored["Explore"]} >= {"NearObjectSearch", "NearObjectSearchShadow"}
    by_beacon = get(server, "NearObjectSearch",
                    f'nearObject:{{beacon:"weaviate://localhost/NearObjectSearch/{SHADOW}"}}, limit:1', "name")
    assert by_beacon == [{"name": "Mount Everest"}]


def test_autocut_and_additional_fields(custom):
    server = custom
    every = get(server, "CustomVectorClass", "nearVector:{vector:[1,0,0]}", "_additional{distance}")
    cut = get(server, "CustomVectorClass", "nearVector:{vector:[1,0,0]}, autocut:1", "_additional{distance}")
    assert len(cut) == autocut([r["_additional"]["distance"] for r in every], 1) == 1
    row = get(server, "CustomVectorClass", "nearVector:{vector:[1,1,1]}, limit:1",
              "name _additional{id distance certainty vector creationTimeUnix lastUpdateTimeUnix score}")[0]
    extra = row["_additional"]
    assert extra["id"] == CVC[0] and extra["vector"] == [1.1, 1.1, 1.1] and extra["score"] is None
    assert isinstance(extra["creationTimeUnix"], str) and extra["creationTimeUnix"].isdigit()
    assert extra["distance"] == 0 and extra["certainty"] == 1
    plain = get(server, "CustomVectorClass", "limit:1", "_additional{distance certainty vector}")[0]["_additional"]
    assert plain["distance"] is None and plain["certainty"] is None and len(plain["vector"]) == 3


def test_float32_distances_print_in_their_shortest_form(custom):
    rows = get(custom, "CustomVectorClass", "nearVector:{vector:[1,0.5,0.25]}", "_additional{distance}")
    for row in rows:
        value = row["_additional"]["distance"]
        assert value == float(str(np.float32(value)))
