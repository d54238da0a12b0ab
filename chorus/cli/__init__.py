"""The `chorus` command line: one module per command group, each a thin layer over the parts'
public APIs (heavy imports happen inside the commands, so `chorus --help` stays fast)."""

from chorus.cli.app import app, main

__all__ = ["app", "main"]
