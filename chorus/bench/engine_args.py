"""The engine options every model-using benchmark takes, and the engine they open."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chorus.engines import Engine


def add_engine_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--engine", default="transformers", help="transformers | openai | vllm")
    ap.add_argument("--model", default=None, help="model folder/GGUF (default: embedded)")
    ap.add_argument("--base-url", default=None, help="server URL for --engine openai")
    ap.add_argument("--cache-file", default=None, help="engine cache file (default: user cache)")


def open_engine(args: argparse.Namespace) -> Engine:
    from chorus.engines import load_engine

    return load_engine(args.engine, args.model, base_url=args.base_url, cache_path=args.cache_file)
