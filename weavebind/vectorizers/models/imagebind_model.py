"""ImageBind `imagebind_huge` (facebookresearch/ImageBind `imagebind/models/imagebind_model.py`), inference only.

Parameter and buffer names are those of the official checkpoint `imagebind_huge.pth`
(`modality_preprocessors.<m>.*`, `modality_trunks.<m>.blocks.N.*`, `modality_heads.<m>.*`,
`modality_postprocessors.<m>.1.log_logit_scale`), so it loads strictly. `ImageBindConfig` holds each modality's
width, depth and head count; `imagebind_config.resolve` decides them for a checkpoint (the weights hold no head
counts), so a smaller model of the same architecture loads the same way.

`encode(modality, x)`: an input with 5 or more dimensions is (B, S, ...) clips; they run as B·S items through
preprocessor, trunk, head and postprocessor, and the S vectors of an item are averaged after normalising and
scaling, exactly as the reference `forward` does (audio: 3 clips, video: 15).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from weavebind.vectorizers.models.imagebind_parts import (
    LogitScale,
    Normalize,
    PadIm2Video,
    PatchStem,
    PosEmbed,
    SelectFirst,
    Trunk,
    causal_mask,
)

MODALITIES = ("vision", "text", "audio", "depth", "thermal", "imu")
# (dim, blocks, heads) of imagebind_huge, and the constants of its preprocessors.
HUGE = {"vision": (1280, 32, 16), "text": (1024, 24, 16), "audio": (768, 12, 12), "depth": (384, 12, 8),
        "thermal": (768, 12, 12), "imu": (512, 6, 8)}
POSTPROCESS_SCALES = {"text": (1 / 0.07, True), "audio": (20.0, False), "depth": (5.0, False),
                      "thermal": (10.0, False), "imu": (5.0, False)}
TOKENS = {"vision": 1 + 16 * 16, "text": 77, "audio": 1 + 12 * 19, "depth": 1 + 14 * 14, "thermal": 1 + 14 * 14,
          "imu": 1 + 2000 // 8}
PRE_NORM = {"vision"}
BIAS_KV = {"audio", "depth", "thermal", "imu"}
VOCAB = 49408


@dataclass(frozen=True)
class ImageBindConfig:
    sizes: dict[str, tuple[int, int, int]] = field(default_factory=lambda: dict(HUGE))  # modality → dim, depth, heads
    out_dim: int = 1024


def _preprocessors(sizes: dict[str, tuple[int, int, int]]) -> nn.ModuleDict:
    dims = {m: s[0] for m, s in sizes.items()}
    conv3d = nn.Conv3d(3, dims["vision"], kernel_size=(2, 14, 14), stride=(2, 14, 14), bias=False)
    return nn.ModuleDict({
        "vision": PatchPreprocessor("rgbt_stem", PatchStem(nn.Sequential(PadIm2Video(), conv3d)),
                                    TOKENS["vision"], dims["vision"]),
        "text": TextPreprocessor(dims["text"]),
        "audio": PatchPreprocessor("rgbt_stem", _conv_stem(dims["audio"], 16, 10), TOKENS["audio"], dims["audio"]),
        "depth": PatchPreprocessor("depth_stem", _conv_stem(dims["depth"], 16, 16), TOKENS["depth"], dims["depth"]),
        "thermal": PatchPreprocessor("rgbt_stem", _conv_stem(dims["thermal"], 16, 16), TOKENS["thermal"],
                                     dims["thermal"]),
        "imu": ImuPreprocessor(dims["imu"]),
    })


def _conv_stem(dim: int, kernel: int, stride: int) -> PatchStem:
    return PatchStem(nn.Conv2d(1, dim, kernel_size=kernel, stride=stride, bias=False), nn.LayerNorm(dim))


class PatchPreprocessor(nn.Module):
    """`RGBDTPreprocessor` (and its audio/thermal subclasses): patches, a class token, learnable positions."""

    def __init__(self, stem_name: str, stem: PatchStem, tokens: int, dim: int):
        super().__init__()
        self.stem_name = stem_name
        setattr(self, stem_name, stem)
        self.cls_token = nn.Parameter(torch.empty(1, 1, dim))
        self.pos_embedding_helper = PosEmbed(tokens, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = getattr(self, self.stem_name)(x)
        tokens = torch.cat([self.cls_token.expand(tokens.shape[0], -1, -1), tokens], dim=1)
        pos = self.pos_embedding_helper.pos_embed
        if tokens.shape[1] != pos.shape[1]:  # the reference would interpolate; preprocessing never needs it
            raise ValueError(f"input gives {tokens.shape[1]} tokens, the model has {pos.shape[1]} positions")
        return tokens + pos


class TextPreprocessor(nn.Module):
    def __init__(self, dim: int, context: int = 77):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCAB, dim)
        self.pos_embed = nn.Parameter(torch.empty(1, context, dim))
        self.register_buffer("mask", causal_mask(context))

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Tokens and each text's end position (`argmax(ids)`: the end token has the highest id). Causal
        attention keeps everything after a text's end token away from it, so the batch is cut after the last
        one: the reference's numbers at the positions the head reads, with less work."""
        eos = ids.argmax(dim=-1)
        length = int(eos.max()) + 1
        return self.token_embedding(ids[:, :length]) + self.pos_embed[:, :length], eos


