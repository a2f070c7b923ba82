"""Module search arguments against the fake inference containers: which classes get which near<Modality>,
nearText with movements, media arguments, vectorizer failures, hybrid's query vector, Explore with both modules
enabled, and Aggregate's weaviate-ts-client aliases."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes import b64
from tests.graphql.conftest import add_class, add_objects, data, error, errors, get

E = np.eye(8, dtype=np.float32)
TITLES = {"Dune": E[0], "Emma": E[1], "Ulysses": E[2]}
QUERIES = {"sand": E[0] * 0.9 + E[1] * 0.1, "novel": E[1] * 0.8 + E[2] * 0.2, "sea": E[2]}
IMAGE = b64(b"\x89PNG fake image")


@pytest.fixture(scope="module")
def fakes(_fake_servers):  # noqa: F811
    clip, bind = _fake_servers["clip"][0], _fake_servers["bind"][0]
    for fake in (clip, bind):
        fake.reset()
        for key in ("texts",):
            fake.fixed.update({(key, t): v.tolist() for t, v in {**TITLES, **QUERIES}.items()})
        fake.fixed[("images", IMAGE)] = E[2].tolist()
    return clip, bind


@pytest.fixture(scope="module")
def server(module_server, _fake_servers, fakes):  # noqa: F811
    client = module_server(ENABLE_MODULES="multi2vec-clip,multi2vec-bind", CLIP_INFERENCE_API=_fake_servers["clip"][1],
                           BIND_INFERENCE_API=_fake_servers["bind"][1])
    for cls, module in (("ClipBooks", "multi2vec-clip"), ("BindBooks", "multi2vec-bind")):
        add_class(client, cls, {"title": "text"}, vectorizer=module,
                  moduleConfig={module: {"textFields": ["title"]}})
        add_objects(client, cls, [{"title": t} for t in TITLES])
    add_class(client, "Plain", {"title": "text"})
    add_objects(client, "Plain", [{"title": "Dune", "vector": E[0].tolist()}])
    return client


def test_arguments_follow_the_vectorizer(server):
    assert get(server, "ClipBooks", 'nearText:{concepts:["sand"]}, limit:1', "title") == [{"title": "Dune"}]
    assert get(server, "BindBooks", 'nearText:{concepts:"sand"}, limit:1', "title") == [{"title": "Dune"}]
    for cls, argument in (("Plain", "nearText"), ("Plain", "nearImage"), ("ClipBooks", "nearAudio")):
        field = "concepts" if argument == "nearText" else argument[4:].lower()
        message = errors(server, f'{{Get{{{cls}({argument}:{{{field}:"x"}}){{title}}}}}}')[0]
        assert message.startswith(f'Unknown argument "{argument}" on field "{cls}" of type "GetObjectsObj".')
    for argument in ("nearAudio", "nearVideo", "nearIMU", "nearThermal", "nearDepth", "nearImage"):
        field = argument[4:].lower()
        rows = get(server, "BindBooks", f'{argument}:{{{field}:"{IMAGE}"}}, limit:3', "title")
        assert len(rows) == 3


def test_near_text_distances_and_thresholds(server):
    rows = get(server, "ClipBooks", 'nearText:{concepts:["novel"], certainty:0.6}', "title _additional{distance}")
    query = QUERIES["novel"] / np.linalg.norm(QUERIES["novel"])
    assert [r["title"] for r in rows] == ["Emma", "Ulysses"]
    assert rows[0]["_additional"]["distance"] == pytest.approx(1 - query[1], abs=1e-6)
    image = get(server, "ClipBooks", f'nearImage:{{image:"{IMAGE}"}}, limit:1', "title _additional{distance}")
    assert image == [{"title": "Ulysses", "_additional": {"distance": 0}}]


def test_movements(server):
    ids = {r["title"]: r["_additional"]["id"] for r in get(server, "ClipBooks", "", "title _additional{id}")}
    query = (f'nearText:{{concepts:["sand"], moveTo:{{concepts:["sea"], force:0.5}}, '
             f'moveAwayFrom:{{objects:[{{id:"{ids["Dune"]}"}}], force:0.25}}}}')
    rows = get(server, "ClipBooks", query, "title _additional{distance}")
    vector = QUERIES["sand"] * (1 - 0.25) + E[2] * 0.25     # moveTo: v·(1 − f/2) + t·f/2
    vector = vector + 0.125 * (vector - E[0])                 # moveAwayFrom: v + f/2·(v − t)
    unit = vector / np.linalg.norm(vector)
    expected = {t: 1 - float(unit @ v) for t, v in TITLES.items()}
    assert {r["title"]: r["_additional"]["distance"] for r in rows} == pytest.approx(expected, abs=1e-5)
    assert error(server, '{Get{ClipBooks(nearText:{concepts:["sand"], moveTo:{force:0.5}}){title}}}') == (
        "explorer: get class: vectorize params: 'nearText.moveTo' parameter needs to have defined either "
        "'concepts' or 'objects' fields")
    assert error(server, '{Get{ClipBooks(nearText:{concepts:["sand"]}, nearImage:{image:"x"}){title}}}') == (
        "explorer: get class: vectorize params: found more than one module params: 'nearText', 'nearImage' which "
        "are conflicting choose one instead")


def test_vectorizer_failure_chain(server, fakes):
    clip, _ = fakes
    clip.fail_status, clip.fail_body = 500, b'{"error": "CUDA out of memory"}'
    try:
        message = error(server, '{Get{ClipBooks(nearText:{concepts:["unseen words"]}){title}}}')
    finally:
        clip.fail_status = None
    assert message.startswith("explorer: get class: concurrentTargetVectorSearch): explorer: get class: vectorize "
                              "search vector: vectorize params: vectorize params: vectorize keywords: remote client "
                              "vectorize: ")
    assert "CUDA out of memory" in message


def test_hybrid_vectorizes_the_query_with_the_module(server):
    rows = get(server, "ClipBooks", 'hybrid:{query:"sand", alpha:1}, limit:1', "title _additional{score}")
    assert rows[0]["title"] == "Dune" and float(rows[0]["_additional"]["score"]) > 0


def test_explore_with_both_modules(server):
    rows = data(server, '{Explore(nearText:{concepts:["sand"]}, limit:4){className beacon distance}}')["Explore"]
    assert {r["className"] for r in rows[:2]} == {"ClipBooks", "BindBooks"}
    assert rows[0]["distance"] == pytest.approx(1 - 0.9 / np.linalg.norm(QUERIES["sand"]), abs=1e-6)


def test_aggregate_near_media_and_ts_client_alias(server):
    for argument in ("nearImage", "Image"):
        counted = data(server, f'{{Aggregate{{BindBooks({argument}:{{image:"{IMAGE}"}}, objectLimit:2)'
                               "{meta{count}}}}")
        assert counted["Aggregate"]["BindBooks"] == [{"meta": {"count": 2}}]
    counted = data(server, '{Aggregate{ClipBooks(nearText:{concepts:["sand"], distance:0.5}){meta{count}}}}')
    assert counted["Aggregate"]["ClipBooks"] == [{"meta": {"count": 1}}]
