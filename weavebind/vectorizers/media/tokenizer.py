"""CLIP's byte-level BPE tokenizer (OpenAI CLIP, ImageBind and Hugging Face CLIP share its vocabulary and merges).

The vocabulary file ships with this package (MIT, see NOTICE). Ids: 256 byte tokens, the same 256 with `</w>`,
48,894 merges, then `<|startoftext|>` = 49406 and `<|endoftext|>` = 49407 (49,408 in all).

Truncation keeps the end token last (ImageBind's "EOS fix", and Hugging Face's `truncation=True`):
`[sot] + bpe[:context_length - 2] + [eot]`. Both model heads pool at the end token, so a long text is cut, never
left without its end token (the old ImageBind code dropped it; Weaviate's CLIP container fails the whole request).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import NamedTuple

import regex
import torch

from weavebind.vectorizers.media.errors import MediaError
from weavebind.vectorizers.media.textclean import hf_clean, openai_clean

SOT_TOKEN = 49406
EOT_TOKEN = 49407
VOCAB_SIZE = 49408
CONTEXT_LENGTH = 77
_VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
_NUM_MERGES = 49152 - 256 - 2
_SPECIALS = ("<|startoftext|>", "<|endoftext|>")
_SPLIT = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)


def bytes_to_unicode() -> dict[int, str]:
    """CLIP's reversible map from the 256 byte values to printable characters (GPT-2's table)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars), strict=True))


class BPE:
    """The merges and the encoder of the vocabulary file; `encode` gives the BPE ids of one cleaned text."""

    def __init__(self, merges: Sequence[tuple[str, str]]):
        self.byte_encoder = bytes_to_unicode()
        vocab = list(self.byte_encoder.values())
        vocab += [v + "</w>" for v in vocab]
        vocab += ["".join(merge) for merge in merges]
        vocab += list(_SPECIALS)
        self.encoder = {token: i for i, token in enumerate(vocab)}
        self.ranks = {merge: i for i, merge in enumerate(merges)}
        self.cache: dict[str, list[int]] = {s: [self.encoder[s]] for s in _SPECIALS}

    def encode(self, cleaned: str, limit: int | None = None) -> list[int]:
        """The BPE ids of `cleaned`; with `limit`, at least its first `limit` ids (a long text stops early)."""
        ids: list[int] = []
        for match in _SPLIT.finditer(cleaned):
            ids.extend(self._word_ids("".join(self.byte_encoder[b] for b in match.group().encode("utf-8"))))
            if limit is not None and len(ids) >= limit:
                break
        return ids

    def _word_ids(self, token: str) -> list[int]:
        if token in self.cache:
            return self.cache[token]
        word = [*token[:-1], token[-1] + "</w>"]
        while len(word) > 1:
            pairs = zip(word, word[1:], strict=False)
            best = min(pairs, key=lambda pair: self.ranks.get(pair, _NUM_MERGES))
            if best not in self.ranks:
                break
            word = _merge(word, best)
        ids = [self.encoder[part] for part in word]
        if len(self.cache) < 100_000:
            self.cache[token] = ids
        return ids


def _merge(word: list[str], pair: tuple[str, str]) -> list[str]:
    first, second = pair
    merged: list[str] = []
    i = 0
    while i < len(word):
        if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
            merged.append(first + second)
            i += 2
        else:
            merged.append(word[i])
            i += 1
    return merged


@cache
def get_bpe() -> BPE:
    """The BPE of the packaged vocabulary file, read once per process."""
    data = resources.files(__package__).joinpath(_VOCAB_FILE).read_bytes()
    lines = gzip.decompress(data).decode("utf-8").split("\n")[1 : _NUM_MERGES + 1]
    return BPE([tuple(line.split()) for line in lines])  # type: ignore[misc]


class HFTokens(NamedTuple):
    input_ids: torch.Tensor
    attention_mask: torch.Tensor


def _as_list(texts: str | Iterable[str]) -> list[str]:
    items = [texts] if isinstance(texts, str) else list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise MediaError("text", f"item {i} is {type(text).__name__}, expected a string")
    return items


def token_ids(text: str, context_length: int = CONTEXT_LENGTH, *, clean=openai_clean) -> list[int]:
    """`[sot] + bpe + [eot]` of one text, cut to `context_length` with the end token kept last."""
    if context_length < 2:
        raise ValueError("context_length must be at least 2")
    return [SOT_TOKEN, *get_bpe().encode(clean(text), context_length)][: context_length - 1] + [EOT_TOKEN]


def tokenize(texts: str | Iterable[str], context_length: int = CONTEXT_LENGTH) -> torch.Tensor:
    """OpenAI CLIP / ImageBind layout: `LongTensor[n, context_length]`, each row `[sot] + bpe + [eot]` padded
    with 0 (ImageBind's `load_and_transform_text`; its text head pools at `argmax(ids)`, the end token).
    Cleaning as `SimpleTokenizer`: ftfy-like fixes, HTML unescaping, whitespace collapsed, lower case."""
    rows = [token_ids(text, context_length) for text in _as_list(texts)]
    out = torch.zeros(len(rows), context_length, dtype=torch.long)
    for i, ids in enumerate(rows):
        out[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
    return out


def tokenize_hf(
    texts: str | Iterable[str],
    context_length: int = CONTEXT_LENGTH,
    *,
    pad_id: int = EOT_TOKEN,
    pad_to_longest: bool = False,
) -> HFTokens:
    """Hugging Face CLIP layout (`CLIPTokenizerFast(..., padding=True, truncation=True)`): `input_ids` and
    `attention_mask`, both `LongTensor[n, L]`, with L = `context_length`, or the longest row when `pad_to_longest`
    (what `padding=True` gives; the causal text model gives the same vectors either way). Padding uses `pad_id`
    (the checkpoint's pad token: `<|endoftext|>` = 49407 for OpenAI's CLIP checkpoints). Cleaning is the fast
    tokenizer's normaliser only (NFC, lower case; no ftfy, no HTML unescaping)."""
    rows = [token_ids(text, context_length, clean=hf_clean) for text in _as_list(texts)]
    width = max((len(ids) for ids in rows), default=0) if pad_to_longest else context_length
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, ids in enumerate(rows):
        input_ids[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        mask[i, : len(ids)] = 1
    return HFTokens(input_ids, mask)
