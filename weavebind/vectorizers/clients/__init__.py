"""Inference clients: `remote` speaks Weaviate's inference-container HTTP API."""
