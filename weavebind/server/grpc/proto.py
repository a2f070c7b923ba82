"""The generated Weaviate gRPC modules, as shipped inside the `weaviate-client` package (BSD-3).

`weaviate.proto.v1` picks the generated code that matches the installed protobuf runtime, so depending on it keeps
us on Weaviate's own protos without copying them. Importing it imports the client package too; its deprecation
warnings (authlib's, about the client's own httpx use) are not ours to show.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*httpx.*")
    from weaviate.proto.v1 import (
        aggregate_pb2,
        base_pb2,
        base_search_pb2,
        batch_delete_pb2,
        batch_pb2,
        health_weaviate_pb2,
        properties_pb2,
        search_get_pb2,
        tenants_pb2,
        weaviate_pb2_grpc,
    )

__all__ = ["aggregate_pb2", "base_pb2", "base_search_pb2", "batch_delete_pb2", "batch_pb2", "health_weaviate_pb2",
           "properties_pb2", "search_get_pb2", "tenants_pb2", "weaviate_pb2_grpc"]
