"""Query vectors lifted out of the query text (schema/graphql/lift.py): same answers, shared parse/validate."""

from __future__ import annotations

import pytest

from weavebind.schema.graphql.lift import lift_vectors

VEC = ", ".join(f"{i / 10}" for i in range(12))


def test_a_shorthand_query_gets_one_declared_variable():
    query = "{ Get { C(nearVector: {vector: [" + VEC + "]}) { name } } }"
    text, variables = lift_vectors(query, None)
    assert text == "query ($__wb0: Vector!) { Get { C(nearVector: {vector: $__wb0}) { name } } }"
    assert variables == {"__wb0": [i / 10 for i in range(12)]}


def test_a_named_query_keeps_its_variables_and_name_is_dropped_only_from_the_header():
    query = "query Q($n: Int) { Get { C(limit: $n, hybrid: {query: \"x\", vector: [" + VEC + "]}) { name } } }"
    text, variables = lift_vectors(query, {"n": 2})
    assert text.startswith("query ($n: Int, $__wb0: Vector!) {")
    assert variables["n"] == 2 and len(variables["__wb0"]) == 12


@pytest.mark.parametrize("query", [
    "{ Get { C(nearVector: {vector: [1, 2, 3]}) { name } } }",                        # short: nothing to gain
    "{ Get { C(nearVector: {vector: [" + VEC.replace(",", "") + "]}) { name } } }",  # commas left out
    "{ Get { C(where: {path: [\"t\"], operator: Equal, valueText: \"vector: [" + VEC + "]\"}) { t } } }",
    "query A { Get { C { n } } } query B { Get { C(nearVector: {vector: [" + VEC + "]}) { n } } }",
    "{ Get { C(nearVector: {vector: [" + VEC + "]}) { ...F } } } fragment F on C { n }",
    "{ Get { C(where: {valueText: \"a\\\"b\"}, nearVector: {vector: [" + VEC + "]}) { n } } }",
])
def test_documents_that_cannot_be_rewritten_safely_are_left_alone(query):
    assert lift_vectors(query, None) is None


def test_tenants_are_lifted_so_every_tenant_shares_one_text():
    texts = set()
    for tenant in ("alice", "bob-2", "C_3"):
        query = '{ Get { C(tenant: "' + tenant + '", nearVector: {vector: [' + VEC + ']}) { name } } }'
        text, variables = lift_vectors(query, None)
        texts.add(text)
        assert variables["__wbt0"] == tenant and len(variables["__wb1"]) == 12
    assert texts == {"query ($__wbt0: String, $__wb1: Vector!) { Get { C(tenant: $__wbt0, nearVector: "
                     "{vector: $__wb1}) { name } } }"}
    query = '{ Get { C(where: {path: ["t"], operator: Equal, valueText: "tenant: \\"x\\""}) { t } } }'
    assert lift_vectors(query, None) is None  # inside a string (with escapes): left alone
    bad = '{ Get { C(tenant: "not a tenant name") { t } } }'
    assert lift_vectors(bad, None) is None  # not a tenant name: GraphQL reports it as the client wrote it
