"""Small text utilities shared by the frame checks, the fact table and the diversity stats."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def normalise(text: str) -> str:
    """Lower-case words joined by single spaces (for substring tests that ignore punctuation)."""
    return " ".join(w.lower() for w in words(text))


def trim_to_sentence(text: str) -> str:
    """Cut a length-truncated answer back to its last complete sentence (if it has one)."""
    text = text.strip()
    ends = [m.end() for m in re.finditer(r"[.!?][\"')\]]*(?=\s|$)", text)]
    return text[: ends[-1]] if ends else text
