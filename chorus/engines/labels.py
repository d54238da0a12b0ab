"""Which spellings of an option label count as answering with it.

A model may answer "A" or " A"; both count. The rule, shared by every engine so their
distributions agree: the spellings among (label, " " + label) that are a single token; if
neither is, the bare label (scored with loglik). Without a tokenizer both spellings count.
"""

from __future__ import annotations

from typing import Any


def label_spellings(tokenizer: Any | None, label: str) -> list[str]:
    candidates = [label, " " + label]
    if tokenizer is None:
        return candidates
    single = [c for c in candidates if len(tokenizer.encode(c, add_special_tokens=False)) == 1]
    return single or [label]
