"""`chorus estimate`: population answer shares from a human pilot rectified by simulated answers
(PPI++), overall and per subgroup, and the simulator's worth in real respondents (k*)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chorus.cli.engine_options import EngineChoice, check_writable, engine_options
from chorus.cli.engine_options import fail as _fail


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate)


def _split(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(",") if x.strip()]


@engine_options
def estimate(
    instrument: Annotated[
        str, typer.Argument(help="Shipped instrument name (anes2012) or YAML path.")
    ],
    dataset: Annotated[
        str, typer.Option(help="Human dataset (name or descriptor YAML) the pilot is drawn from.")
    ],
    out: Annotated[Path, typer.Option(help="Folder for estimates.json and estimates.csv.")],
    pilot_n: Annotated[
        int | None, typer.Option(min=2, help="Pilot respondents drawn (seeded) from the dataset.")
    ] = None,
    pilot_fraction: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="...or this fraction of them.")
    ] = None,
    frame: Annotated[
        Path | None,
        typer.Option(
            help="CSV of the population's profiles (respondent_id, weight, the nine traits); "
            "default: the dataset's other respondents, answers withheld."
        ),
    ] = None,
    frame_n: Annotated[
        int | None, typer.Option(min=1, help="Simulate only this many of the default frame.")
    ] = None,
    questions: Annotated[
        str | None, typer.Option(help="Comma list to estimate (default: all but calibration).")
    ] = None,
    calibration: Annotated[
        str | None, typer.Option(help="Comma list of questions for k* (never estimated).")
    ] = None,
    subgroups: Annotated[str, typer.Option(help="Comma list of subgroup traits.")] = "party",
    conditioning: Annotated[str, typer.Option(help="none | qa | bio | portray")] = "qa",
    no_overlap: Annotated[
        bool, typer.Option(help="Fail when a frame profile is also a pilot respondent.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed for the pilot draw and the answers.")] = 0,
    engine: EngineChoice = EngineChoice(),
) -> None:
    """Estimate the answer shares of INSTRUMENT's questions in a population from a human pilot
    and the simulated answers of the pilot and the frame: human-only, simulation-only and
    PPI++ (with its lambda and effective sample size), overall and per subgroup."""
    from chorus.engines import EngineError
    from chorus.surveys import SurveyError
    from chorus.surveys.estimates import estimate as run_estimate

    try:
        check_writable(out, "--out")
        eng = engine.load()
        result = run_estimate(
            eng, instrument, dataset, pilot_n=pilot_n, pilot_fraction=pilot_fraction,
            frame=frame, frame_n=frame_n, questions=_split(questions) or None,
            calibration=_split(calibration), subgroups=tuple(_split(subgroups)),
            conditioning=conditioning, seed=seed, allow_overlap=not no_overlap, progress=True,
        )  # fmt: skip
    except (SurveyError, EngineError, ValueError) as exc:
        _fail(str(exc))
    result.write(out)
    overall = result.to_pandas()
    overall = overall[overall.trait == "all"]
    cols = ["question", "option", "measure", "human", "sim", "ppi", "ppi_lo", "ppi_hi", "lam",
            "n_eff"]
    typer.echo(overall[cols].round(3).to_string(index=False))
    if result.worth:
        typer.echo(result.worth)
    for w in result.warnings:
        typer.echo(f"WARNING: {w}", err=True)
    typer.echo(f"-> {out / 'estimates.json'}, {out / 'estimates.csv'}")
