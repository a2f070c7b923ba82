"""The parameter names of the models are those of the real checkpoints, so `imagebind_huge.pth`, `openai/clip-*`
and sentence-transformers' CLIP models load strictly. The expected names are written out from the reference code
(IB `imagebind/models/*.py`, transformers' `CLIPModel` and `DistilBertModel`, ST's `Dense`), independently of
the models here; `test_reference_parity.py` checks the same against the reference code itself where installed."""

from __future__ import annotations

import re

import torch
from safetensors.torch import load_file

from tests.vectorizers.models import tiny
from weavebind.vectorizers.models.clip_model import ClipConfig, ClipModel
from weavebind.vectorizers.models.imagebind_model import ImageBindModel

M = r"(vision|text|audio|depth|thermal|imu)"
PATCHED = r"(audio|thermal)"
IMAGEBIND_KEYS = [
    r"modality_preprocessors\.vision\.(cls_token|rgbt_stem\.proj\.1\.weight|pos_embedding_helper\.pos_embed)",
    r"modality_preprocessors\.text\.(pos_embed|mask|token_embedding\.weight)",
    rf"modality_preprocessors\.{PATCHED}\.(cls_token|rgbt_stem\.proj\.weight|rgbt_stem\.norm_layer\.(weight|bias)"
    r"|pos_embedding_helper\.pos_embed)",
    r"modality_preprocessors\.depth\.(cls_token|depth_stem\.proj\.weight|depth_stem\.norm_layer\.(weight|bias)"
    r"|pos_embedding_helper\.pos_embed)",
    r"modality_preprocessors\.imu\.(pos_embed|cls_token|imu_stem\.proj\.weight|imu_stem\.norm_layer\.(weight|bias))",
    r"modality_trunks\.vision\.pre_transformer_layer\.0\.(weight|bias)",
    rf"modality_trunks\.{M}\.blocks\.\d+\.attn\.(in_proj_weight|in_proj_bias|out_proj\.(weight|bias))",
    r"modality_trunks\.(audio|depth|thermal|imu)\.blocks\.\d+\.attn\.bias_[kv]",
    rf"modality_trunks\.{M}\.blocks\.\d+\.(norm_[12]|mlp\.fc[12])\.(weight|bias)",
    r"modality_heads\.(vision|audio|depth|thermal)\.(0\.(weight|bias)|2\.weight)",
    r"modality_heads\.imu\.(0\.(weight|bias)|3\.weight)",
    r"modality_heads\.text\.proj\.(0\.(weight|bias)|1\.weight)",
    r"modality_postprocessors\.(text|audio|depth|thermal|imu)\.1\.log_logit_scale",
]
# Measured on the reference `imagebind_huge()` (spec inference.md 3.2), per modality and in all.
HUGE_PARAMETERS = {"vision": 632_829_440, "text": 354_032_641, "audio": 86_235_648, "depth": 21_871_872,
                   "thermal": 86_211_072, "imu": 19_600_384}
LAYER = r"encoder\.layers\.\d+\.(self_attn\.[qkv]_proj|self_attn\.out_proj|layer_norm[12]|mlp\.fc[12])\.(weight|bias)"
CLIP_KEYS = [
    r"logit_scale", r"(text|visual)_projection\.weight",
    rf"(text|vision)_model\.{LAYER}",
    r"text_model\.embeddings\.(token|position)_embedding\.weight", r"text_model\.final_layer_norm\.(weight|bias)",
    r"vision_model\.embeddings\.(class_embedding|patch_embedding\.weight|position_embedding\.weight)",
    r"vision_model\.(pre_layrnorm|post_layernorm)\.(weight|bias)",
]
DISTILBERT_KEYS = [
    r"embeddings\.(word_embeddings|position_embeddings)\.weight", r"embeddings\.LayerNorm\.(weight|bias)",
    r"transformer\.layer\.\d+\.(attention\.(q_lin|k_lin|v_lin|out_lin)|sa_layer_norm|ffn\.lin[12]"
    r"|output_layer_norm)\.(weight|bias)",
]


def assert_named(keys: set[str], patterns: list[str]) -> None:
    stray = sorted(k for k in keys if not any(re.fullmatch(p, k) for p in patterns))
    unused = [p for p in patterns if not any(re.fullmatch(p, k) for k in keys)]
    assert not stray and not unused, (stray[:10], unused)


def test_imagebind_huge_has_the_reference_names_and_sizes():
    with torch.device("meta"):
        model = ImageBindModel()
    keys = set(model.state_dict())
    assert_named(keys, IMAGEBIND_KEYS)
    assert len(keys) == 1311  # parameters and the persistent buffers (text mask, fixed logit scales)
    for modality, count in HUGE_PARAMETERS.items():
        assert sum(p.numel() for n, p in model.named_parameters() if f".{modality}." in n) == count, modality
    assert sum(p.numel() for p in model.parameters()) == 1_200_781_057
    blocks = {m: len(model.modality_trunks[m].blocks) for m in HUGE_PARAMETERS}
    assert blocks == {"vision": 32, "text": 24, "audio": 12, "depth": 12, "thermal": 12, "imu": 6}


def test_tiny_imagebind_file_has_the_same_names(tiny_models):
    state = torch.load(tiny_models.imagebind, weights_only=True)
    assert_named(set(state), IMAGEBIND_KEYS)
    assert state["modality_postprocessors.audio.1.log_logit_scale"].exp() == torch.tensor(20.0)


def test_clip_files_have_the_hugging_face_names(tiny_models):
    for path in (tiny_models.hf_clip / "model.safetensors", tiny_models.st_clip / "0_CLIPModel" / "model.safetensors"):
        assert_named(set(load_file(str(path))), CLIP_KEYS)


def test_clip_vit_b32_has_the_reference_size():
    """openai/clip-vit-base-patch32 (the default clip-ViT-B-32): 151,277,313 parameters in transformers."""
    with torch.device("meta"):
        model = ClipModel(ClipConfig.from_dict({"projection_dim": 512, "text_config": {}, "vision_config": {}}))
    assert sum(p.numel() for p in model.parameters()) == 151_277_313
    assert_named(set(model.state_dict()), CLIP_KEYS)


def test_sentence_transformers_text_model_files_have_the_reference_names(tiny_models):
    assert_named(set(load_file(str(tiny_models.st_text / "model.safetensors"))), DISTILBERT_KEYS)
    dense = torch.load(tiny_models.st_text / "2_Dense" / "pytorch_model.bin", weights_only=True)
    assert set(dense) == {"linear.weight"} and dense["linear.weight"].shape == (tiny.DIM, 32)
