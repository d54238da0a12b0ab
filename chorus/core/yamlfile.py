"""The one YAML reader: load a YAML (or JSON) file into a pydantic model, reporting every problem
as `file:line: where: what`. Callers pass their part's error class (a subclass of
InputFileError) so their own `except` clauses keep working."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from chorus.core.errors import InputFileError, LocatedError

M = TypeVar("M", bound=BaseModel)
LineMap = dict[tuple[str, ...], int]

_MAX_REPORTED = 8


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. Survey answers such as Yes, No, On and Off stay
    strings (YAML 1.1 would turn `Yes: favor` into `True: favor`)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


# Aliases (*name) may repeat an anchored value, but not blow a small file up into a huge one:
# the composed document may expand to at most this many values (the shipped instrument: ~2,000).
MAX_EXPANDED_NODES = 100_000


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Values in the document once every alias is expanded (memoised: linear in the file)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1  # a recursive alias counts once instead of looping
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, memo) for item in node.value)
    else:
        size = 1
    memo[id(node)] = size
    return size


def _walk(
    node: yaml.Node, path: tuple[str, ...], lines: LineMap, file: Path, error: type[Exception]
) -> None:
    """Record the 1-based line of every mapping value and sequence item, keyed by str path."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise error(
                    f"{file}:{line}: duplicate key {key!r} (first at line {seen[key]}); "
                    "remove or rename one of them"
                )
            seen[key] = line
            _walk(value_node, path + (key,), lines, file, error)
            lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (str(i),), lines, file, error)


def read_yaml(
    path: Path | str, error: type[Exception] = InputFileError
) -> tuple[Any, LineMap]:
    """Parse YAML (or JSON) and return (data, line map): the one YAML reader of the project.
    Syntax errors, duplicate keys, alias bombs, unreadable and non-UTF-8 files raise `error`
    naming the file (and line)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: not UTF-8 text (byte {exc.object[exc.start]:#x} at offset "
            f"{exc.start}); save the file as UTF-8"
        ) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise error(
                f"{path}: the YAML expands to more than {MAX_EXPANDED_NODES:,} values through "
                "its aliases (*name); write the repeated values out or use fewer aliases"
            )
        lines: LineMap = {}
        if node is not None:
            _walk(node, (), lines, path, error)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{where}: invalid YAML: {problem}") from exc
    finally:
        loader.dispose()
    return data, lines


def line_of(lines: LineMap, loc: tuple[str | int, ...]) -> int:
    """The line of the deepest existing prefix of `loc` (1 when the file is empty)."""
    key = tuple(str(p) for p in loc)
    while key and key not in lines:
        key = key[:-1]
    return lines.get(key, 1)


def format_loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) or str(part).isdigit() else f".{part}"
    return out.lstrip(".") or "(top level)"


def _describe(error: ErrorDetails, lines: LineMap, path: Path) -> str:
    loc = tuple(p for p in error["loc"] if not str(p).startswith("function-"))
    msg = error["msg"]
    ctx_err = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_err, LocatedError):
        loc = loc + ctx_err.path
        msg = str(ctx_err)
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if error["type"] == "extra_forbidden":
        msg = "unknown field (check its spelling; see docs/formats.md for the schema)"
    return f"{path}:{line_of(lines, loc)}: {format_loc(loc)}: {msg}"


def load_model(
    path: Path,
    model: type[M],
    context: dict[str, Any] | None = None,
    error: type[Exception] = InputFileError,
    prepare: Callable[[Any, LineMap], tuple[Any, LineMap]] | None = None,
) -> tuple[M, LineMap]:
    """Validate the YAML file at `path` as `model`; raise `error` listing the problems.
    `prepare(data, lines)` may rewrite the parsed data first (an instrument's grids become their
    items), returning the line map of the rewritten data."""
    data, lines = read_yaml(path, error)
    if data is None:
        raise error(f"{path}:1: the file is empty")
    if prepare is not None:
        data, lines = prepare(data, lines)
    try:
        obj = model.model_validate(data, context=context)
    except ValidationError as exc:
        errors = exc.errors()
        shown = [_describe(e, lines, path) for e in errors[:_MAX_REPORTED]]
        more = len(errors) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem(s)")
        raise error("\n".join(shown)) from None
    return obj, lines
