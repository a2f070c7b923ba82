"""multi2vec-clip in process: the model chosen as the container chooses it, and its two encoders.

Which model: a baked copy under `WEAVEBIND_MODELS_PATH` (`clip/` for images and texts, `text/` for a separate
text model, or the container's `openai_clip/`) wins; otherwise `CLIP_MODEL_NAME` and `TEXT_MODEL_NAME` (empty:
the same model), each a local directory or a hub name. Hub names are fetched once into the Hugging Face cache.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from weavebind.vectorizers.models import hub
from weavebind.vectorizers.models.clip_layout import Layout, detect, load_clip, load_sentence_text, load_wordpiece
from weavebind.vectorizers.models.encoders import Encoder
from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.options import ModelOptions
from weavebind.vectorizers.models.preprocess import ITEM_SHAPES, Preprocessors
from weavebind.vectorizers.models.runtime import Runtime

log = logging.getLogger("weavebind.models")
MODULE = "multi2vec-clip"
# The container prepares images for a Hugging Face CLIPModel with transformers' fast image processor
# (`use_fast=True`), and for sentence-transformers with the processor sentence-transformers loads (the PIL one).
IMAGE_PREPROCESSING = {"clip": "images_hf", "st-clip": "images"}


def resolve(options: ModelOptions) -> tuple[Path, Path]:
    """(image model directory, text model directory)."""
    baked = options.models_path
    if (baked / "openai_clip").is_dir():
        return baked / "openai_clip", baked / "openai_clip"
    image = baked / "clip" if (baked / "clip").is_dir() else hub.fetch(options.clip_model_name, "CLIP_MODEL_NAME")
    if (baked / "text").is_dir():
        return image, baked / "text"
    text_name = options.text_model_name
    if text_name and text_name != options.clip_model_name:
        return image, hub.fetch(text_name, "TEXT_MODEL_NAME")
    return image, image


def download(options: ModelOptions) -> list[Path]:
    """`weavebind inference download`: bake the configured models into `<models_path>/clip` and `/text`."""
    image = hub.fetch(options.clip_model_name, "CLIP_MODEL_NAME")
    text = hub.fetch(options.text_model_name, "TEXT_MODEL_NAME") if options.text_model_name else image
    targets = [options.models_path / "clip", options.models_path / "text"]
    for source, target in zip((image, text), targets, strict=True):
        hub.copy_model(source, target)
    return targets


class ClipBackend:
    module = MODULE

    def __init__(self, options: ModelOptions, media: Preprocessors):
        image_dir, text_dir = resolve(options)
        image_layout = detect(image_dir, "CLIP_MODEL_NAME")
        text_layout = image_layout if text_dir == image_dir else detect(text_dir, "TEXT_MODEL_NAME")
        if image_layout.kind == "st-text":
            raise ModelUnavailable(f"CLIP_MODEL_NAME: {image_dir} is a text-only model; the image model must be a "
                                   "CLIP model (set TEXT_MODEL_NAME for a separate text model)")
        self.runtime = Runtime(options)
        clip = self.runtime.place(load_clip(image_layout))
        self.encoders = {
            "texts": self._text_encoder(text_layout, image_layout, clip, media),
            "images": Encoder(media[IMAGE_PREPROCESSING[image_layout.kind]],
                              _normalized(clip.encode_image, image_layout), self.runtime, ITEM_SHAPES["images"]),
        }
        self._meta = _meta(image_layout, text_layout)
        log.info("%s: image model %s (%s), text model %s (%s) on %s", MODULE, image_dir, image_layout.kind,
                 text_dir, text_layout.kind, self.runtime.device)

    def _text_encoder(self, layout: Layout, image_layout: Layout, clip: torch.nn.Module,
                      media: Preprocessors) -> Encoder:
        if layout is not image_layout and layout.kind != "st-text":
            clip = self.runtime.place(load_clip(layout))
        if layout.kind != "st-text":
            # the container tokenizes with the checkpoint's CLIPTokenizer(Fast): HF's cleaning, not OpenAI's
            return Encoder(lambda texts: media["texts_hf"](texts)[0], _normalized(clip.encode_text, layout),
                           self.runtime)
        model = self.runtime.place(load_sentence_text(layout))
        tokenize = load_wordpiece(layout, model.encoder.embeddings.position_embeddings.num_embeddings)
        return Encoder(tokenize, model, self.runtime)

    def meta(self) -> dict[str, Any]:
        return self._meta


def _normalized(encode, layout: Layout):
    if not layout.normalize:
        return encode
    return lambda batch: F.normalize(encode(batch), dim=-1)


def _meta(image: Layout, text: Layout) -> dict[str, Any]:
    """As the container's `/meta`: the CLIPModel config for the HF layout; otherwise `clip_model` + `text_model`
    (the raw `config.json` files: the container prints transformers' `to_dict()` of them, defaults filled in)."""
    if image.kind == "clip" and text is image:
        return image.config()
    return {"clip_model": image.config(), "text_model": text.config()}
