"""`chorus run STUDY.yaml`: the full pipeline into a run folder with report.html."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chorus.cli.engine_options import (
    EngineChoice,
    check_writable,
    describe_error,
    engine_options,
    fail,
)


def register(app: typer.Typer) -> None:
    app.command("run")(run)


@engine_options
def run(
    study_file: Annotated[Path, typer.Argument(help="The study YAML (see studies/).")],
    runs: Annotated[Path, typer.Option(help="Folder that holds run folders.")] = Path("runs"),
    engine: EngineChoice = EngineChoice(),
) -> None:
    """Pool -> demographic profiles -> match -> survey -> metrics -> consensus pilot -> report.
    A second run reuses every finished stage; an interrupted run resumes. Engine options given
    here override the study's engine section."""
    run_file(study_file, runs, engine)


def run_file(study_file: Path, runs: Path, overrides: EngineChoice = EngineChoice()) -> Path:
    from chorus.core import InputFileError
    from chorus.engines import EngineError
    from chorus.personas import PoolError
    from chorus.simulator.study import RunFolderError, RunLockedError, load_study, run_study
    from chorus.surveys import SurveyError

    try:
        study = load_study(study_file)
    except (SurveyError, InputFileError) as exc:  # a study that does not load: usage error
        fail(str(exc), code=2)
    check_writable(runs, "--runs")
    # the engine loads once the run folder is locked and the inputs are checked
    try:
        choice = overrides.over(study.engine)
        folder = run_study(study, runs, choice.load, spec=choice.spec)
    except (SurveyError, RunFolderError, EngineError, PoolError, ValueError, OSError) as exc:
        partial = runs / f"{study.name}.partial"
        kept = (
            f"\n(finished stages are kept in {partial}; run the same command again to resume)"
            if partial.is_dir() and not isinstance(exc, RunLockedError)  # not the other run's
            else ""
        )
        fail(f"{describe_error(exc)}{kept}")
    typer.echo(f"report: {folder / 'report.html'}")
    return folder
