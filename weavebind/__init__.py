"""weavebind: a Weaviate-compatible vector search server for multimodal data."""

__version__ = "0.1.0"