class ImuPreprocessor(nn.Module):
    """(B, 6, 2000) → 250 windows of 8 samples × 6 channels = (B, 250, 48) → Linear → LN, class token, positions."""

    def __init__(self, dim: int, kernel: int = 8):
        super().__init__()
        self.kernel = kernel
        self.pos_embed = nn.Parameter(torch.empty(1, TOKENS["imu"], dim))
        self.cls_token = nn.Parameter(torch.empty(1, 1, dim))
        self.imu_stem = PatchStem(nn.Linear(6 * kernel, dim, bias=False), nn.LayerNorm(dim))

    def forward(self, imu: torch.Tensor) -> torch.Tensor:
        x = imu.unfold(-1, self.kernel, self.kernel).permute(0, 2, 1, 3)
        x = x.reshape(x.shape[0], x.shape[1], -1)
        tokens = self.imu_stem.norm_layer(self.imu_stem.proj(x))
        tokens = torch.cat([self.cls_token.expand(tokens.shape[0], -1, -1), tokens], dim=1)
        return tokens + self.pos_embed


class TextHead(nn.Module):
    """`SelectEOSAndProject`: the feature at each text's end token → LN → Linear."""

    def __init__(self, dim: int, out_dim: int):
        super().__init__()
        self.proj = nn.Sequential(nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, out_dim, bias=False))

    def forward(self, x: torch.Tensor, eos: torch.Tensor) -> torch.Tensor:
        return self.proj(x[torch.arange(x.shape[0], device=x.device), eos])


def _head(modality: str, dim: int, out_dim: int) -> nn.Module:
    if modality == "text":
        return TextHead(dim, out_dim)
    middle = [SelectFirst(), nn.Dropout(0.5)] if modality == "imu" else [SelectFirst()]
    return nn.Sequential(nn.LayerNorm(dim, eps=1e-6), *middle, nn.Linear(dim, out_dim, bias=False))


def _postprocessor(modality: str) -> nn.Module:
    if modality == "vision":
        return Normalize()
    init, learnable = POSTPROCESS_SCALES[modality]
    return nn.Sequential(Normalize(), LogitScale(init, learnable))


class ImageBindModel(nn.Module):
    def __init__(self, config: ImageBindConfig | None = None):
        super().__init__()
        self.config = config = config or ImageBindConfig()
        sizes = config.sizes
        self.modality_preprocessors = _preprocessors(sizes)
        self.modality_trunks = nn.ModuleDict({
            m: Trunk(dim, depth, heads, m in PRE_NORM, m in BIAS_KV) for m, (dim, depth, heads) in sizes.items()})
        self.modality_heads = nn.ModuleDict({m: _head(m, sizes[m][0], config.out_dim) for m in MODALITIES})
        self.modality_postprocessors = nn.ModuleDict({m: _postprocessor(m) for m in MODALITIES})

    def encode(self, modality: str, x: torch.Tensor) -> torch.Tensor:
        clips = x.ndim >= 5
        if clips:
            batch, count = x.shape[:2]
            x = x.reshape(batch * count, *x.shape[2:])
        if modality == "text":
            tokens, eos = self.modality_preprocessors["text"](x)
            out = self.modality_heads["text"](self.modality_trunks["text"](tokens, causal=True), eos)
        else:
            tokens = self.modality_preprocessors[modality](x)
            out = self.modality_heads[modality](self.modality_trunks[modality](tokens))
        out = self.modality_postprocessors[modality](out)
        return out.reshape(batch, count, -1).mean(dim=1) if clips else out

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The reference's signature: modality → input, answered modality → (B, out_dim)."""
        return {modality: self.encode(modality, value) for modality, value in inputs.items()}
