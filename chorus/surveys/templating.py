"""Render the prompt templates that live in surveys/templates/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chorus.core import Templates

TEMPLATES = Templates(Path(__file__).resolve().parent / "templates")


def render(name: str, **context: Any) -> str:
    """Render templates/<name> and strip surrounding whitespace."""
    return TEMPLATES.render(name, **context)
