"""bm25 and hybrid through GraphQL (spec 1.13, 1.14, 4.6 hybrid tests)."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import add_class, add_objects, error, get
from weavebind.search.autocut import autocut

COMPANIES = ["Apple", "Apple Inc.", "Microsoft", "Google", "Amazon", "Meta", "Netflix", "Nvidia", "Intel"]


@pytest.fixture(scope="module")
def server(module_server):
    client = module_server()
    add_class(client, "Airport", {"code": "text", "city": "text"})
    add_objects(client, "Airport", [{"code": str(c), "city": city, "vector": [i + 1, 1]}
                                    for i, (c, city) in enumerate([(10000, "Amsterdam"), (20000, "Rotterdam"),
                                                                   (30000, "Berlin")])])
    add_class(client, "Company", {"name": "text", "tags": "text[]"})
    add_objects(client, "Company", [{"name": n, "tags": [n.lower(), "tech"], "vector": [1, i, 0]}
                                    for i, n in enumerate(COMPANIES)])
    return client


def test_hybrid_alpha_zero_is_keyword_only(server):
    assert get(server, "Airport", 'hybrid:{alpha:0, query:"10000"}', "code") == [{"code": "10000"}]


def test_hybrid_limit_and_vector(server):
    rows = get(server, "Company", 'limit:2, hybrid:{query:"Apple", alpha:0.5, vector:[1,0,0]}', "name")
    assert {r["name"] for r in rows} == {"Apple", "Apple Inc."}
    everything = get(server, "Company", 'hybrid:{query:"Apple", alpha:0.5, vector:[1,0,0]}',
                     "name _additional{vector score explainScore distance}")
    assert len(everything) == 9 and all(len(r["_additional"]["vector"]) == 3 for r in everything)
    first = everything[0]["_additional"]
    assert isinstance(first["score"], str) and "Hybrid (Result Set keyword,bm25)" in first["explainScore"]
    ranked = get(server, "Company", 'limit:3, hybrid:{query:"Apple", alpha:0.5, vector:[1,0,0], '
                                    'fusionType:rankedFusion}', "name _additional{score}")
    assert float(ranked[0]["_additional"]["score"]) == pytest.approx(0.5 / 60 + 0.5 / 60, rel=1e-5)
    near = get(server, "Company", 'hybrid:{query:"Apple", alpha:0.9, maxVectorDistance:0.001, '
                                  'searches:[{nearVector:{vector:[1,0,0]}}]}', "name")
    assert near == [{"name": "Apple"}]


def test_bm25(server):
    rows = get(server, "Company", 'bm25:{query:"apple"}', "name _additional{score explainScore}")
    assert [r["name"] for r in rows] == ["Apple", "Apple Inc."]
    assert rows[0]["_additional"]["explainScore"].startswith(", BM25F_apple_frequency:")
    assert float(rows[0]["_additional"]["score"]) > float(rows[1]["_additional"]["score"])
    assert [r["name"] for r in get(server, "Company", 'bm25:{query:"apple", properties:["tags"]}', "name")] == [
        "Apple", "Apple Inc."]
    assert get(server, "Company", 'bm25:{query:"apple tech", searchOperator:{operator:And}}, limit:1', "name") == [
        {"name": "Apple"}]
    scores = [float(r["_additional"]["score"]) for r in get(server, "Company", 'bm25:{query:"tech"}',
                                                             "_additional{score}")]
    assert len(get(server, "Company", 'bm25:{query:"tech"}, autocut:1', "name")) == autocut(scores, 1) < 9
    filtered = get(server, "Company", 'bm25:{query:"apple"}, where:{path:["name"], operator:Equal, '
                                      'valueText:"Apple Inc."}', "name")
    assert filtered == [{"name": "Apple Inc."}]
    contains = get(server, "Company", 'where:{path:["tags"], operator:ContainsAny, valueText:["meta", "intel"]}',
                   "name")
    assert {r["name"] for r in contains} == {"Meta", "Intel"}


@pytest.mark.parametrize("query, message", [
    ('hybrid:{query:"x", searches:[{nearText:{concepts:["a"]}, nearVector:{vector:[1,0,0]}}]}',
     "failed to extract hybrid params: hybrid search cannot have both nearText and nearVector parameters"),
    ('hybrid:{alpha:0.0, query:"", searches:[{nearVector:{vector:[1,0,0]}}], vector:[1,0,0]}',
     "failed to extract hybrid params: cannot have both vector and nearVectorParams"),
    ('hybrid:{query:"banana", searches:[{nearText:{concepts:["apple","banana","cactus"]}}], vector:[1,2,3,4]}',
     "failed to extract hybrid params: cannot have both vector and nearTextParams"),
    ('hybrid:{query:"x", alpha:2}', "failed to extract hybrid params: alpha should be between 0.0 and 1.0"),
])
def test_hybrid_errors(server, query, message):
    assert error(server, f"{{Get{{Company({query}){{name}}}}}}") == message
