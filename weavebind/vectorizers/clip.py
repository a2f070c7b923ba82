"""multi2vec-clip: text and images, through a CLIP inference container (`CLIP_INFERENCE_API`)."""

from __future__ import annotations

from weavebind.vectorizers.clients.remote import WireFormat
from weavebind.vectorizers.multimodal import ModuleSpec, MultiModalModule

CLIP = ModuleSpec(
    name="multi2vec-clip",
    modalities=("text", "image"),
    url_variable="CLIP_INFERENCE_API",
    wait_variable="CLIP_WAIT_FOR_STARTUP",
    wire=WireFormat(json_content_type=True, only_200_ok=False),
)


def create() -> MultiModalModule:
    return MultiModalModule(CLIP)
