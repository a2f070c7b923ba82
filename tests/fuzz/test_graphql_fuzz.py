"""hypothesis-graphql against the live GraphQL schema of a server with several classes.

Valid queries (Get / Aggregate / Explore with generated arguments), queries with one schema violation each, and
malformed documents (cut short, scrambled, random text). Every answer must be a JSON GraphQL response below 500,
within the time bound, with no "internal error"; GraphQL only reads, so the stored rows must not change.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import graphql
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz import dataset
from tests.fuzz.conftest import HYPOTHESIS, REQUEST_SECONDS, examples

hypothesis_graphql = pytest.importorskip("hypothesis_graphql")

OUTCOMES: Counter = Counter()
SLOWEST = [0.0]

_float = st.floats(-1e3, 1e3, allow_nan=False).map(lambda f: graphql.FloatValueNode(value=repr(f)))
_int = st.integers(-(2**40), 2**40).map(lambda i: graphql.IntValueNode(value=str(i)))
_text = st.text(max_size=20).map(lambda s: graphql.StringValueNode(value=s))
_bool = st.booleans().map(lambda b: graphql.BooleanValueNode(value=b))


def _list(items, **kw):
    return st.lists(items, **kw).map(lambda values: graphql.ListValueNode(values=tuple(values)))


def _object(values):
    fields = st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), values, max_size=3)
    return fields.map(lambda d: graphql.ObjectValueNode(fields=tuple(
        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in d.items())))


# Weaviate's custom scalars: a vector literal (mostly of the data set's dimension, so searches really run),
# a JSON object, and a where-filter value of any primitive type.
CUSTOM_SCALARS = {
    "Vector": st.one_of(_list(_float, min_size=dataset.DIM, max_size=dataset.DIM), _list(_float, max_size=6)),
    "JSONMap": _object(st.one_of(_text, _int, _float, _bool)),
    "WhereValue": st.one_of(_text, _int, _float, _bool),
}


@pytest.fixture(scope="module")
def live_schema(live):
    answer = live.http.post("/v1/graphql", json={"query": graphql.get_introspection_query()}).json()
    schema = graphql.build_client_schema(answer["data"])
    assert {"Article", "Author", "Note"} <= set(schema.type_map), "the data set's classes are in the schema"
    yield schema
    assert dataset.digest(live.store) == live.pristine, "GraphQL requests changed stored data"
    print(f"\nGraphQL fuzz: {sum(OUTCOMES.values())} requests, outcomes {dict(sorted(OUTCOMES.items()))}, "
          f"slowest {SLOWEST[0]:.2f} s")


def queries(schema, mode):
    return hypothesis_graphql.queries(schema, custom_scalars=CUSTOM_SCALARS, mode=mode, allow_x00=True)


def post(live, query: str) -> None:
    started = time.monotonic()
    response = live.http.post("/v1/graphql", json={"query": query})
    elapsed = time.monotonic() - started
    shown = f"{query[:500]!r} -> {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, shown
    assert elapsed < REQUEST_SECONDS, shown
    body = response.json()
    errors = body.get("errors") or []
    assert not any("internal error" in str(e.get("message", "")).lower() for e in errors), shown
    SLOWEST[0] = max(SLOWEST[0], elapsed)
    OUTCOMES[f"{response.status_code} {'errors' if errors or 'error' in body else 'data'}"] += 1


@settings(max_examples=examples(100), **HYPOTHESIS)
@given(data=st.data())
def test_valid_queries(live, live_schema, data):
    post(live, data.draw(queries(live_schema, hypothesis_graphql.Mode.POSITIVE)))


@settings(max_examples=examples(100), **HYPOTHESIS)
@given(data=st.data())
def test_queries_with_one_violation(live, live_schema, data):
    post(live, data.draw(queries(live_schema, hypothesis_graphql.Mode.NEGATIVE)))


# Hand-made Get searches on the data set: plausible queries with random arguments (search operator, filter,
# limit, offset, autocut), which reach FAISS and SQL far more often than schema-generated ones.
_number = st.one_of(st.integers(-3, 20), st.integers(-(2**31), 2**31 - 1))
_vec = st.lists(st.floats(-2, 2, allow_nan=False), min_size=dataset.DIM, max_size=dataset.DIM)
_searches = st.one_of(
    st.just(""),
    _vec.map(lambda v: f"nearVector:{{vector:{json.dumps(v)}}}"),
    st.tuples(st.sampled_from(dataset.IDS), st.floats(-1, 2)).map(
        lambda t: f'nearObject:{{id:"{t[0]}", certainty:{t[1]}}}'),
    st.text(max_size=12).map(lambda q: f"bm25:{{query:{json.dumps(q)}}}"),
    st.tuples(st.text(max_size=12), st.floats(-1, 2), _vec).map(
        lambda t: f"hybrid:{{query:{json.dumps(t[0])}, alpha:{t[1]}, vector:{json.dumps(t[2])}}}"),
)
_filters = st.one_of(
    st.just(""),
    _number.map(lambda n: f'where:{{path:["wordCount"], operator:GreaterThan, valueInt:{n}}}'),
    st.text(max_size=8).map(lambda q: f'where:{{path:["title"], operator:Like, valueText:{json.dumps(q)}}}'),
    st.sampled_from(dataset.AUTHORS).map(
        lambda a: f'where:{{path:["writtenBy","Author","id"], operator:Equal, valueText:"{a}"}}'),
)
_paging = st.tuples(_number, _number, st.integers(-2, 4)).map(lambda t: f"limit:{t[0]}, offset:{t[1]}, autocut:{t[2]}")
TARGETS = {"Article": "title wordCount writtenBy{... on Author{name}}", "Writing": "title",
           "Author": "name age", 'Note(tenant:"tenantA"': "text"}


@st.composite
def plausible(draw) -> str:
    target = draw(st.sampled_from(sorted(TARGETS)))
    args = [a for a in (draw(_searches), draw(_filters), draw(_paging)) if a]
    opening = target + ("," if "(" in target else "(") + ", ".join(args) + ")"
    return f"{{Get{{{opening}{{{TARGETS[target]} _additional{{id distance score}}}}}}}}"


@settings(max_examples=examples(150), **HYPOTHESIS)
@given(query=plausible())
def test_plausible_searches(live, live_schema, query):
    post(live, query)


def _malformed(valid):
    cut = st.tuples(valid, st.integers(0, 10_000)).map(lambda t: t[0][: t[1] % (len(t[0]) + 1)])
    swapped = st.tuples(valid, st.integers(0, 10_000), st.sampled_from("{}()[]:,$@!\"\\\x00")).map(
        lambda t: t[0][: t[1] % (len(t[0]) + 1)] + t[2] + t[0][t[1] % (len(t[0]) + 1) + 1:])
    nested = st.integers(1, 3000).map(lambda n: "{ Get { Article " + "{ writtenBy " * n + "}" * n + " } }")
    return st.one_of(cut, swapped, nested, st.text(max_size=200))


@settings(max_examples=examples(100), **HYPOTHESIS)
@given(data=st.data())
def test_malformed_documents(live, live_schema, data):
    post(live, data.draw(_malformed(queries(live_schema, hypothesis_graphql.Mode.POSITIVE))))
