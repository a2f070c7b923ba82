"""Tiny models of the real architectures, random weights, written in the real on-disk formats:

- `save_hf_clip`: a Hugging Face `CLIPModel` directory (config.json + model.safetensors), as `openai/clip-*`.
- `save_st_clip`: sentence-transformers' `clip-ViT-B-32` layout (modules.json + 0_CLIPModel/).
- `save_st_text`: sentence-transformers' `clip-ViT-B-32-multilingual-v1` layout (DistilBERT at the root,
  1_Pooling/, 2_Dense/ with pytorch_model.bin as ST 2.x wrote it, vocab.txt).
- `save_imagebind`: an `imagebind_huge.pth`-style state dict (torch.save), narrow and one block deep, with the
  config file beside it that gives its head counts (which differ from `imagebind_huge`'s).
Sizes only differ from the real ones where the architecture allows (widths, depths); input sizes stay real.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

from weavebind.vectorizers.models.clip_model import ClipConfig, ClipModel
from weavebind.vectorizers.models.distilbert import Dense, DistilBertConfig, DistilBertModel
from weavebind.vectorizers.models.imagebind_model import ImageBindConfig, ImageBindModel
from weavebind.vectorizers.models.weights import init_random_

DIM = 16  # the embedding size of every tiny model
CLIP_CONFIG = {
    "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": DIM,
    "text_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                    "max_position_embeddings": 77, "vocab_size": 49408, "hidden_act": "quick_gelu",
                    "eos_token_id": 2},
    "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                      "image_size": 224, "patch_size": 32, "hidden_act": "quick_gelu"},
}
DISTILBERT_CONFIG = {"architectures": ["DistilBertModel"], "model_type": "distilbert", "vocab_size": 64, "dim": 32,
                     "n_layers": 2, "n_heads": 4, "hidden_dim": 64, "max_position_embeddings": 64,
                     "activation": "gelu", "sinusoidal_pos_embds": False, "pad_token_id": 0}
WORDS = ["a", "dog", "cat", "car", "bird", "the", "in", "snow", "eine", "katze", "una", "playa", "photo", "of",
         "##s", "##ing", "blue", "red", "und", "y", ".", ","]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
MAX_SEQ_LENGTH = 12
IMAGEBIND_SIZES = {"vision": (32, 1, 4), "text": (32, 1, 2), "audio": (24, 1, 3), "depth": (16, 1, 2),
                   "thermal": (24, 1, 6), "imu": (16, 1, 4)}


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def _save_clip_dir(directory: Path, seed: int) -> None:
    model = init_random_(ClipModel(ClipConfig.from_dict(CLIP_CONFIG)), seed=seed)
    _write_json(directory / "config.json", CLIP_CONFIG)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(directory / "model.safetensors"))
    _write_json(directory / "preprocessor_config.json", {"crop_size": 224, "do_center_crop": True, "size": 224,
                                                         "image_mean": [0.48145466, 0.4578275, 0.40821073],
                                                         "image_std": [0.26862954, 0.26130258, 0.27577711]})


def save_hf_clip(directory: Path, seed: int = 1) -> Path:
    _save_clip_dir(directory, seed)
    return directory


def save_st_clip(directory: Path, seed: int = 2) -> Path:
    _save_clip_dir(directory / "0_CLIPModel", seed)
    _write_json(directory / "config_sentence_transformers.json", {"__version__": {"sentence_transformers": "3.2.1"}})
    (directory / "modules.json").write_text(json.dumps(
        [{"idx": 0, "name": "0", "path": "0_CLIPModel", "type": "sentence_transformers.models.CLIPModel"}]))
    return directory


def save_st_text(directory: Path, seed: int = 3) -> Path:
    config = DistilBertConfig.from_dict(DISTILBERT_CONFIG)
    encoder = init_random_(DistilBertModel(config), seed=seed)
    _write_json(directory / "config.json", DISTILBERT_CONFIG)
    save_file(encoder.state_dict(), str(directory / "model.safetensors"))
    (directory / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    _write_json(directory / "tokenizer_config.json", {"do_lower_case": False, "model_max_length": 64})
    _write_json(directory / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(directory / "1_Pooling" / "config.json", {
        "word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    dense_config = {"in_features": 32, "out_features": DIM, "bias": False,
                    "activation_function": "torch.nn.modules.linear.Identity"}
    dense = init_random_(Dense(dense_config), seed=seed + 1, std=0.2)
    _write_json(directory / "2_Dense" / "config.json", dense_config)
    torch.save(dense.state_dict(), directory / "2_Dense" / "pytorch_model.bin")
    (directory / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]))
    return directory


def build_imagebind(seed: int = 4, sizes: dict | None = None) -> ImageBindModel:
    config = ImageBindConfig(dict(sizes or IMAGEBIND_SIZES), DIM)
    return init_random_(ImageBindModel(config), seed=seed, std=0.05)


def imagebind_config(sizes: dict | None = None) -> dict:
    """The config file's content for `sizes` (modality → width, depth, heads)."""
    modalities = {m: {"heads": heads, "dim": dim, "depth": depth}
                  for m, (dim, depth, heads) in (sizes or IMAGEBIND_SIZES).items()}
    return {"modalities": modalities, "out_dim": DIM}


def save_imagebind(path: Path, seed: int = 4, sizes: dict | None = None, config: bool = True) -> Path:
    """The checkpoint at `path` and, with `config`, `<path stem>.json` beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(build_imagebind(seed, sizes).state_dict(), path)
    if config:
        _write_json(path.with_suffix(".json"), imagebind_config(sizes))
    return path
