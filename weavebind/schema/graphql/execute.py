"""Running a GraphQL request and shaping the answer as Weaviate does (spec 1.1): `data` and `errors` with
`message`, `locations` and `path`, graphql-core's validation texts rewritten in graphql-go's wording."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError

from weavebind.errors import ApiError
from weavebind.schema.graphql.fastpath import MAX_CACHED_TEXT, GetPlan, PlanCache, compile_plan
from weavebind.schema.graphql.lift import lift_vectors
from weavebind.schema.graphql.scalars import BadLiteral
from weavebind.schema.graphql.scan import brackets
from weavebind.search.errors import SearchError

log = logging.getLogger("weavebind.graphql")

# Nesting of (, [ and { allowed before parsing: graphql-core's recursive-descent parser would otherwise hit
# Python's recursion limit on a hostile query. Real queries (where filters included) stay far below.
MAX_NESTING = 200
_UNKNOWN_ARGUMENT = re.compile(r"^Unknown argument '([^']*)' on field '([^'.]*)\.([^']*)'\.")
_UNKNOWN_FIELD = re.compile(r"^Cannot query field '([^']*)' on type '([^']*)'\.")
_QUOTED = re.compile(r"'([_A-Za-z][_0-9A-Za-z]*)'")


class WeaviateSchema(strawberry.Schema):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.plans = PlanCache()  # per schema version: a schema change starts with no plans

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # A refused query is the client's business; only unexpected failures are worth a log line.
        for error in errors:
            original = error.original_error
            if original is not None and not _refused(original):
                log.error("GraphQL resolver failed at %s", error.path, exc_info=original)


def _refused(error: BaseException) -> bool:
    """A request the client must change (its message is the answer), not a fault of the server: the query
    layer's SearchError, graphql-core's own, a literal of the wrong shape for one of our scalars (scalars.py), and
    a 4xx ApiError (e.g. a tenant that is missing or inactive)."""
    if isinstance(error, SearchError | GraphQLError | BadLiteral):
        return True
    return isinstance(error, ApiError) and error.status < 500


def translate(message: str) -> str:
    """graphql-core → graphql-go wording for the messages Weaviate's clients and tests look at."""
    match = _UNKNOWN_ARGUMENT.match(message)
    if match:
        rest = _QUOTED.sub(r'"\1"', message[match.end():])
        return f'Unknown argument "{match[1]}" on field "{match[3]}" of type "{match[2]}".{rest}'
    match = _UNKNOWN_FIELD.match(message)
    if match:
        rest = _QUOTED.sub(r'"\1"', message[match.end():])
        return f'Cannot query field "{match[1]}" on type "{match[2]}".{rest}'
    return message


def format_error(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    message = error.message
    if original is not None and not _refused(original):
        message = f"internal error: {type(original).__name__}: {original}"
    locations = [{"column": loc.column, "line": loc.line} for loc in error.locations or []]
    return {"locations": locations or None, "message": translate(message), "path": error.path or None}


def nesting(query: str) -> int:
    """Deepest bracket nesting outside strings and comments."""
    if sum(query.count(c) for c in "([{") <= MAX_NESTING:
        return 0  # cannot be deeper than the number of brackets; counting is C-fast, the scan below is not
    return max((depth for _, _, depth in brackets(query)), default=0)


def error_body(message: str) -> dict[str, Any]:
    return {"errors": [{"locations": None, "message": message, "path": None}]}


@dataclass(frozen=True)
class Prepared:
    """One request with its query vectors lifted out (lift.py); `text`/`values` are what graphql-core runs."""

    query: str
    variables: dict[str, Any] | None
    operation: str | None
    lifted: bool
    text: str
    values: dict[str, Any] | None
    too_deep: bool

    @property
    def plannable(self) -> bool:
        return self.operation is None and not self.variables  # a plan's only variables are the lifted vectors


def prepare(query: str, variables: dict[str, Any] | None, operation: str | None) -> Prepared:
    if nesting(query) > MAX_NESTING:
        return Prepared(query, variables, operation, False, query, variables, too_deep=True)
    lifted = lift_vectors(query, variables) if operation is None else None
    text, values = lifted or (query, variables)
    return Prepared(query, variables, operation, lifted is not None, text, values, too_deep=False)


def run_on_loop(schema: WeaviateSchema, request: Prepared, context: Any) -> dict[str, Any] | None:
    """The answer when the request's compiled plan is cheap enough to run on the event loop (fastpath.py);
    None means: run it in a worker thread with `run`."""
    if request.too_deep or not request.plannable:
        return None
    plan = schema.plans.get(request.text)
    if plan is None or not plan.cheap(context.search, request.values):
        return None
    return _planned(plan, request, context)


def run_prepared(schema: WeaviateSchema, request: Prepared, context: Any) -> dict[str, Any]:
    """Execute one request (its compiled plan if it has one); never raises for anything the client sent."""
    if request.too_deep:
        return error_body(f"the query is nested too deeply: at most {MAX_NESTING} levels of brackets are allowed")
    if request.plannable:
        plan = schema.plans.get(request.text)
        answer = _planned(plan, request, context) if plan is not None else None
        if answer is not None:
            return answer
        if request.text not in schema.plans and len(request.text) <= MAX_CACHED_TEXT:
            context.captured = []
    try:
        result = schema.execute_sync(request.text, variable_values=request.values, operation_name=request.operation,
                                     context_value=context)
        if request.lifted and result.errors:  # error locations must point into the text the client sent
            result = schema.execute_sync(request.query, variable_values=request.variables, context_value=context)
    except RecursionError:
        return error_body("the query is nested too deeply")
    if context.captured is not None:
        _learn(schema, request, context.captured if not result.errors else None)
    body: dict[str, Any] = {}
    if result.data is not None:
        body["data"] = result.data
    if result.errors:
        body["errors"] = [format_error(e) for e in result.errors]
    return body


def _planned(plan: GetPlan, request: Prepared, context: Any) -> dict[str, Any] | None:
    """The plan's answer; None when it failed (the full path then runs, and reports any error as graphql-core
    would)."""
    try:
        return plan.execute(context, request.values or {})
    except Exception:  # noqa: BLE001 -- whatever went wrong, the full path answers it properly
        log.debug("compiled plan failed; running the full path", exc_info=True)
        return None


def _learn(schema: WeaviateSchema, request: Prepared, captured: list | None) -> None:
    try:
        plan = compile_plan(schema, request.text, request.values or {}, captured) if captured is not None else None
    except Exception:  # noqa: BLE001 -- a plan is an optimisation: failing to build one must not fail the request
        log.warning("could not compile a GraphQL plan", exc_info=True)
        plan = None
    schema.plans.put(request.text, plan)
