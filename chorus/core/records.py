"""The one way to read a YAML or JSON list of records (questions, panel members, labelled
fragments, ...) and to check their ids: the first bad record is reported as `file:line`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from chorus.core.errors import InputFileError
from chorus.core.yamlfile import format_loc, line_of, read_yaml

M = TypeVar("M", bound=BaseModel)


def load_records(
    path: Path,
    model: type[M],
    *,
    key: str | None = None,
    what: str = "record",
    error: type[Exception] = InputFileError,
) -> list[M]:
    """Read `path`: a list of records, or (when `key` is given) a mapping with a `key` list too.
    Each record validates as `model`; the first that does not raises `error` naming its line."""
    data, lines = read_yaml(path, error)
    keyed = key is not None and isinstance(data, dict)
    records = data.get(key) if keyed else data
    if not isinstance(records, list) or not records:
        where = f" (or a mapping with a `{key}` list)" if key is not None else ""
        raise error(f"{path}: expected a non-empty list of {what}s{where}")
    prefix: tuple[str | int, ...] = (key,) if keyed and key is not None else ()
    out: list[M] = []
    for i, record in enumerate(records):
        try:
            out.append(model.model_validate(record))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = tuple(first["loc"])
            line = line_of(lines, prefix + (i,) + loc)
            raise error(f"{path}:{line}: {what} #{i}: {format_loc(loc)}: {first['msg']}") from None
    return out


def check_unique(
    ids: Iterable[str], where: str, what: str = "id", error: type[Exception] = InputFileError
) -> None:
    """Raise `error` naming every id that appears more than once."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for i in ids:
        (repeated if i in seen else seen).add(i)
    if repeated:
        raise error(
            f"{where}: {what}(s) {sorted(repeated)} appear more than once; make them unique"
        )
