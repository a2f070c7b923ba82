"""`POST /v1/graphql`, `POST /v1/graphql/batch` (spec 1.1) and GraphiQL on `GET /v1/graphql`.

GraphiQL's scripts and styles come from the installed `graphene-django-graphiql-static` distribution (a plain
bundle of GraphiQL, React and their CSS; nothing Django is imported), so the page works without a network.
"""

from __future__ import annotations

import gc
import importlib.resources
import mimetypes
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from weavebind import heap
from weavebind.errors import NotFound, Unprocessable
from weavebind.schema.graphql.builder import SchemaHolder
from weavebind.schema.graphql.execute import Prepared, prepare, run_on_loop, run_prepared
from weavebind.schema.graphql.resolvers import RequestContext
from weavebind.schema.models import ClassInfo
from weavebind.search.context import SearchContext
from weavebind.server.http import JSON, blocking, read_json

NO_SCHEMA = ("no graphql provider present, this is most likely because no schema is present. Import a schema "
             "first!")
ERROR_422 = "422: The request is well-formed but was unable to be followed due to semantic errors."
ASSET_PACKAGE = "graphene_django_graphiql_static"
ASSET_DIR = "static/graphene_django_graphiql_static"
ASSETS = ("graphiql.min.css", "react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
GO_TYPES = {list: "[]interface {}", str: "string", bool: "bool", int: "float64", float: "float64"}
PREPARED = "weavebind.graphql.prepared"  # request.state key: the request as server/graphql_lane.py prepared it


class GraphQLService:
    """The GraphQL schema holder and what its resolvers need; installed into `app.state.graphql`."""

    def __init__(self, app: Starlette):
        self.state = app.state
        self.holder = SchemaHolder(self.state.schema.all, self._modalities,
                                   lambda: dict(self.state.schema.aliases.targets))
        self.state.schema.options.listeners.append(self.holder.invalidate)

    def _modalities(self, info: ClassInfo) -> set[str]:
        modules = getattr(self.state, "modules", None)
        return set().union(*modules.search_modalities(info).values()) if modules is not None else set()

    def context(self) -> RequestContext:
        state = self.state
        return RequestContext(SearchContext(state.store, state.schema, getattr(state, "modules", None),
                                            state.settings))

    def execute(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run one request (in a worker thread: it may scan, call an inference container, ...)."""
        return self.execute_prepared(self.prepare(request))

    def prepare(self, request: dict[str, Any]) -> Prepared:
        return prepare(request["query"], request.get("variables"), request.get("operationName"))

    def execute_prepared(self, request: Prepared) -> dict[str, Any]:
        schema = self.holder.get()
        if schema is None:
            raise Unprocessable(NO_SCHEMA)
        return run_prepared(schema, request, self.context())

    def execute_on_loop(self, request: Prepared) -> dict[str, Any] | None:
        """The answer when a cheap compiled plan can give it right here on the event loop; None otherwise."""
        schema = self.holder.current()
        return run_on_loop(schema, request, self.context()) if schema is not None else None


def install(app: Starlette) -> None:
    """Called once storage and the schema service are open."""
    app.state.graphql = GraphQLService(app)


def valid_request(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
        raise Unprocessable("query cannot be empty")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise Unprocessable(f"variables must be a JSON object, got {GO_TYPES.get(type(variables), 'unknown')}")
    operation = body.get("operationName")
    if operation is not None and not isinstance(operation, str):
        raise Unprocessable("operationName must be a string")
    return body


async def graphql(request: Request) -> Response:
    """Requests the GraphQL lane passed on (it answers cheap compiled plans on the event loop itself)."""
    service: GraphQLService = request.app.state.graphql
    prepared = request.scope.get("state", {}).get(PREPARED)
    if prepared is not None:
        return JSON(await blocking(service.execute_prepared, prepared))
    answer = await blocking(service.execute, valid_request(await read_json(request)))  # prepared in the thread
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) >= heap.LARGE:
        # graphql-core's execution leaves reference cycles that hold the variables: a 50 MB `where` value stayed
        # until the cyclic collector next ran its older generations, one more per query. The young ones hold them.
        gc.collect(1)
    return JSON(answer)


def _batch_item(service: GraphQLService, item: Any) -> dict[str, Any]:
    try:
        return service.execute(valid_request(item))
    except Unprocessable as exc:
        message = ERROR_422 if exc.message != NO_SCHEMA else exc.message
        return {"errors": [{"message": message}]}


async def graphql_batch(request: Request) -> Response:
    body = await read_json(request)
    if not isinstance(body, list) or not body:
        return JSON({"error": None}, status_code=422)
    service = request.app.state.graphql
    return JSON(await blocking(lambda: [_batch_item(service, item) for item in body]))


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>weavebind GraphiQL</title>
  <style>html, body, #graphiql { height: 100%; margin: 0; width: 100%; overflow: hidden; }</style>
  <link rel="stylesheet" href="graphql/graphiql/graphiql.min.css">
  <script src="graphql/graphiql/react.production.min.js"></script>
  <script src="graphql/graphiql/react-dom.production.min.js"></script>
  <script src="graphql/graphiql/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script>
    // A query can be handed over in the URL (?query=...), as GraphiQL's own examples do.
    const params = new URLSearchParams(window.location.search);
    const fetcher = GraphiQL.createFetcher({ url: "graphql" });
    ReactDOM.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        query: params.get("query") || "{\\n  Get {\\n  }\\n}\\n",
        defaultEditorToolsVisibility: true,
      }),
      document.getElementById("graphiql"),
    );
  </script>
</body>
</html>
"""


async def graphiql(_request: Request) -> Response:
    return HTMLResponse(PAGE)


async def graphiql_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        raise NotFound(f"no GraphiQL asset named '{name}'")
    data = importlib.resources.files(ASSET_PACKAGE).joinpath(ASSET_DIR, name).read_bytes()
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(data, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})


routes = [
    Route("/v1/graphql", graphql, methods=["POST"]),
    Route("/v1/graphql", graphiql, methods=["GET"]),
    Route("/v1/graphql/batch", graphql_batch, methods=["POST"]),
    Route("/v1/graphql/graphiql/{name}", graphiql_asset, methods=["GET"]),
]
