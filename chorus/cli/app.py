"""chorus: a persona-conditioned survey simulator. Build pools of LLM-written backstory personas,
match them to real survey respondents, ask them surveys and run consensus pilots, and measure
everything against real human data. Start with `chorus demo`."""

from __future__ import annotations

import importlib.util
import sys

import click
import typer
from typer.core import TyperGroup

from chorus.cli import (
    consensus,
    data,
    demo,
    engine_serve,
    estimate,
    match,
    personas,
    run,
    survey,
    tune,
)
from chorus.cli.engine_options import describe_error


class _ReportingGroup(TyperGroup):
    """The last line of defence against tracebacks on bad input: errors chorus raises on purpose
    (its own error classes, whose messages name the file or option and the fix), and the
    operating system's (full disk, read-only folder, undecodable file), become `error: ...` and
    exit status 1 in every command. Anything else is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (OSError, UnicodeError) as exc:
            _report(exc)
        except Exception as exc:
            if not type(exc).__module__.startswith("chorus."):
                raise
            _report(exc)


def _add_bench(app: typer.Typer) -> None:
    """`chorus bench` where the benchmarks are: they read the checkout (tests/, the Makefile), so
    they ship with the source, not in the wheel."""
    if importlib.util.find_spec("chorus.bench") is not None:
        from chorus.bench.cli import app as bench_app

        app.add_typer(bench_app, name="bench")
        return

    @app.command("bench")
    def bench() -> None:
        """The benchmarks (they run from a source checkout: `make bench`)."""
        _report(RuntimeError("the benchmarks run from a source checkout of chorus: `make bench`"))


def _report(exc: BaseException) -> None:
    typer.echo(f"error: {describe_error(exc)}", err=True)
    raise typer.Exit(1) from None


app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__, cls=_ReportingGroup)
for _group in (run, personas, match, survey, estimate, consensus, data):
    _group.register(app)
app.command("demo")(demo.demo)
app.command("serve")(engine_serve.serve)
app.command("tune")(tune.tune)
_add_bench(app)


def main() -> None:  # pragma: no cover - `python -m chorus.cli.app`
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
