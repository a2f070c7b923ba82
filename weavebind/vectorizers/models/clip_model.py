"""CLIP as Hugging Face's `CLIPModel` lays it out: parameter names match its state dict (`text_model.*`,
`vision_model.*`, `text_projection`, `visual_projection`, `logit_scale`), so `openai/clip-*` checkpoints and the
`0_CLIPModel/` folder of sentence-transformers' CLIP models load as they are.

Outputs are the projected pooled features (`get_text_features` / `get_image_features`): the text feature at the
end-of-text token after `final_layer_norm`, the image feature of the class token after `post_layernorm`.
Normalisation is the caller's choice (the container normalises the HF layout, not the sentence-transformers one).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import torch
from torch import nn

from weavebind.vectorizers.models.layers import activation, attend

LEGACY_EOS_ID = 2  # configs written before transformers PR #24773 say 2 and pool at argmax(input_ids)


@dataclass(frozen=True)
class TowerConfig:
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    hidden_act: str = "quick_gelu"
    layer_norm_eps: float = 1e-5
    # text
    vocab_size: int = 49408
    max_position_embeddings: int = 77
    eos_token_id: int = 49407
    # vision
    image_size: int = 224
    patch_size: int = 32
    num_channels: int = 3

    @classmethod
    def from_dict(cls, data: dict[str, Any], defaults: dict[str, Any]) -> TowerConfig:
        names = {f.name for f in fields(cls)}
        merged = {**defaults, **{k: v for k, v in data.items() if k in names and v is not None}}
        return cls(**merged)


TEXT_DEFAULTS = {"hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12, "num_attention_heads": 8}
VISION_DEFAULTS = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12}


@dataclass(frozen=True)
class ClipConfig:
    text: TowerConfig
    vision: TowerConfig
    projection_dim: int = 512

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClipConfig:
        """From a `config.json` of `CLIPModel` (`text_config` / `vision_config`, or the older `*_config_dict`)."""
        text = data.get("text_config") or data.get("text_config_dict") or {}
        vision = data.get("vision_config") or data.get("vision_config_dict") or {}
        return cls(TowerConfig.from_dict(text, TEXT_DEFAULTS), TowerConfig.from_dict(vision, VISION_DEFAULTS),
                   int(data.get("projection_dim") or 512))


class ClipAttention(nn.Module):
    def __init__(self, config: TowerConfig):
        super().__init__()
        dim = config.hidden_size
        self.heads = config.num_attention_heads
        self.k_proj, self.v_proj = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.q_proj, self.out_proj = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, causal: bool) -> torch.Tensor:
        out = attend(self.q_proj(x), self.k_proj(x), self.v_proj(x), self.heads, causal=causal)
        return self.out_proj(out)


class ClipMlp(nn.Module):
    def __init__(self, config: TowerConfig):
        super().__init__()
        self.activation_fn = activation(config.hidden_act, "CLIP hidden_act")
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.activation_fn(self.fc1(x)))


class ClipLayer(nn.Module):
    def __init__(self, config: TowerConfig):
        super().__init__()
        self.self_attn = ClipAttention(config)
        self.layer_norm1 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = ClipMlp(config)
        self.layer_norm2 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, x: torch.Tensor, causal: bool) -> torch.Tensor:
        x = x + self.self_attn(self.layer_norm1(x), causal)
        return x + self.mlp(self.layer_norm2(x))


class ClipEncoder(nn.Module):
    def __init__(self, config: TowerConfig):
        super().__init__()
        self.layers = nn.ModuleList(ClipLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, causal)
        return x


class ClipTextEmbeddings(nn.Module):
    def __init__(self, config: TowerConfig):
        super().__init__()
        self.token_embedding = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position_embedding = nn.Embedding(config.max_position_embeddings, config.hidden_size)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.token_embedding(ids) + self.position_embedding.weight[: ids.shape[1]]


class ClipTextTransformer(nn.Module):
    def __init__(self, config: TowerConfig):
        super().__init__()
        self.eos_token_id = config.eos_token_id
        self.embeddings = ClipTextEmbeddings(config)
        self.encoder = ClipEncoder(config)
        self.final_layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def eos_positions(self, ids: torch.Tensor) -> torch.Tensor:
        if self.eos_token_id == LEGACY_EOS_ID:
            return ids.argmax(dim=-1)
        return (ids == self.eos_token_id).int().argmax(dim=-1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Pooled features of (B, L) token ids. With causal attention nothing after a text's end token reaches
        it, so the batch is cut after the last end token: the same numbers as the padded 77 with less work."""
        eos = self.eos_positions(ids)
        ids = ids[:, : int(eos.max()) + 1]
        hidden = self.final_layer_norm(self.encoder(self.embeddings(ids), causal=True))
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), eos]


class ClipVisionEmbeddings(nn.Module):
    def __init__(self, config: TowerConfig):
        super().__init__()
        dim = config.hidden_size
        self.class_embedding = nn.Parameter(torch.empty(dim))
        self.patch_embedding = nn.Conv2d(config.num_channels, dim, config.patch_size, config.patch_size, bias=False)
        self.position_embedding = nn.Embedding((config.image_size // config.patch_size) ** 2 + 1, dim)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        patches = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        cls = self.class_embedding.to(patches.dtype).expand(patches.shape[0], 1, -1)
        return torch.cat([cls, patches], dim=1) + self.position_embedding.weight


class ClipVisionTransformer(nn.Module):
    def __init__(self, config: TowerConfig):
        super().__init__()
        self.embeddings = ClipVisionEmbeddings(config)
        self.pre_layrnorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)  # sic: HF's name
        self.encoder = ClipEncoder(config)
        self.post_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(self.pre_layrnorm(self.embeddings(pixels)))
        return self.post_layernorm(hidden[:, 0])


class ClipModel(nn.Module):
    def __init__(self, config: ClipConfig):
        super().__init__()
        self.config = config
        self.text_model = ClipTextTransformer(config.text)
        self.vision_model = ClipVisionTransformer(config.vision)
        self.visual_projection = nn.Linear(config.vision.hidden_size, config.projection_dim, bias=False)
        self.text_projection = nn.Linear(config.text.hidden_size, config.projection_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(2.6592))  # unused for embeddings; kept for the keys

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        return self.text_projection(self.text_model(ids))

    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.visual_projection(self.vision_model(pixels))
