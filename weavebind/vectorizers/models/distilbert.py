"""A sentence-transformers text model of the DistilBERT family, e.g. `clip-ViT-B-32-multilingual-v1`:
`Transformer` (DistilBERT) → `Pooling` → `Dense` (→ `Normalize`), the modules its `modules.json` lists.

Parameter names match `transformers.DistilBertModel` (`embeddings.*`, `transformer.layer.N.*`) and ST's `Dense`
(`linear.weight`, `linear.bias`). Inputs come from the model's own WordPiece tokenizer (`tokenizers`), truncated
to `max_seq_length` (`sentence_bert_config.json`), as `SentenceTransformer.encode` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from weavebind.vectorizers.models.layers import activation, attend

LAYER_NORM_EPS = 1e-12
DENSE_ACTIVATIONS = {"torch.nn.modules.linear.Identity": nn.Identity, "torch.nn.modules.activation.Tanh": nn.Tanh}
# Legacy `pooling_mode_<x>` flags → the mode names of newer configs (`"pooling_mode": "mean"`), in ST's order.
LEGACY_POOLING = {"pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max",
                  "pooling_mode_mean_tokens": "mean", "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens"}
POOLING_MODES = tuple(LEGACY_POOLING.values())


@dataclass(frozen=True)
class DistilBertConfig:
    vocab_size: int = 119547
    dim: int = 768
    n_layers: int = 6
    n_heads: int = 12
    hidden_dim: int = 3072
    max_position_embeddings: int = 512
    activation: str = "gelu"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DistilBertConfig:
        keys = ("vocab_size", "dim", "n_layers", "n_heads", "hidden_dim", "max_position_embeddings", "activation")
        return cls(**{k: data[k] for k in keys if k in data})


class DistilBertAttention(nn.Module):
    def __init__(self, config: DistilBertConfig):
        super().__init__()
        self.heads = config.n_heads
        self.q_lin, self.k_lin = nn.Linear(config.dim, config.dim), nn.Linear(config.dim, config.dim)
        self.v_lin, self.out_lin = nn.Linear(config.dim, config.dim), nn.Linear(config.dim, config.dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.out_lin(attend(self.q_lin(x), self.k_lin(x), self.v_lin(x), self.heads, key_mask=mask))


class FFN(nn.Module):
    def __init__(self, config: DistilBertConfig):
        super().__init__()
        self.lin1 = nn.Linear(config.dim, config.hidden_dim)
        self.lin2 = nn.Linear(config.hidden_dim, config.dim)
        self.activation = activation(config.activation, "DistilBERT activation")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin2(self.activation(self.lin1(x)))


class TransformerBlock(nn.Module):
    """Post-norm, as BERT: LN(x + attention(x)), then LN(x + FFN(x))."""

    def __init__(self, config: DistilBertConfig):
        super().__init__()
        self.attention = DistilBertAttention(config)
        self.sa_layer_norm = nn.LayerNorm(config.dim, eps=LAYER_NORM_EPS)
        self.ffn = FFN(config)
        self.output_layer_norm = nn.LayerNorm(config.dim, eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(x) + x)


class Embeddings(nn.Module):
    def __init__(self, config: DistilBertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.dim)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.dim)
        self.LayerNorm = nn.LayerNorm(config.dim, eps=LAYER_NORM_EPS)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings.weight[: ids.shape[1]])


class Transformer(nn.Module):
    def __init__(self, config: DistilBertConfig):
        super().__init__()
        self.layer = nn.ModuleList(TransformerBlock(config) for _ in range(config.n_layers))


class DistilBertModel(nn.Module):
    def __init__(self, config: DistilBertConfig):
        super().__init__()
        self.embeddings = Embeddings(config)
        self.transformer = Transformer(config)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.embeddings(ids)
        for block in self.transformer.layer:
            x = block(x, mask)
        return x


class Pooling(nn.Module):
    """sentence-transformers' `Pooling`: the enabled modes, concatenated in ST's order."""

    def __init__(self, config: dict[str, Any]):
        super().__init__()
        modes = config.get("pooling_mode")
        if modes is None:
            modes = [LEGACY_POOLING.get(k, k) for k, v in config.items() if k.startswith("pooling_mode_") and v]
        self.modes = [modes] if isinstance(modes, str) else list(modes)
        unsupported = [m for m in self.modes if m not in POOLING_MODES]
        if unsupported or not self.modes:
            raise ValueError(f"Pooling: mode {unsupported or 'none'} is not supported; supported: "
                             f"{', '.join(POOLING_MODES)}")

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(-1).to(tokens.dtype)
        counts = torch.clamp(keep.sum(1), min=1e-9)
        out = []
        for mode in self.modes:
            if mode == "cls":
                out.append(tokens[:, 0])
            elif mode == "max":
                out.append(tokens.masked_fill(keep == 0, -1e9).max(1).values)
            else:
                summed = (tokens * keep).sum(1)
                out.append(summed / (counts if mode == "mean" else torch.sqrt(counts)))
        return torch.cat(out, dim=1)


class Dense(nn.Module):
    def __init__(self, config: dict[str, Any]):
        super().__init__()
        name = config.get("activation_function", "torch.nn.modules.activation.Tanh")
        if name not in DENSE_ACTIVATIONS:
            raise ValueError(f"Dense: activation {name} is not supported; supported: {', '.join(DENSE_ACTIVATIONS)}")
        self.linear = nn.Linear(config["in_features"], config["out_features"], bias=config.get("bias", True))
        self.activation = DENSE_ACTIVATIONS[name]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.linear(x))


class SentenceTextModel(nn.Module):
    """DistilBERT → Pooling → Dense layers → optional L2 normalisation. Input: (B, 2, L) = ids and mask."""

    def __init__(self, encoder: DistilBertModel, pooling: Pooling, dense: list[Dense], normalize: bool):
        super().__init__()
        self.encoder, self.pooling = encoder, pooling
        self.dense = nn.ModuleList(dense)
        self.normalize = normalize

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        ids, mask = batch[:, 0], batch[:, 1].bool()
        length = int(mask.sum(1).max())  # the padding after the longest text changes nothing; cut it
        ids, mask = ids[:, :length], mask[:, :length]
        out = self.pooling(self.encoder(ids, mask), mask)
        for layer in self.dense:
            out = layer(out)
        return F.normalize(out, dim=-1) if self.normalize else out
