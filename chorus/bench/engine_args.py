"""The engine options every model-using benchmark takes (the CLI's, from the EngineSpec:
engines.flags), and the engine they open."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from chorus.engines.flags import FLAGS, FlagError, spec_from_flags

if TYPE_CHECKING:
    from chorus.engines import Engine, EngineSpec


def add_engine_arguments(ap: argparse.ArgumentParser) -> None:
    for name, flag in FLAGS.items():
        kind = {"type": str, "action": "append"} if flag.kind is list else {"type": flag.kind}
        ap.add_argument(flag.flag, dest=name, default=None, help=flag.help, **kind)


def engine_spec(args: argparse.Namespace) -> EngineSpec:
    """The spec the engine options say; a bad value ends the benchmark with the option named."""
    try:
        return spec_from_flags({name: getattr(args, name) for name in FLAGS})
    except FlagError as exc:
        raise SystemExit(f"error: {exc}") from None


def open_engine(args: argparse.Namespace) -> Engine:
    from chorus.engines import load_engine

    return load_engine(engine_spec(args))
