"""Running a GraphQL request and shaping the answer as Weaviate does (spec 1.1): `data` and `errors` with
`message`, `locations` and `path`, graphql-core's validation texts rewritten in graphql-go's wording."""

from __future__ import annotations

import logging
import re
from typing import Any

import strawberry
from graphql import GraphQLError

from weavebind.schema.graphql.lift import lift_vectors
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
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # A refused query is the client's business; only unexpected failures are worth a log line.
        for error in errors:
            original = error.original_error
            if original is not None and not isinstance(original, SearchError | GraphQLError):
                log.error("GraphQL resolver failed at %s", error.path, exc_info=original)


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
    if original is not None and not isinstance(original, SearchError | GraphQLError):
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


def run(schema: WeaviateSchema, query: str, variables: dict[str, Any] | None, operation: str | None,
        context: Any) -> dict[str, Any]:
    """Execute one request; never raises for anything the client sent."""
    if nesting(query) > MAX_NESTING:
        return error_body(f"the query is nested too deeply: at most {MAX_NESTING} levels of brackets are allowed")
    lifted = lift_vectors(query, variables) if operation is None else None
    try:
        text, values = lifted or (query, variables)
        result = schema.execute_sync(text, variable_values=values, operation_name=operation, context_value=context)
        if lifted and result.errors:  # error locations must point into the text the client sent
            result = schema.execute_sync(query, variable_values=variables, context_value=context)
    except RecursionError:
        return error_body("the query is nested too deeply")
    body: dict[str, Any] = {}
    if result.data is not None:
        body["data"] = result.data
    if result.errors:
        body["errors"] = [format_error(e) for e in result.errors]
    return body
