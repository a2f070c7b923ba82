"""The pieces of ImageBind (facebookresearch/ImageBind `imagebind/models/*.py`), inference only, each keeping the
attribute names that make up the official checkpoint's keys. Where the reference has a parameter-free module in an
`nn.Sequential` (the rearranges, `SelectElement`, `Dropout`), an `nn.Identity` or a small module holds its index.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from weavebind.vectorizers.models.layers import attend

EPS = 1e-6


class Attention(nn.Module):
    """`torch.nn.MultiheadAttention(bias=True, add_bias_kv=...)`'s parameters, computed batch-first with SDPA.
    `bias_k`/`bias_v` are one extra key/value appended to every sequence, as MultiheadAttention appends them."""

    def __init__(self, dim: int, heads: int, bias_kv: bool):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * dim))
        self.bias_k = nn.Parameter(torch.empty(1, 1, dim)) if bias_kv else None
        self.bias_v = nn.Parameter(torch.empty(1, 1, dim)) if bias_kv else None
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, causal: bool) -> torch.Tensor:
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        if self.bias_k is not None:
            extra = (x.shape[0], 1, x.shape[2])
            k = torch.cat([k, self.bias_k.to(k.dtype).expand(extra)], dim=1)
            v = torch.cat([v, self.bias_v.to(v.dtype).expand(extra)], dim=1)
            if causal:  # never built: the text trunk, the only causal one, has no bias_kv
                raise NotImplementedError("causal attention with bias_kv")
        return self.out_proj(attend(q, k, v, self.heads, causal=causal))


class Mlp(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    """`BlockWithMasking`: x + attn(LN(x)), then x + MLP(LN(x)). Drop path is identity at inference."""

    def __init__(self, dim: int, heads: int, bias_kv: bool):
        super().__init__()
        self.attn = Attention(dim, heads, bias_kv)
        self.norm_1 = nn.LayerNorm(dim, eps=EPS)
        self.mlp = Mlp(dim)
        self.norm_2 = nn.LayerNorm(dim, eps=EPS)

    def forward(self, x: torch.Tensor, causal: bool) -> torch.Tensor:
        x = x + self.attn(self.norm_1(x), causal)
        return x + self.mlp(self.norm_2(x))


class Trunk(nn.Module):
    """`SimpleTransformer`: `pre_transformer_layer` = (LayerNorm or Identity, rearrange), then the blocks."""

    def __init__(self, dim: int, depth: int, heads: int, pre_norm: bool, bias_kv: bool):
        super().__init__()
        first = nn.LayerNorm(dim, eps=EPS) if pre_norm else nn.Identity()
        self.pre_transformer_layer = nn.Sequential(first, nn.Identity())
        self.blocks = nn.Sequential(*(Block(dim, heads, bias_kv) for _ in range(depth)))

    def forward(self, tokens: torch.Tensor, causal: bool = False) -> torch.Tensor:
        x = self.pre_transformer_layer(tokens)
        for block in self.blocks:
            x = block(x, causal)
        return x


class PadIm2Video(nn.Module):
    """An image (B, C, H, W) becomes a 2-frame video by repeating it; a video passes through."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 4:
            x = x.unsqueeze(2)
        return x.repeat(1, 1, 2, 1, 1) if x.shape[2] == 1 else x


class PatchStem(nn.Module):
    """`PatchEmbedGeneric`: `proj` (a conv, or a Sequential of them), flattened to tokens, then `norm_layer`."""

    def __init__(self, proj: nn.Module, norm: nn.Module | None = None):
        super().__init__()
        self.proj = proj
        self.norm_layer = norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x).flatten(2).transpose(1, 2)
        return self.norm_layer(x) if self.norm_layer is not None else x


class PosEmbed(nn.Module):
    """`SpatioTemporalPosEmbeddingHelper(learnable=True)`."""

    def __init__(self, tokens: int, dim: int):
        super().__init__()
        self.pos_embed = nn.Parameter(torch.empty(1, tokens, dim))


class SelectFirst(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0, ...]


class Normalize(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(x, dim=-1, p=2)


class LogitScale(nn.Module):
    """`LearnableLogitScaling`: multiply by min(exp(log_logit_scale), 100); a parameter for text, a buffer (fixed
    scale) for audio, depth, thermal and IMU."""

    def __init__(self, init: float, learnable: bool, max_scale: float = 100.0):
        super().__init__()
        self.max_scale = max_scale
        value = torch.ones([]) * math.log(init)
        if learnable:
            self.log_logit_scale = nn.Parameter(value)
        else:
            self.register_buffer("log_logit_scale", value)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clip(self.log_logit_scale.exp(), max=self.max_scale) * x


def causal_mask(length: int) -> torch.Tensor:
    """The text preprocessor's `mask` buffer (kept for the checkpoint's key; attention uses `is_causal`)."""
    return torch.full((length, length), float("-inf")).triu_(1)
