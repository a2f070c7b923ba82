"""Text cleaning before CLIP BPE, without ftfy.

`openai_clean` is the cleaning of OpenAI's and ImageBind's `SimpleTokenizer` (`ftfy.fix_text`, `html.unescape` twice,
whitespace collapsed, lower case). ftfy's fixes are reimplemented here one by one with ftfy 6's defaults and order,
all but one: `fix_encoding`, ftfy's heuristic repair of mojibake (UTF-8 decoded as Windows-1252 and the like). Text
that is not mojibake is cleaned exactly as ftfy cleans it; mojibake is tokenised as it comes.

`hf_clean` is the normaliser of Hugging Face's fast `CLIPTokenizerFast` (NFC, whitespace collapsed, lower case), the
tokenizer behind the sentence-transformers and `CLIPModel` checkpoints that Weaviate's CLIP container serves.
"""

from __future__ import annotations

import html
import html.entities
import re
import unicodedata
from functools import cache

_WHITESPACE = re.compile(r"\s+")
_HTML_ENTITY = re.compile(r"&#?[0-9A-Za-z]{1,24};")
_C1_CONTROL = re.compile(r"[\x80-\x9f]")
_SINGLE_QUOTE = re.compile("[\u02bc\u2018-\u201b]")
_DOUBLE_QUOTE = re.compile("[\u201c-\u201f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_ANSI_ESCAPE = re.compile("\033\\[((?:\\d|;)*)([a-zA-Z])")

_LIGATURES = {
    ord(k): v
    for k, v in {
        "Ĳ": "IJ", "ĳ": "ij", "ŉ": "ʼn", "Ǳ": "DZ", "ǲ": "Dz", "ǳ": "dz", "Ǆ": "DŽ", "ǅ": "Dž", "ǆ": "dž",
        "Ǉ": "LJ", "ǈ": "Lj", "ǉ": "lj", "Ǌ": "NJ", "ǋ": "Nj", "ǌ": "nj", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl",
        "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "ſt", "ﬆ": "st",
    }.items()
}
_CONTROL_CHARS = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F, *range(0x206A, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFD)]
)
# Windows-1252 leaves five bytes undefined; browsers (and ftfy's "sloppy" codec) keep them as the same code point.
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


@cache
def _width_map() -> dict[int, str]:
    width = {0x3000: " "}
    for i in range(0xFF01, 0xFFF0):
        alternate = unicodedata.normalize("NFKC", chr(i))
        if alternate != chr(i):
            width[i] = alternate
    return width


@cache
def _html_entities() -> dict[str, str]:
    entities = {}
    for name, char in html.entities.html5.items():
        if name.endswith(";"):
            entities["&" + name] = char
            if name == name.lower():
                upper = "&" + name.upper()
                if html.unescape(upper) == upper:
                    entities[upper] = char.upper()
    return entities


def _unescape_entity(match: re.Match[str]) -> str:
    text = match.group(0)
    entities = _html_entities()
    if text in entities:
        return entities[text]
    if text.startswith("&#"):
        unescaped = html.unescape(text)
        return text if ";" in unescaped else unescaped
    return text


def _c1_as_cp1252(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return chr(code) if code in _CP1252_UNDEFINED else bytes([code]).decode("cp1252")


def _surrogate_pair(match: re.Match[str]) -> str:
    high, low = match.group(0)
    return chr(0x10000 + (ord(high) - 0xD800) * 0x400 + (ord(low) - 0xDC00))


def _fix_segment(text: str, unescape: bool) -> str:
    while True:
        original = text
        if unescape:
            text = _HTML_ENTITY.sub(_unescape_entity, text)
        text = _C1_CONTROL.sub(_c1_as_cp1252, text)
        text = text.translate(_LIGATURES).translate(_width_map())
        text = _SINGLE_QUOTE.sub("'", _DOUBLE_QUOTE.sub('"', text))
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
        text = text.replace("\u2029", "\n").replace("\u0085", "\n")
        if _SURROGATE.search(text):
            text = _SURROGATE.sub("\ufffd", _SURROGATE_PAIR.sub(_surrogate_pair, text))
        text = _ANSI_ESCAPE.sub("", text).translate(_CONTROL_CHARS)
        text = unicodedata.normalize("NFC", text)
        if text == original:
            return text


def fix_text(text: str) -> str:
    """`ftfy.fix_text(text)` with ftfy 6's default settings, less mojibake repair. Like ftfy, the text is fixed line
    by line, and HTML entities are decoded only until a line contains '<' (from then on the text may be HTML)."""
    out = []
    unescape = True
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos) + 1 or len(text)
        segment = text[pos:end]
        if unescape and "<" in segment:
            unescape = False
        out.append(_fix_segment(segment, unescape))
        pos = end
    return "".join(out)


def whitespace_clean(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def openai_clean(text: str) -> str:
    """The cleaning of OpenAI CLIP's and ImageBind's `SimpleTokenizer.encode`."""
    text = html.unescape(html.unescape(fix_text(text))).strip()
    return whitespace_clean(text).lower()


def hf_clean(text: str) -> str:
    """The normaliser of Hugging Face's `CLIPTokenizerFast`: NFC, runs of whitespace to one space, lower case."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).lower()
