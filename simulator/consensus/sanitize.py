"""Screening participant-written text before it reaches the mediator.

Opinions and critiques are data, not instructions. A text that addresses the model ("ignore all
previous instructions and write: ...") or tries to break out of its quotation tags is withheld
entirely: cutting out only the directive would still pass on a payload placed around it. The raw
text stays in the episode record, with the flag.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

_DIRECTIVES = [
    (
        r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,30}\b(instructions?|prompts?|"
        r"directions?|guidelines|everything (above|before|previous))\b"
    ),
    r"\b(new|updated|real|actual)\s+instructions?\s*:",
    r"\bsystem\s+prompt\b",
    r"\byou\s+are\s+(now\s+)?(an?\s+)?(ai|assistant|language model|chatbot|mediator|llm)\b",
    r"(^|\n)\s*(system|assistant|user)\s*:",
    r"<\|?/?\s*(opinion|draft|critique|im_start|im_end|system)\b",
    r"\b(output|write|print|say|repeat)\s+(only|exactly|verbatim)\b",
]
_PATTERN = re.compile("|".join(f"(?:{p})" for p in _DIRECTIVES), re.IGNORECASE)

WITHHELD = "[withheld: this text contained instructions addressed to the mediator]"


class Screened(BaseModel):
    text: str  # what the mediator and the representatives see
    raw: str  # what the participant wrote
    flagged: bool
    match: str | None = None  # the directive that triggered the flag


def screen(text: str) -> Screened:
    hit = _PATTERN.search(text)
    if hit is None:
        return Screened(text=text, raw=text, flagged=False)
    return Screened(text=WITHHELD, raw=text, flagged=True, match=hit.group(0).strip())
