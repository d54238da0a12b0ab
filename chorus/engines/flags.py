"""The EngineSpec as command-line options: one flag per field, its help the field's description
and default, so that the CLI (cli/engine_options.py) and the benchmarks (bench/engine_args.py)
take the same options with the same meaning."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from chorus.engines.spec import EngineSpec

Options = TypeVar("Options", bound=BaseModel)


class FlagError(ValueError):
    """An engine option the command line got wrong (a usage error: exit status 2)."""


@dataclass(frozen=True)
class Flag:
    field: str  # the EngineSpec field
    flag: str  # --base-url
    help: str  # the field's description and its default
    kind: type  # what a command line parses: str (choices: the spec checks them), int, float,
    # bool (an on/off flag), Path, or list: a repeated KEY=VALUE option that becomes a mapping


def _flag(name: str, info: FieldInfo) -> Flag:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    shown = extra.get("shown")
    if shown is None and info.default is not None:
        shown = f"{info.default:g}" if isinstance(info.default, float) else info.default
    default = f" (default: {shown})" if shown is not None else ""
    return Flag(
        field=name,
        flag=str(extra.get("flag") or f"--{name.replace('_', '-')}"),
        help=f"{info.description}{default}",
        kind=_kind(info.annotation),
    )


def _kind(annotation: Any) -> type:
    union = get_origin(annotation) in (Union, UnionType)
    kind = next(a for a in get_args(annotation) if a is not type(None)) if union else annotation
    if get_origin(kind) is dict:
        return list
    return kind if kind in (int, float, bool, Path) else str


def flags_of(model: type[BaseModel]) -> dict[str, Flag]:
    """One flag per field of an options model (EngineSpec here; tuning.TuneOptions too)."""
    return {n: _flag(n, info) for n, info in model.model_fields.items()}


FLAGS: dict[str, Flag] = flags_of(EngineSpec)


def options_from_flags(
    model: type[Options], flags: Mapping[str, Flag], values: Mapping[str, Any]
) -> Options:
    """The options model the flags given say (field -> value as parsed; None: not given, the
    model's default, left out of its `model_fields_set`). Errors name the option."""
    given = {name: value for name, value in values.items() if value is not None}
    for name, value in given.items():
        if flags[name].kind is list:
            given[name] = _key_values(flags[name].flag, value)
    try:
        return model(**given)
    except ValidationError as exc:
        raise FlagError(
            "; ".join(f"{flags[str(e['loc'][0])].flag}: {e['msg']}" for e in exc.errors())
        ) from None


def spec_from_flags(values: Mapping[str, Any]) -> EngineSpec:
    """The EngineSpec the engine flags given say."""
    return options_from_flags(EngineSpec, FLAGS, values)


def _key_values(flag: str, items: list[str]) -> dict[str, Any]:
    """KEY=VALUE options as a mapping; VALUE is JSON when it parses (numbers, true/false,
    lists), else the string."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise FlagError(f"{flag} {item!r}: write KEY=VALUE, e.g. gpu_memory_utilization=0.9")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out
