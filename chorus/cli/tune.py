"""`chorus tune`: fine-tune the simulator's model on real survey answers (chorus.tuning). Its
options are tuning.TuneOptions' fields, one flag each (engines.flags), so the command line, the
notebook's `chorus.tune(...)` and a study's `tune:` section take the same options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from chorus.cli.engine_options import check_writable, fail, flag_options
from chorus.engines.flags import flags_of


def _tune_options() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One option per TuneOptions field; the command receives them as `options: TuneOptions`
    (the options not given keep the model's defaults)."""
    from chorus.tuning import TuneOptions

    return flag_options("options", TuneOptions, flags_of(TuneOptions), lambda o: o)


tune_options = _tune_options()


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
