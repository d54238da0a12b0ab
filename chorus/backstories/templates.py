"""The prompt templates in backstories/prompts/, read as text and hashed into pool manifests."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from chorus.core import Templates

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


@cache
def template_text(name: str) -> str:
    return (PROMPTS_DIR / name).read_text(encoding="utf-8").strip()


_TEMPLATES = Templates(PROMPTS_DIR)


def render(name: str, **context: Any) -> str:
    return _TEMPLATES.render(name, **context)


def anthology_question() -> str:
    return template_text("anthology_question.txt")


def interview_questions() -> list[str]:
    return [
        line.strip()
        for line in template_text("interview_questions.txt").splitlines()
        if line.strip()
    ]


def persona_system() -> str:
    return template_text("persona_system.txt")


def prompts_hash() -> str:
    """sha256 over every template file, so a pool records exactly which prompts made it."""
    h = hashlib.sha256()
    for path in sorted(PROMPTS_DIR.iterdir()):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]
