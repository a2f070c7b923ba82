"""multi2vec-bind: ImageBind's seven modalities, through a BIND inference container (`BIND_INFERENCE_API`)."""

from __future__ import annotations

from weavebind.vectorizers.base import MODALITIES
from weavebind.vectorizers.clients.remote import WireFormat
from weavebind.vectorizers.multimodal import ModuleSpec, MultiModalModule

BIND = ModuleSpec(
    name="multi2vec-bind",
    modalities=tuple(m.name for m in MODALITIES),
    url_variable="BIND_INFERENCE_API",
    wait_variable=None,  # Weaviate's bind module always waits for its container
    # Weaviate's bind client sets no Content-Type (FastAPI parses the body as JSON anyway); kept, so a container
    # or proxy that works behind Weaviate sees the same requests from weavebind.
    wire=WireFormat(json_content_type=False, only_200_ok=True),
)


def create() -> MultiModalModule:
    return MultiModalModule(BIND)
