"""The gRPC API of Weaviate's v4 Python client (`weaviate.v1.Weaviate` and the health check), over the same
use-cases as REST and GraphQL. `server.py` runs it inside the HTTP app's lifespan."""
