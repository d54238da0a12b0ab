"""`chorus tune`: fine-tune the simulator's model on real survey answers (chorus.tuning). Its
options are tuning.TuneOptions' fields, one flag each (engines.flags), so the command line, the
notebook's `chorus.tune(...)` and a study's `tune:` section take the same options."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from chorus.cli.engine_options import check_writable, fail
from chorus.engines.flags import Flag, flags_of


def _flags() -> dict[str, Flag]:
    from chorus.tuning import TuneOptions

    return flags_of(TuneOptions)


def tune_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds one option per TuneOptions field to `command`, which receives them as
    `options: TuneOptions` (the options not given keep the model's defaults)."""
    flags = _flags()
    sig = inspect.signature(command, eval_str=True)
    kept = [p for p in sig.parameters.values() if p.name != "options"]
    added = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                Optional[flag.kind],  # noqa: UP045 (typer reads the annotation at run time)
                typer.Option(
                    f"{flag.flag}/--no-{flag.flag[2:]}" if flag.kind is bool else flag.flag,
                    help=flag.help,
                ),
            ],
        )
        for name, flag in flags.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        from chorus.tuning import TuneOptions

        given = {n: v for n in flags if (v := kwargs.pop(n)) is not None}
        try:
            options = TuneOptions(**given)
        except ValidationError as exc:
            fail(
                "; ".join(f"{flags[str(e['loc'][0])].flag}: {e['msg']}" for e in exc.errors()),
                code=2,
            )
        return command(*args, options=options, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=kept + added)  # type: ignore[attr-defined]
    return wrapper


@tune_options
def tune(
    instrument: Annotated[str, typer.Option(help="Instrument name (anes2012) or YAML path.")],
    dataset: Annotated[
        str, typer.Option(help="Human data: a dataset name or descriptor YAML, or a crosstab CSV.")
    ],
    out: Annotated[Path, typer.Option(help="The tuned model folder to write (must not exist).")],
    base: Annotated[
        str | None, typer.Option(help="Base model: a HF folder or GGUF (default: embedded).")
    ] = None,
    options: Any = None,
) -> None:
    """Fine-tune the model on real answers to INSTRUMENT (SubPOP's loss: the KL from the human
    answer distribution to the model's over the option letters). Writes a standard model
    folder that every engine loads with --model OUT; run the same command again to resume."""
    from chorus.surveys import SurveyError
    from chorus.tuning import TuningError
    from chorus.tuning.tune import tune as run_tune

    check_writable(out.parent, "--out")
    try:
        folder = run_tune(instrument, dataset, out, options, base=base, progress=True)
    except (TuningError, SurveyError, ValueError) as exc:
        fail(str(exc))
    typer.echo(f"tuned model -> {folder} (use it with --model {folder})")
