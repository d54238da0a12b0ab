"""`chorus survey run` (ask an instrument in personas' voices) and `chorus survey score` (compare
the answers with real respondents, write metrics.json, print a table)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from simulator.commands.engine_options import EngineChoice, engine_options
from simulator.commands.engine_options import fail as _fail

RUN_MANIFEST = "run.json"
ANSWERS = "answers.parquet"
PERSONAS = "persona_traits.parquet"
INSTRUMENT = "instrument.yaml"
METRICS = "metrics.json"


def register(app: typer.Typer) -> None:
    survey = typer.Typer(
        no_args_is_help=True, help="Ask instruments to personas; score against human data."
    )
    survey.command("run")(run)
    survey.command("score")(score)
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
    conditioning: Annotated[str, typer.Option(help="none | qa | bio | portray | backstory")] = "qa",
    n: Annotated[
        int | None, typer.Option("--n", help="Respondents to draw from a dataset.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the draw and option permutations.")] = 0,
    engine: EngineChoice = EngineChoice(),
    debias: Annotated[
        str, typer.Option(help="Option-order debiasing: none | reverse | permute")
    ] = "reverse",
    permutations: Annotated[int, typer.Option(help="Permutations with --debias permute.")] = 2,
    sequential: Annotated[
        bool, typer.Option(help="Keep earlier questions and answers in context.")
    ] = False,
    perspectives: Annotated[
        str | None, typer.Option(help="Comma list (default: all declared).")
    ] = None,
    batch_personas: Annotated[
        int, typer.Option(help="Personas per engine call; raise for GPU/server engines.")
    ] = 1,
) -> None:
    """Answer INSTRUMENT in every persona's voice. Re-running an interrupted run resumes: the
    engine cache already holds the finished answers."""
    from engines import EngineError
    from surveys import SurveyError, load_instrument
    from surveys.answering import answer, check_options, incomplete_answers, write_answers
    from surveys.atomic import write_atomic
    from surveys.instruments import instrument_path

    wanted = [p.strip() for p in perspectives.split(",")] if perspectives else None
    try:
        check_options(conditioning, debias, wanted)
        inst = load_instrument(instrument)
        people, traits, source = _load_personas(personas, n, seed)
        eng = engine.load()
        table = answer(
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
    except (SurveyError, EngineError, ValueError) as exc:
        _fail(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    manifest = {
        "instrument": inst.name,
        "conditioning": conditioning,
        "personas": source,
        "n_personas": len(people),
        "seed": seed,
        "debias": debias,
        "permutations": permutations,
        "sequential": sequential,
        "perspectives": wanted,
        "engine": eng.describe(),
        "rows": len(table),
        "incomplete_answers": incomplete_answers(table),
    }
    write_atomic(out / INSTRUMENT, lambda p: shutil.copyfile(instrument_path(instrument), p))
    write_atomic(out / PERSONAS, lambda p: traits.to_parquet(p, index=False))
    write_answers(table, out / ANSWERS)
    write_atomic(out / RUN_MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=2)))
    typer.echo(f"{len(table)} answers from {len(people)} personas -> {out / ANSWERS}")


def _load_personas(spec: str, n: int | None, seed: int):
    """Personas and their trait table (persona_id + one column per trait)."""
    import pandas as pd

    from surveys import TRAITS, load_dataset
    from surveys.persona import personas_from_pool, personas_from_respondents

    folder = Path(spec)
    if folder.is_dir():
        people = personas_from_pool(folder)
        if n is not None:
            people = people[:n]
        source = {"pool": str(folder)}
    else:
        ds = load_dataset(spec)
        people = personas_from_respondents(ds.respondents(n, seed=seed, weighted=True))
        source = {"dataset": ds.name, "n": n, "seed": seed, "weighted": True}
    traits = pd.DataFrame(
        [{"persona_id": p.persona_id, **{t: p.demographics.get(t) for t in TRAITS}} for p in people]
    )
    return people, traits, source


def score(
    run_dir: Annotated[Path, typer.Argument(help="A folder written by `chorus survey run`.")],
    human: Annotated[
        str, typer.Option(help="Human dataset: a name (anes2012) or descriptor YAML.")
    ],
    n_boot: Annotated[int, typer.Option(help="Bootstrap replicates (intervals and floor).")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the sampled answers.")] = 0,
    floor: Annotated[
        bool, typer.Option(help="Compute the human floor at the simulated size.")
    ] = True,
) -> None:
    """Score a run against real respondents: writes RUN_DIR/metrics.json and prints a table."""
    import pandas as pd

    from surveys import SurveyError, load_dataset, load_instrument
    from surveys.answering import read_answers
    from surveys.atomic import write_atomic
    from surveys.metrics.responses import from_answers, from_human
    from surveys.scoring import score as score_run
    from surveys.scoring import summary_table

    manifest_path = run_dir / RUN_MANIFEST
    if not manifest_path.is_file():
        _fail(
            f"{run_dir}: not a survey run folder (no {RUN_MANIFEST}); run `chorus survey run` first"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
        inst = load_instrument(run_dir / INSTRUMENT)
        answers = read_answers(run_dir / ANSWERS)
        traits = pd.read_parquet(run_dir / PERSONAS)
        ds = load_dataset(human)
        report = score_run(
            from_answers(answers, inst, traits),
            from_human(ds, inst),
            inst,
            ds.name,
            n_boot=n_boot,
            seed=seed,
            floor=floor,
            progress=True,
        )
    except (SurveyError, ValueError, OSError) as exc:  # JSONDecodeError is a ValueError
        _fail(str(exc))
    payload = {"run": manifest, **report.model_dump(mode="json")}
    write_atomic(run_dir / METRICS, lambda p: p.write_text(json.dumps(payload, indent=2)))
    typer.echo(summary_table([(manifest.get("conditioning", "run"), report)]))
    typer.echo(f"\nmetrics -> {run_dir / METRICS}")
