"""The two on-disk layouts of CLIP models the container serves, told apart by their files, and their loaders.

- Hugging Face `CLIPModel` (`openai/clip-*`): `config.json` (`model_type: clip`) + weights. The container
  L2-normalises both towers' outputs.
- sentence-transformers (`modules.json`): either one `CLIPModel` module (`clip-ViT-B-32`: `0_CLIPModel/` holds a
  HF `CLIPModel`), or a text model `Transformer` → `Pooling` → `Dense` (`clip-ViT-B-32-multilingual-v1`).
  Vectors are not normalised unless the pipeline ends in a `Normalize` module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from weavebind.vectorizers.models.clip_model import ClipConfig, ClipModel
from weavebind.vectorizers.models.distilbert import (
    Dense,
    DistilBertConfig,
    DistilBertModel,
    Pooling,
    SentenceTextModel,
)
from weavebind.vectorizers.models.errors import ModelUnavailable
from weavebind.vectorizers.models.weights import load_strict, read_directory, strip_prefix

ST_TYPES = ("CLIPModel", "Transformer", "Pooling", "Dense", "Normalize")


@dataclass(frozen=True)
class Layout:
    kind: str                 # "clip" (HF CLIPModel), "st-clip" or "st-text"
    root: Path
    model_dir: Path           # config.json + weights of the first (transformer) module
    normalize: bool
    modules: list[tuple[str, Path]] = field(default_factory=list)  # the ST modules after the first: (type, dir)

    def config(self) -> dict[str, Any]:
        return read_json(self.model_dir / "config.json")


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"{path}: cannot read: {exc}") from None


def detect(root: Path, setting: str) -> Layout:
    if (root / "modules.json").is_file():
        return _detect_sentence_transformers(root, setting)
    config = read_json(root / "config.json") if (root / "config.json").is_file() else {}
    if config.get("model_type") == "clip" or "CLIPModel" in (config.get("architectures") or []):
        return Layout("clip", root, root, normalize=True)
    raise ModelUnavailable(f"{setting}: {root} holds neither a Hugging Face CLIPModel (config.json with model_type "
                           f"clip) nor a sentence-transformers model (modules.json)")


def _detect_sentence_transformers(root: Path, setting: str) -> Layout:
    entries = json.loads((root / "modules.json").read_text())
    kinds = [(entry["type"].rsplit(".", 1)[-1], root / entry.get("path", "")) for entry in entries]
    unknown = [name for name, _ in kinds if name not in ST_TYPES]
    if unknown or not kinds:
        raise ModelUnavailable(f"{setting}: {root}: sentence-transformers module {unknown or 'list'} is not "
                               f"supported; supported: {', '.join(ST_TYPES)}")
    first, first_dir = kinds[0]
    normalize = any(name == "Normalize" for name, _ in kinds)
    rest = [(name, path) for name, path in kinds[1:] if name != "Normalize"]
    if first == "CLIPModel" and not rest:
        return Layout("st-clip", root, first_dir, normalize)
    if first == "Transformer":
        return Layout("st-text", root, first_dir, normalize, rest)
    raise ModelUnavailable(f"{setting}: {root}: unsupported sentence-transformers pipeline "
                           f"{' → '.join(name for name, _ in kinds)}")


def load_clip(layout: Layout) -> ClipModel:
    config = ClipConfig.from_dict(layout.config())
    if config.vision.image_size != 224:
        raise ModelUnavailable(f"{layout.root}: image_size {config.vision.image_size} is not supported "
                               "(the image preprocessing produces 224×224)")
    if config.text.vocab_size != 49408:
        raise ModelUnavailable(f"{layout.root}: vocab_size {config.text.vocab_size} is not supported (the "
                               "tokenizer is CLIP's BPE with 49408 tokens)")
    with torch.device("meta"):
        model = ClipModel(config)
    return load_strict(model, read_directory(layout.model_dir), str(layout.model_dir))


def load_sentence_text(layout: Layout) -> SentenceTextModel:
    config = layout.config()
    if config.get("model_type") != "distilbert":
        raise ModelUnavailable(f"{layout.root}: text model type {config.get('model_type')!r} is not supported; "
                               "the sentence-transformers text models supported are DistilBERT ones")
    if config.get("sinusoidal_pos_embds"):
        raise ModelUnavailable(f"{layout.root}: DistilBERT with sinusoidal_pos_embds is not supported")
    with torch.device("meta"):
        encoder = DistilBertModel(DistilBertConfig.from_dict(config))
    state = strip_prefix(read_directory(layout.model_dir), ("distilbert.", "0.auto_model.", "auto_model."))
    load_strict(encoder, state, str(layout.model_dir))
    pooling, dense = None, []
    for name, path in layout.modules:
        module_config = read_json(path / "config.json")
        if name == "Pooling" and pooling is None:
            pooling = Pooling(module_config)
        elif name == "Dense":
            with torch.device("meta"):
                layer = Dense(module_config)
            dense.append(load_strict(layer, read_directory(path), str(path)))
        else:
            raise ModelUnavailable(f"{layout.root}: module {name} at {path} is not supported here")
    if pooling is None:
        raise ModelUnavailable(f"{layout.root}: a sentence-transformers text model needs a Pooling module")
    return SentenceTextModel(encoder, pooling, dense, layout.normalize).eval()


def load_wordpiece(layout: Layout, max_positions: int):
    """The text model's tokenizer as `SentenceTransformer.encode` runs it: strip (and lower-case when
    `sentence_bert_config.json` says so), WordPiece with [CLS]/[SEP], truncate to `max_seq_length`. Answers
    `texts -> LongTensor (n, 2, max_seq_length)`: ids and attention mask, padded to one fixed length so that
    requests batch together (the model cuts the padding again)."""
    from tokenizers import Tokenizer
    from tokenizers.implementations import BertWordPieceTokenizer

    directory = layout.model_dir
    st_config = _optional_json(layout.root / "sentence_bert_config.json")
    tok_config = _optional_json(directory / "tokenizer_config.json")
    if (directory / "tokenizer.json").is_file():
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    elif (directory / "vocab.txt").is_file():
        tokenizer = BertWordPieceTokenizer(str(directory / "vocab.txt"),
                                           lowercase=tok_config.get("do_lower_case", True),
                                           strip_accents=tok_config.get("strip_accents"),
                                           handle_chinese_chars=tok_config.get("tokenize_chinese_chars", True))
    else:
        raise ModelUnavailable(f"{directory}: no tokenizer.json or vocab.txt")
    length = min(int(st_config.get("max_seq_length") or max_positions), max_positions)
    pad_token = tok_config.get("pad_token", "[PAD]")
    pad_token = pad_token.get("content", "[PAD]") if isinstance(pad_token, dict) else pad_token
    tokenizer.enable_truncation(max_length=length)
    tokenizer.enable_padding(length=length, pad_id=tokenizer.token_to_id(pad_token) or 0, pad_token=pad_token)
    lower = bool(st_config.get("do_lower_case"))

    def tokenize(texts: list[str]) -> torch.Tensor:
        cleaned = [t.strip().lower() if lower else t.strip() for t in texts]
        encodings = tokenizer.encode_batch(cleaned)
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long)
        return torch.stack([ids, mask], dim=1)

    return tokenize


def _optional_json(path: Path) -> dict[str, Any]:
    return read_json(path) if path.is_file() else {}
