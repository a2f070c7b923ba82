"""`Aggregate`: request → `search.aggregate.run_aggregate` and `aggregate_props.summarize` (the code GraphQL
Aggregate runs) → reply. Only the figures a request asks for are set, each with its presence, as the v4 client
reads them (`HasField`)."""

from __future__ import annotations

from typing import Any

from weavebind.errors import Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.search.aggregate import AggregateGroup, AggregateQuery, run_aggregate
from weavebind.search.aggregate_props import summarize, values_of
from weavebind.search.params import parse_hybrid
from weavebind.server.grpc.filters import to_where
from weavebind.server.grpc.proto import aggregate_pb2
from weavebind.server.grpc.search import context
from weavebind.server.grpc.search_request import hybrid, nears

Reply = aggregate_pb2.AggregateReply
Figures = Reply.Aggregations.Aggregation
_CAMEL = {"total_true": "totalTrue", "total_false": "totalFalse", "percentage_true": "percentageTrue",
          "percentage_false": "percentageFalse", "top_occurences": "topOccurrences", "pointing_to": "pointingTo"}
_WHOLE = {"int": ("mode", "maximum", "minimum", "sum")}  # int64 fields of the Integer reply


def query(request: Any, info: ClassInfo, class_of: Any) -> AggregateQuery:
    q = AggregateQuery(class_name=info.name, tenant=request.tenant or None, near=nears(request),
                       limit=request.limit if request.HasField("limit") else None,
                       object_limit=request.object_limit if request.HasField("object_limit") else None)
    if request.HasField("filters"):
        q.where = to_where(request.filters, info, class_of)
    if request.HasField("group_by"):
        q.group_by = [request.group_by.property]
    q.count_only = not request.aggregations  # the v4 client's `total_count=True`: nothing else to read
    if request.HasField("hybrid"):
        q.hybrid = parse_hybrid(hybrid(request.hybrid))
    return q


def _figures(asked: Any, kind: str, summary: dict[str, Any]) -> Any:
    """The reply message of one property's aggregation: the asked flags that the summary has a value for."""
    out = getattr(Figures, kind.capitalize() if kind != "int" else "Integer")()
    for flag in asked.DESCRIPTOR.fields:
        name = flag.name
        if flag.type != flag.TYPE_BOOL or not getattr(asked, name) or name == "top_occurences":
            continue
        value = summary.get(_CAMEL.get(name, name))
        if name == "pointing_to":
            out.pointing_to.extend(value or [])
        elif value is not None:
            setattr(out, name, int(value) if name in _WHOLE.get(kind, ()) else value)
    if kind == "text":  # Weaviate sends the top occurrences whenever there are some, asked for or not (the client
        # asks only with top_occurrences_count, yet reads them for top_occurrences_value too)
        items = [out.top_occurences.TopOccurrence(value=o["value"], occurs=o["occurs"])
                 for o in summary.get("topOccurrences", [])]
        out.top_occurences.items.extend(items)
    return out


def _aggregations(request: Any, group: AggregateGroup) -> Reply.Aggregations:
    out = Reply.Aggregations()
    for asked in request.aggregations:
        data_type = group.info.data_type(asked.property)
        if data_type is None:
            raise Unprocessable(f"aggregate: no such prop with name '{asked.property}' found in class "
                                f"'{group.info.name}' in the schema")
        kind = asked.WhichOneof("aggregation")
        if kind is None:
            raise Unprocessable(f"aggregate: property '{asked.property}' names no aggregation (int, text, ...)")
        flags = getattr(asked, kind)
        limit = flags.top_occurences_limit if kind == "text" and flags.HasField("top_occurences_limit") else None
        summary = summarize(data_type, values_of(group.records, asked.property), limit)
        out.aggregations.append(Figures(property=asked.property, **{kind: _figures(flags, kind, summary)}))
    return out


def _grouped_by(group: AggregateGroup) -> Reply.Group.GroupedBy:
    data_type = group.info.data_type(group.path[0]) or "text"
    value = group.value or ""
    out = Reply.Group.GroupedBy(path=group.path)
    if data_type.startswith("int"):
        out.int = int(float(value))
    elif data_type.startswith("number"):
        out.number = float(value)
    elif data_type.startswith("boolean"):
        out.boolean = value == "true"
    else:
        out.text = value
    return out


def run(state: Any, request: aggregate_pb2.AggregateRequest) -> Reply:
    ctx = context(state)
    info = ctx.class_info(request.collection, request.tenant or None)  # a missing class: NOT_FOUND
    groups = run_aggregate(ctx, query(request, info, state.schema.get))
    if not request.HasField("group_by"):
        single = Reply.Single(aggregations=_aggregations(request, groups[0]))
        if request.objects_count:
            single.objects_count = groups[0].count
        return Reply(single_result=single)
    grouped = [Reply.Group(objects_count=g.count, aggregations=_aggregations(request, g),
                           grouped_by=_grouped_by(g)) for g in groups]
    return Reply(grouped_results=Reply.Grouped(groups=grouped))
