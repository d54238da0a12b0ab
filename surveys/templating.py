"""Render the prompt templates that live in surveys/templates/ (Jinja, strict about names)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
        autoescape=False,
        keep_trailing_newline=False,
    )


def render(name: str, **context: Any) -> str:
    """Render templates/<name> and strip surrounding whitespace."""
    return _environment().get_template(name).render(**context).strip()
