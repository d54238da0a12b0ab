"""Untrusted text inside prompts: quoted between delimiters that it cannot close.

Text a prompt quotes (a participant's opinion, a statement written from participants' opinions)
is data, never instructions. Rather than guessing which texts are attacks and withholding them,
every such text is made structurally inert: Unicode is normalised (NFKC), invisible characters
(controls, zero-width, bidi overrides, tag characters, variation selectors) are dropped, and every
`<` that could start a tag or a chat-template token (`</opinion>`, `< /opinion >`, `<\\/opinion>`,
`<|im_end|>`), literal or encoded (`&lt;`, `&#60;`, `%3C`, `\\u003c`, ...), becomes `‹`. A quoted
span `<tag>...</tag>` therefore ends where the template ends it, whatever the text says, and no
text can open a new chat turn. Ordinary text (comparisons like `< 5`, quotes, newlines, any
language) passes through as NFKC leaves it.
"""

from __future__ import annotations

import re
import unicodedata

# What replaces a `<` that could open or close a tag: looks like a bracket to a reader, is no tag.
ESCAPED_LT = "\u2039"

# Line and paragraph separators are line breaks; other invisible code points carry nothing a
# reader sees, and are how payloads hide (zero-width splits, bidi reordering, tag characters).
_BREAKS = {"\u2028": "\n", "\u2029": "\n", "\r\n": "\n", "\r": "\n"}
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co"}  # controls, format (ZW*, bidi, tags), surrogates, PUA
_KEEP = {"\n", "\t"}
_INVISIBLE_EXTRA = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\uffa0\ufe00-\ufe0f"
    "\U000e0100-\U000e01ef]"  # grapheme joiner, Hangul fillers, Mongolian and variation selectors
)
_BREAK_RE = re.compile("\r\n|[\r\u2028\u2029]")

# `<` written out, or encoded in the ways a model may read back as `<`.
_LT_ENCODED = r"&lt;?|&#0*60;?|&#x0*3c;?|%3c|\\u0*3c|\\u\{0*3c\}|\\x3c|\\074|\\<"
# A literal `<` is only a delimiter when a tag could follow: a letter, or a slash, backslash,
# `|`, `!`, `?` or another `<` (maybe after spaces). `a < b` and `<3` stay as written.
_TAG_START = re.compile(rf"(?:{_LT_ENCODED})|<(?=[^\W\d]|\s*[/\\|!?<])", re.IGNORECASE)
# Bracketed control tokens of Llama/Mistral chat formats: [INST], [/INST], [SYSTEM_PROMPT].
_BRACKET_TOKEN = re.compile(r"\[(?=/?[A-Z_]{3,}\])")


def strip_invisible(text: str) -> str:
    """Line breaks unified; controls (but newline and tab) and invisible code points dropped."""
    text = _BREAK_RE.sub(lambda m: _BREAKS[m.group(0)], text)
    text = "".join(
        ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in _DROP_CATEGORIES
    )
    return _INVISIBLE_EXTRA.sub("", text)


def normalise(text: str) -> str:
    """NFKC without invisible characters: how a reader sees the text (idempotent)."""
    return strip_invisible(unicodedata.normalize("NFKC", strip_invisible(text)))


def neutralise(text: str) -> str:
    """`normalise`, then every `<` that could start a tag or chat token escaped (idempotent)."""
    text = _TAG_START.sub(ESCAPED_LT, normalise(text))
    return _BRACKET_TOKEN.sub("(", text)


class Quoted(str):
    """A value already neutralised (and maybe wrapped in its delimiters): templates that
    neutralise every value pass it through unchanged."""


_TAG = re.compile(r"[a-z][a-z_]*")


def quote(value: object, tag: str | None = None) -> Quoted:
    """`value` as data: neutralised, and between `<tag>` and `</tag>` when a tag is given."""
    text = neutralise(str(value))
    if tag is None:
        return Quoted(text)
    if not _TAG.fullmatch(tag):
        raise ValueError(f"quote: tag {tag!r} must be lower-case letters and underscores")
    return Quoted(f"<{tag}>{text}</{tag}>")
