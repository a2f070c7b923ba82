"""CLIP BPE tokenisation against ImageBind's `SimpleTokenizer` (with ftfy) and Hugging Face's `CLIPTokenizerFast`."""

from __future__ import annotations

import pytest
import torch

from tests.vectorizers.media.golden_cases import golden_tokens
from weavebind.vectorizers.media import (
    EOT_TOKEN,
    SOT_TOKEN,
    VOCAB_SIZE,
    MediaError,
    tokenize,
    tokenize_hf,
)
from weavebind.vectorizers.media.textclean import fix_text, hf_clean, openai_clean
from weavebind.vectorizers.media.tokenizer import get_bpe

# spec/inference.md 3.3, measured with the ImageBind reference code
SPEC_IDS = {
    "A dog.": [49406, 320, 1929, 269, 49407],
    "A car": [49406, 320, 1615, 49407],
    "A bird": [49406, 320, 3329, 49407],
    "This is plane": [49406, 589, 533, 5363, 49407],
}


def _row_ids(row: torch.Tensor) -> list[int]:
    return row[row != 0].tolist()


def test_spec_token_ids():
    ids = tokenize(list(SPEC_IDS))
    assert ids.dtype == torch.int64 and ids.shape == (4, 77)
    for row, expected in zip(ids, SPEC_IDS.values(), strict=True):
        assert _row_ids(row) == expected
        assert row[len(expected) :].eq(0).all()


def test_long_text_keeps_the_end_token_last():
    row = tokenize(" ".join(["word"] * 100))[0]
    assert row.ne(0).sum() == 77
    assert row[0] == SOT_TOKEN and row[-1] == EOT_TOKEN
    assert row[1:-1].eq(2653).all()
    assert int(row.argmax()) == 76  # ImageBind's text head pools at argmax(ids): the end token


def test_context_length_and_single_string():
    assert tokenize("A dog.", context_length=10).shape == (1, 10)
    assert tokenize("a b c d e f g h", context_length=4)[0].tolist() == [SOT_TOKEN, 320, 321, EOT_TOKEN]
    assert tokenize([]).shape == (0, 77)


def test_vocabulary_size():
    bpe = get_bpe()
    assert len(bpe.encoder) == VOCAB_SIZE
    assert bpe.encoder["<|startoftext|>"] == SOT_TOKEN and bpe.encoder["<|endoftext|>"] == EOT_TOKEN


def test_imagebind_golden_ids():
    golden = golden_tokens()
    ids = tokenize(golden["texts"])
    for text, row, expected in zip(golden["texts"], ids, golden["imagebind"], strict=True):
        assert _row_ids(row) == expected, text


def test_hf_golden_ids_and_mask():
    golden = golden_tokens()
    tokens = tokenize_hf(golden["texts"])
    assert tokens.input_ids.shape == tokens.attention_mask.shape == (len(golden["texts"]), 77)
    for text, ids, mask, expected in zip(
        golden["texts"], tokens.input_ids, tokens.attention_mask, golden["hf"], strict=True
    ):
        n = len(expected)
        assert ids[mask == 1].tolist() == expected, text
        assert mask[:n].eq(1).all() and mask[n:].eq(0).all()
        assert ids[n:].eq(EOT_TOKEN).all()  # padded with OpenAI CLIP's pad token, <|endoftext|>


def test_hf_padding_options():
    tokens = tokenize_hf(["A dog.", "A car"], pad_id=0, pad_to_longest=True)
    assert tokens.input_ids.tolist() == [[49406, 320, 1929, 269, 49407], [49406, 320, 1615, 49407, 0]]
    assert tokens.attention_mask.tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]


def test_layouts_differ_only_in_cleaning():
    # ftfy uncurls quotes for ImageBind/OpenAI; Hugging Face's fast tokenizer keeps them
    assert openai_clean("It’s") == "it's" and hf_clean("It’s") == "it’s"
    assert tokenize("A dog.")[0, :5].tolist() == tokenize_hf("A dog.").input_ids[0, :5].tolist()


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("ﬁne", "fine"),
        ("Ｆｕｌｌ　ｗｉｄｔｈ", "Full width"),
        ("“quoted” ‘single’", "\"quoted\" 'single'"),
        ("a\r\nb\rc\u2028d", "a\nb\nc\nd"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("bell\x07\ufeff", "bell"),
        ("\x93smart\x94", '"smart"'),
        ("&rsquo;tis &NTILDE;", "'tis Ñ"),
        ("<p>&rsquo;</p>", "<p>&rsquo;</p>"),  # a line with '<' may be HTML: entities stay (html.unescape follows)
        ("Cafe\u0301", "Café"),
    ],
)
def test_fix_text(text, fixed):
    assert fix_text(text) == fixed


def test_openai_clean():
    assert openai_clean("  Fish &amp;amp; Chips\n\tTODAY ") == "fish & chips today"


def test_non_string_text_is_a_media_error():
    with pytest.raises(MediaError) as info:
        tokenize(["ok", 3])  # type: ignore[list-item]
    assert info.value.modality == "text" and "item 1" in str(info.value)
