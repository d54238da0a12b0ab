"""Prompt templates live as files next to the code that fills them (Jinja, strict about names);
every part renders its folder through this one environment setup.

Prompts that quote untrusted text render with `untrusted=True`: every `{{ value }}` is
neutralised (core/quoting.py), and `{{ text | data("opinion") }}` also puts it between
`<opinion>` delimiters it cannot close. A template cannot forget to quote: an expression that
skips the filter is still neutralised, only without delimiters."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2

from chorus.core.quoting import Quoted, neutralise, quote


class Templates:
    """The .j2/.txt files of one folder. `trim_blocks` drops the newline after a block tag (and
    the indentation before it); `html` autoescapes, for pages rather than prompts; `untrusted`
    neutralises every value (prompts that quote participants' text)."""

    def __init__(
        self,
        folder: Path,
        *,
        trim_blocks: bool = False,
        html: bool = False,
        untrusted: bool = False,
    ) -> None:
        self.folder = folder
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.do"],
            trim_blocks=trim_blocks,
            lstrip_blocks=trim_blocks,
            keep_trailing_newline=False,
            autoescape=html,
            finalize=_neutralise_value if untrusted else None,
        )
        self._env.filters["data"] = quote

    def render(self, name: str, **values: Any) -> str:
        return self._env.get_template(name).render(**values).strip()

    @cached_property
    def digest(self) -> str:
        """Hash of every template's text: recorded with results so a prompt change is visible."""
        h = hashlib.sha256()
        for path in sorted(self.folder.iterdir()):
            if path.suffix in {".j2", ".txt"}:
                h.update(path.name.encode() + b"\0" + path.read_bytes())
        return h.hexdigest()[:16]


def _neutralise_value(value: Any) -> Any:
    return neutralise(value) if isinstance(value, str) and not isinstance(value, Quoted) else value
