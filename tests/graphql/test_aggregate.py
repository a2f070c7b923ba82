"""Aggregate: meta count, per-type summaries, groupBy, where and near with objectLimit / thresholds (spec 1.18)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.graphql.conftest import add_class, add_objects, data

BOOKS = [("Dune", "scifi", 412, 4.5, True, "1965-08-01T00:00:00Z"),
         ("Emma", "classic", 474, 3.9, False, "1815-12-23T00:00:00Z"),
         ("Hyperion", "scifi", 482, 4.2, True, "1989-05-26T00:00:00Z"),
         ("Ulysses", "classic", 730, 3.7, False, "1922-02-02T00:00:00Z")]


@pytest.fixture(scope="module")
def server(module_server):
    client = module_server()
    add_class(client, "Books", {"title": "text", "genre": "text", "pages": "int", "rating": "number",
                                "available": "boolean", "published": "date", "tags": "text[]"})
    add_objects(client, "Books", [{"title": t, "genre": g, "pages": p, "rating": r, "available": a, "published": d,
                                   "tags": [g, "book"], "vector": [1, i, 0]}
                                  for i, (t, g, p, r, a, d) in enumerate(BOOKS)])
    return client


def aggregate(client, args: str, fields: str) -> list:
    arguments = f"({args})" if args else ""
    return data(client, f"{{Aggregate{{Books{arguments}{{{fields}}}}}}}")["Aggregate"]["Books"]


def test_meta_and_property_summaries(server):
    result = aggregate(server, "", "meta{count} pages{count minimum maximum mean median mode sum type} "
                                   "rating{mean maximum} available{totalTrue totalFalse percentageTrue type} "
                                   "published{minimum maximum count} genre{count topOccurrences{value occurs}} "
                                   "tags{count topOccurrences(limit:1){value occurs}}")[0]
    assert result["meta"] == {"count": 4}
    assert result["pages"] == {"count": 4, "minimum": 412, "maximum": 730, "mean": 524.5, "median": 478,
                               "mode": 412, "sum": 2098, "type": "int"}
    assert result["rating"] == {"mean": pytest.approx(4.075), "maximum": 4.5}
    assert result["available"] == {"totalTrue": 2, "totalFalse": 2, "percentageTrue": 0.5, "type": "boolean"}
    assert result["published"] == {"minimum": "1815-12-23T00:00:00Z", "maximum": "1989-05-26T00:00:00Z",
                                   "count": 4}
    assert result["genre"]["topOccurrences"] == [{"value": "classic", "occurs": 2}, {"value": "scifi", "occurs": 2}]
    assert result["tags"] == {"count": 8, "topOccurrences": [{"value": "book", "occurs": 4}]}


def test_date_median_of_an_even_count_is_halfway_between_the_two_middle_dates(server):
    [result] = aggregate(server, "", "published{median} meta{count}")
    low, high = datetime(1922, 2, 2, tzinfo=UTC), datetime(1965, 8, 1, tzinfo=UTC)
    assert result["published"]["median"] == (low + (high - low) / 2).strftime("%Y-%m-%dT%H:%M:%SZ")
    [odd] = aggregate(server, 'where:{path:["pages"], operator:LessThan, valueInt:700}', "published{median}")
    assert odd["published"]["median"] == "1965-08-01T00:00:00Z"  # 1815, 1965, 1989: the middle value as stored


def test_group_by_where_and_near(server):
    groups = aggregate(server, 'groupBy:["genre"]', "groupedBy{path value} meta{count} pages{maximum}")
    assert {g["groupedBy"]["value"]: (g["meta"]["count"], g["pages"]["maximum"]) for g in groups} == {
        "scifi": (2, 482), "classic": (2, 730)}
    assert groups[0]["groupedBy"]["path"] == ["genre"]
    assert len(aggregate(server, 'groupBy:["genre"], limit:1', "meta{count}")) == 1
    where = aggregate(server, 'where:{path:["pages"], operator:GreaterThan, valueInt:450}', "meta{count}")
    assert where == [{"meta": {"count": 3}}]
    near = aggregate(server, "nearVector:{vector:[1,0,0]}, objectLimit:2", "meta{count} title{topOccurrences{value}}")
    assert near[0]["meta"] == {"count": 2}
    assert {t["value"] for t in near[0]["title"]["topOccurrences"]} == {"Dune", "Emma"}
    assert aggregate(server, "nearVector:{vector:[1,0,0], distance:0.01}", "meta{count}") == [{"meta": {"count": 1}}]
    hybrid = aggregate(server, 'hybrid:{query:"Dune", alpha:0}, objectLimit:5', "meta{count}")
    assert hybrid == [{"meta": {"count": 1}}]


def test_a_count_alone_is_one_sql_count_and_equals_the_scanned_count(server, monkeypatch):
    scanned = aggregate(server, "", "meta{count} pages{count}")[0]["meta"]["count"]
    filtered = aggregate(server, 'where:{path:["pages"], operator:GreaterThan, valueInt:0}', "meta{count}")
    store = server.app.state.store

    def no_scan(*_args, **_kwargs):
        raise AssertionError("a count-only Aggregate read the objects")

    monkeypatch.setattr(store, "iter_class", no_scan)
    assert aggregate(server, "", "meta{count}") == [{"meta": {"count": scanned}}] and scanned == len(BOOKS)
    assert aggregate(server, "", "n: meta{c: count}") == [{"n": {"c": scanned}}]
    monkeypatch.undo()
    assert filtered[0]["meta"]["count"] <= scanned  # with a filter the objects are still read (and counted)
