"""Port of Weaviate's test/acceptance/vector_distances (spec 4.5): distances, certainty and distance thresholds for
the five metrics in Get and Explore, and the certainty-on-non-cosine failures."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import add_class, add_objects, data, error, get

CERTAINTY_ERROR = "can't compute and return certainty when vector index is configured with {} distance"


def _metric_class(client, name, metric, vectors):
    add_class(client, name, {"name": "text"}, vectorIndexConfig={"distance": metric})
    add_objects(client, name, [{"name": f"{name}-{i}", "vector": v} for i, v in enumerate(vectors)])


@pytest.fixture(scope="module")
def cosine(module_server):
    client = module_server()
    _metric_class(client, "Cosine_Class", "cosine", [[0.7, 0.3], [1.4, 0.6], [-0.7, -0.3], [1, 1]])
    return client


@pytest.fixture(scope="module")
def metrics(module_server):
    client = module_server()
    _metric_class(client, "Dot_Class", "dot", [[3, 4, 5], [1, 1, 1], [0, 0, 0], [-3, -4, -5]])
    for name, metric in (("L2Squared_Class", "l2-squared"), ("Manhattan_Class", "manhattan")):
        _metric_class(client, name, metric, [[10, 11, 12], [13, 15, 17], [0, 0, 0]])
    _metric_class(client, "Hamming_Class", "hamming", [[10, 10, 10], [10, 10, 11], [10, 11, 12]])
    return client


def distances(client, cls, query, threshold=""):
    args = f"nearVector:{{vector:{query}{threshold}}}"
    return [r["_additional"]["distance"] for r in get(client, cls, args, "name _additional{distance}")]


def test_cosine_distances_and_certainties(cosine):
    rows = get(cosine, "Cosine_Class", "nearVector:{vector:[0.7,0.3]}", "name _additional{distance certainty}")
    assert [r["_additional"]["distance"] for r in rows] == pytest.approx([0, 0, 0.0715, 2], abs=0.01)
    assert [r["_additional"]["certainty"] for r in rows] == pytest.approx([1, 1, 0.96, 0], abs=0.01)
    assert rows[0]["_additional"]["distance"] == 0 and rows[1]["_additional"]["certainty"] == 1


@pytest.mark.parametrize("threshold, count", [
    ("certainty:0", 4), ("certainty:0.95", 3), ("certainty:0.97", 2), ("certainty:1", 2),
    ("distance:2", 4), ("distance:1.99", 3), ("distance:0.08", 3), ("distance:0.01", 2), ("distance:0", 2)])
def test_cosine_thresholds_in_get_and_explore(cosine, threshold, count):
    assert len(distances(cosine, "Cosine_Class", "[0.7,0.3]", "," + threshold)) == count
    explored = data(cosine, f"{{Explore(nearVector:{{vector:[0.7,0.3], {threshold}}}){{distance certainty}}}}")
    assert len(explored["Explore"]) == count


@pytest.mark.parametrize("cls, query, expected", [
    ("Dot_Class", "[3,4,5]", [-50, -12, 0, 50]),
    ("L2Squared_Class", "[10,11,12]", [0, 50, 365]),
    ("Manhattan_Class", "[10,11,12]", [0, 12, 33]),
    ("Hamming_Class", "[10,10,10]", [0, 1, 2])])
def test_metric_distances(metrics, cls, query, expected):
    assert distances(metrics, cls, query) == expected


@pytest.mark.parametrize("cls, query, threshold, count", [
    ("Dot_Class", "[3,4,5]", 50, 4), ("Dot_Class", "[3,4,5]", 30, 3), ("Dot_Class", "[3,4,5]", 0, 3),
    ("Dot_Class", "[3,4,5]", -40, 1), ("Dot_Class", "[3,4,5]", -60, 0),
    ("L2Squared_Class", "[10,11,12]", 365, 3), ("L2Squared_Class", "[10,11,12]", 364, 2),
    ("L2Squared_Class", "[10,11,12]", 49, 1), ("L2Squared_Class", "[10,11,12]", 0.001, 1),
    ("Manhattan_Class", "[10,11,12]", 365, 3), ("Manhattan_Class", "[10,11,12]", 30, 2),
    ("Manhattan_Class", "[10,11,12]", 10, 1),
    ("Hamming_Class", "[10,10,10]", 1.5, 2), ("Hamming_Class", "[10,10,10]", 0.5, 1),
    ("Hamming_Class", "[10,10,10]", 0, 1)])
def test_metric_distance_thresholds(metrics, cls, query, threshold, count):
    assert len(distances(metrics, cls, query, f", distance:{threshold}")) == count


@pytest.mark.parametrize("cls, metric", [("Dot_Class", "dot"), ("L2Squared_Class", "l2-squared"),
                                         ("Manhattan_Class", "manhattan"), ("Hamming_Class", "hamming")])
def test_certainty_on_other_metrics_is_refused(metrics, cls, metric):
    message = CERTAINTY_ERROR.format(metric)
    assert error(metrics, f"{{Get{{{cls}(nearVector:{{vector:[1,1,1], certainty:0.8}}){{name}}}}}}") == message
    assert error(metrics, f"{{Get{{{cls}(nearVector:{{vector:[1,1,1]}}){{_additional{{certainty}}}}}}}}") == message


def test_explore_across_l2_classes_then_mixed_metrics(module_server):
    client = module_server()
    _metric_class(client, "L2Squared_Class", "l2-squared", [[10, 11, 12], [13, 15, 17], [0, 0, 0]])
    _metric_class(client, "L2Squared_Class_2", "l2-squared", [[6, 7, 8], [1, 2, 3]])
    rows = data(client, "{Explore(nearVector:{vector:[3,4,5], distance:365}){distance className}}")["Explore"]
    assert [(r["className"], r["distance"]) for r in rows] == [
        ("L2Squared_Class_2", 12), ("L2Squared_Class_2", 27), ("L2Squared_Class", 50), ("L2Squared_Class", 147),
        ("L2Squared_Class", 365)]
    message = CERTAINTY_ERROR.format("l2-squared")
    assert error(client, "{Explore(nearVector:{vector:[3,4,5], certainty:0.4}){className}}") == message
    assert error(client, "{Explore(nearVector:{vector:[3,4,5]}){certainty}}") == message
    add_class(client, "CosineOne", {"name": "text"})
    message = error(client, "{Explore(nearVector:{vector:[1,1,1]}){distance}}")
    assert message.startswith("vector search across classes not possible: found different distance metrics: ")
    for part in ("class 'L2Squared_Class' uses distance metric 'l2-squared'",
                 "class 'CosineOne' uses distance metric 'cosine'"):
        assert part in message
