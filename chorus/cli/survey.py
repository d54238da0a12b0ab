"""`chorus survey run` (ask an instrument in personas' voices) and `chorus survey score` (compare
the answers with real respondents, write metrics.json, print a table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chorus.cli.engine_options import (
    EngineChoice,
    check_writable,
    engine_options,
)
from chorus.cli.engine_options import fail as _fail

if TYPE_CHECKING:
    from chorus.surveys import Instrument, Persona

METRICS = "metrics.json"


def register(app: typer.Typer) -> None:
    survey = typer.Typer(
        no_args_is_help=True, help="Ask instruments to personas; score against human data."
    )
    survey.command("run")(run)
    survey.command("score")(score)
    survey.command("init")(init)
    survey.command("codebook")(codebook)
    app.add_typer(survey, name="survey")


@engine_options
def run(
    instrument: Annotated[
        str, typer.Argument(help="Shipped instrument name (anes2012) or YAML path.")
    ],
    personas: Annotated[
        str,
        typer.Option(
            help="A persona pool folder, or a human dataset (name or descriptor YAML) whose "
            "respondents become demographic personas."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Run folder (answers.parquet, run.json, ...).")],
    conditioning: Annotated[
        str, typer.Option(help="none | qa | bio | portray | backstory | subgroup | answers")
    ] = "qa",
    n: Annotated[
        int | None,
        typer.Option(
            "--n",
            min=1,
            help="Personas to ask: the first N of a pool, or N respondents drawn from a dataset.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the draw and option permutations.")] = 0,
    engine: EngineChoice = EngineChoice(),
    debias: Annotated[
        str, typer.Option(help="Option-order debiasing: none | reverse | permute")
    ] = "reverse",
    permutations: Annotated[
        int, typer.Option(min=1, help="Permutations with --debias permute.")
    ] = 2,
    sequential: Annotated[
        bool, typer.Option(help="Keep earlier questions and answers in context.")
    ] = False,
    perspectives: Annotated[
        str | None, typer.Option(help="Comma list (default: all declared).")
    ] = None,
    batch_personas: Annotated[
        int, typer.Option(min=1, help="Personas per engine call; raise for GPU/server engines.")
    ] = 1,
    answer_items: Annotated[
        str | None,
        typer.Option(
            help="With --conditioning answers: question ids whose real answers make the persona "
            "(comma list; default: every question the dataset answers). The asked question's "
            "own answer is always left out."
        ),
    ] = None,
) -> None:
    """Answer INSTRUMENT in every persona's voice. Re-running an interrupted run resumes: the
    engine cache already holds the finished answers."""
    from chorus.engines import EngineError
    from chorus.personas import PoolError
    from chorus.surveys import (
        RunInfo,
        SurveyError,
        ask,
        check_options,
        incomplete_answers,
        load_instrument,
        write_survey,
    )

    wanted = [p.strip() for p in perspectives.split(",")] if perspectives else None
    try:
        check_options(conditioning, debias, wanted)
        inst = load_instrument(instrument)
        people, source = _load_personas(personas, n, seed)
        if conditioning == "answers":
            people = _with_answers(people, source, inst, answer_items)
        check_writable(out, "--out")
        eng = engine.load()
        results = ask(
            eng,
            people,
            inst,
            conditioning=conditioning,
            debias=debias,
            n_permutations=permutations,
            sequential=sequential,
            perspectives=wanted,
            seed=seed,
            batch_personas=batch_personas,
            progress=True,
        )
    except (SurveyError, PoolError, EngineError, ValueError) as exc:
        _fail(str(exc))
    run_info = RunInfo(
        instrument=inst.name,
        conditioning=conditioning,
        personas=source,
        n_personas=len(people),
        seed=seed,
        debias=debias,
        permutations=permutations,
        sequential=sequential,
        perspectives=wanted,
        engine=eng.describe(),
        rows=len(results.answers),
        incomplete_answers=incomplete_answers(results.answers),
    )
    write_survey(out, results, run_info)
    typer.echo(f"{len(results.answers)} answers from {len(people)} personas -> {out}")


def _with_answers(
    people: list[Persona], source: dict[str, Any], inst: Instrument, items: str | None
) -> list[Persona]:
    """Respondent personas with their own answers (the `answers` conditioning)."""
    from chorus.surveys import SurveyError, load_dataset, with_answers

    if "dataset" not in source:
        raise SurveyError(
            "--conditioning answers needs real respondents: give --personas a human dataset "
            "(name or descriptor YAML), not a persona pool"
        )
    wanted = [x.strip() for x in items.split(",")] if items else None
    return with_answers(people, load_dataset(source["dataset"]), inst, wanted)


def _load_personas(spec: str, n: int | None, seed: int) -> tuple[list[Persona], dict[str, Any]]:
    """Personas and where they came from (for run.json)."""
    from chorus.personas import read_pool
    from chorus.surveys import demographic_panel, load_dataset

    folder = Path(spec)
    source: dict[str, Any]
    if folder.is_dir():
        people = read_pool(folder).personas()
        if n is not None:
            people = people[:n]
        source = {"pool": str(folder)}
    else:
        ds = load_dataset(spec)
        people = demographic_panel(ds, n, seed=seed)
        source = {"dataset": ds.name, "n": n, "seed": seed, "weighted": True}
    return people, source


def score(
    run_dir: Annotated[Path, typer.Argument(help="A folder written by `chorus survey run`.")],
    human: Annotated[
        str,
        typer.Option(
            help="Human data: a dataset name (anes2012), descriptor YAML or crosstab CSV."
        ),
    ],
    n_boot: Annotated[
        int, typer.Option(min=0, help="Bootstrap replicates (intervals and floor).")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the sampled answers.")] = 0,
    floor: Annotated[
        bool, typer.Option(help="Compute the human floor at the simulated size.")
    ] = True,
) -> None:
    """Score a run against real respondents: writes RUN_DIR/metrics.json and prints a table."""
    from chorus.core import write_atomic
    from chorus.surveys import SurveyError, load_dataset, read_survey, summary_table

    if human.endswith(".csv"):
        return _score_crosstab(run_dir, Path(human))
    try:
        results, run_info = read_survey(run_dir)
        ds = load_dataset(human)
        report = results.score(ds, n_boot=n_boot, seed=seed, floor=floor, progress=True)
    except (SurveyError, ValueError, OSError) as exc:  # JSONDecodeError is a ValueError
        _fail(str(exc))
    payload = {"run": run_info.model_dump(mode="json"), **report.model_dump(mode="json")}
    write_atomic(run_dir / METRICS, lambda p: p.write_text(json.dumps(payload, indent=2)))
    typer.echo(summary_table([(run_info.conditioning, report)]))
    typer.echo(f"\nmetrics -> {run_dir / METRICS}")


def _score_crosstab(run_dir: Path, table: Path) -> None:
    """Score against aggregate data (docs/formats.md#crosstab-csv): distances to the topline
    and to each subgroup row, with uniform alongside."""
    from chorus.core import write_atomic
    from chorus.surveys import SurveyError, read_survey
    from chorus.surveys.crosstab import read_crosstab
    from chorus.surveys.crosstab_score import score_crosstab

    try:
        results, run_info = read_survey(run_dir)
        report = score_crosstab(results, read_crosstab(table, results.instrument))
    except (SurveyError, ValueError, OSError) as exc:
        _fail(str(exc))
    payload = {"run": run_info.model_dump(mode="json"), "human": str(table), **report}
    write_atomic(run_dir / METRICS, lambda p: p.write_text(json.dumps(payload, indent=2)))
    for row in report["questions"]:
        sub = row["d_subgroups"]
        typer.echo(
            f"{row['question_id']:<24} overall {row['d_overall']:.3f} (uniform "
            f"{row['uniform_overall']:.3f})  subgroups "
            + ("-" if sub is None else f"{sub:.3f} (uniform {row['uniform_subgroups']:.3f})")
        )
    typer.echo(f"\nmetrics -> {run_dir / METRICS}")


def init(
    data: Annotated[Path, typer.Argument(help="A labelled data file: SPSS .sav or Stata .dta.")],
    out: Annotated[Path, typer.Option(help="The instrument YAML to write.")],
    dataset: Annotated[
        str, typer.Option(help="Dataset name its `sources` mappings use (default: file stem).")
    ] = "",
) -> None:
    """Write an instrument skeleton from a data file's variable and value labels: every
    labelled variable a question, its options in code order, kinds guessed and marked REVIEW."""
    from chorus.surveys import SurveyError
    from chorus.surveys.skeleton import write_skeleton

    check_writable(out.parent, "--out")
    try:
        n = write_skeleton(data, out, dataset or data.stem)
    except (SurveyError, OSError) as exc:
        _fail(str(exc))
    typer.echo(f"{n} questions -> {out} (review every question marked REVIEW)")


def codebook(
    dataset: Annotated[str, typer.Argument(help="A dataset name or descriptor YAML.")],
    column: Annotated[str, typer.Option(help="The column of open answers.")],
    out: Annotated[Path, typer.Option(help="The draft question YAML to write.")],
    themes: Annotated[int, typer.Option(min=2, help="How many themes to cluster.")] = 8,
    seed: Annotated[int, typer.Option(help="Seed of the clustering.")] = 0,
) -> None:
    """Draft a free_text codebook from people's own answers: their sentence embeddings
    clustered into themes (k-means), written as a question to review and paste."""
    from chorus.surveys import SurveyError
    from chorus.surveys.codebook import write_draft

    check_writable(out.parent, "--out")
    try:
        n = write_draft(dataset, column, themes, out, seed)
    except (SurveyError, ValueError, OSError) as exc:
        _fail(str(exc))
    typer.echo(f"{themes} themes from {n} answers -> {out} (a DRAFT: name and check each theme)")
