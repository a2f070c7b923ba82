"""Aggregate and filters over gRPC as Weaviate computes them: top occurrences whenever there are some, the date
median, valueNumber refused on int properties."""

from __future__ import annotations

import grpc
import pytest

from tests.rest import add_object, create_class
from weavebind.server.grpc.proto import aggregate_pb2, base_pb2, base_search_pb2, search_get_pb2

Aggregation = aggregate_pb2.AggregateRequest.Aggregation


def _setup(client) -> None:
    create_class(client, "Agg", [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]},
                                 {"name": "on", "dataType": ["date"]}])
    for i, (title, day) in enumerate((("a", "01"), ("b", "02"), ("b", "03"), ("c", "05"))):
        add_object(client, "Agg", properties={"title": title, "n": i, "on": f"2024-01-{day}T00:00:00Z"})


def _single(rpc, *aggregations) -> dict:
    reply = rpc.Aggregate(aggregate_pb2.AggregateRequest(collection="Agg", aggregations=list(aggregations)))
    return {a.property: a for a in reply.single_result.aggregations.aggregations}


def test_text_top_occurrences_come_back_whenever_there_are_some(client, rpc):
    _setup(client)
    # the v4 client's Metrics("title").text(top_occurrences_value=True) leaves the top_occurences flag unset
    got = _single(rpc, Aggregation(property="title", text=Aggregation.Text(count=True)))["title"].text
    assert got.count == 4 and [(o.value, o.occurs) for o in got.top_occurences.items][0] == ("b", 2)
    limited = Aggregation(property="title", text=Aggregation.Text(top_occurences=True, top_occurences_limit=1))
    assert len(_single(rpc, limited)["title"].text.top_occurences.items) == 1


def test_date_median_of_an_even_count_is_halfway_between_the_middle_dates(client, rpc):
    _setup(client)
    got = _single(rpc, Aggregation(property="on", date=Aggregation.Date(median=True, minimum=True)))["on"].date
    assert (got.median, got.minimum) == ("2024-01-02T12:00:00Z", "2024-01-01T00:00:00Z")


def test_value_number_on_an_int_property_is_invalid_argument(client, rpc):
    _setup(client)
    bad = base_pb2.Filters(operator=base_pb2.Filters.OPERATOR_GREATER_THAN, on=["n"], value_number=1.5)
    error = rpc.error("Search", search_get_pb2.SearchRequest(collection="Agg", filters=bad))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert 'data type filter cannot use "valueNumber" on type "int", use "valueInt" instead' in error.details()
    good = base_pb2.Filters(operator=base_pb2.Filters.OPERATOR_GREATER_THAN, on=["n"], value_int=1)
    assert len(rpc.Search(search_get_pb2.SearchRequest(collection="Agg", filters=good)).results) == 2


def test_text_filters_match_tokens_by_the_property_tokenization(client, rpc):
    create_class(client, "Tok", [{"name": "w", "dataType": ["text"]},
                                 {"name": "f", "dataType": ["text"], "tokenization": "field"}])
    add_object(client, "Tok", properties={"w": "Hello world!", "f": " Hello world! "})

    def count(prop: str, operator: int, text: str) -> int:
        where = base_pb2.Filters(operator=operator, on=[prop], value_text=text)
        return len(rpc.Search(search_get_pb2.SearchRequest(collection="Tok", filters=where)).results)

    equal, like = base_pb2.Filters.OPERATOR_EQUAL, base_pb2.Filters.OPERATOR_LIKE
    assert (count("w", equal, "hello"), count("w", equal, "WORLD"), count("w", like, "wor*")) == (1, 1, 1)
    assert (count("f", equal, "hello"), count("f", equal, "Hello world!"), count("f", like, "Hello*")) == (0, 1, 1)
    error = rpc.error("Search", search_get_pb2.SearchRequest(collection="Tok", filters=base_pb2.Filters(
        operator=equal, on=["w"], value_text="the")))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "only stopwords provided" in error.details()


def test_bm25_boost_multiplies_the_property_score_of_a_new_class(client, rpc):
    create_class(client, "Boost", [{"name": "title", "dataType": ["text"]}, {"name": "body", "dataType": ["text"]}])
    add_object(client, "Boost", properties={"title": "fox", "body": "a b c"})
    add_object(client, "Boost", properties={"title": "x", "body": "fox y"})

    def scores(*properties: str) -> dict[str, float]:
        reply = rpc.Search(search_get_pb2.SearchRequest(
            collection="Boost", bm25_search=base_search_pb2.BM25(query="fox", properties=list(properties)),
            metadata=search_get_pb2.MetadataRequest(score=True), uses_127_api=True))
        return {r.properties.non_ref_props.fields["title"].text_value: r.metadata.score for r in reply.results}

    plain, boosted = scores("title", "body"), scores("title^3", "body")
    assert boosted["fox"] == pytest.approx(3 * plain["fox"], rel=1e-6)
    assert boosted["x"] == pytest.approx(plain["x"], rel=1e-6)
