"""Weaviate's GraphQL API on Strawberry: a schema generated from the classes (`builder.py`), resolvers that only
translate between GraphQL and `weavebind.search` (`resolvers.py`), and execution with Weaviate's error shapes
(`execute.py`)."""
