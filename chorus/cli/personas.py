"""`chorus personas generate|profile|show`: grow a persona pool from LLM backstories, survey its
demographics, and print what is in it."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chorus.cli.engine_options import (
    EngineChoice,
    check_writable,
    engine_options,
)
from chorus.cli.engine_options import fail as _fail

if TYPE_CHECKING:  # annotations only: the CLI imports engines and pools inside the commands
    from chorus.personas import PoolSummary


class StyleChoice(str, Enum):
    anthology = "anthology"
    interview = "interview"


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        no_args_is_help=True,
        help="Persona pools: generate backstories, profile demographics, show.",
    )
    group.command("generate")(generate)
    group.command("profile")(profile)
    group.command("show")(show)
    app.add_typer(group, name="personas")


@engine_options
def generate(
    n: int = typer.Option(
        ..., "--n", min=1, help="Personas the pool should hold (accepted by the critic)."
    ),
    style: StyleChoice = typer.Option(
        StyleChoice.anthology, "--style", help="anthology | interview"
    ),
    out: Path = typer.Option(..., "--out", help="Pool folder (created, or resumed/extended)."),
    seed: int = typer.Option(0, help="Pool seed; persona slot i always gets the same samples."),
    batch_size: int = typer.Option(
        16, min=1, help="Personas generated together in one batched engine call."
    ),
    max_tokens: int | None = typer.Option(
        None, min=8, help="Tokens per answer (anthology 300, interview 160)."
    ),
    min_words: int | None = typer.Option(
        None, min=1, help="Shorter answers are rejected (anthology 40, interview 15)."
    ),
    questions: int = typer.Option(
        10, min=1, max=10, help="Interview: how many of the 10 life-history questions to ask."
    ),
    resample_budget: int = typer.Option(
        3, min=0, help="Resamples of a rejected answer before the persona is dropped."
    ),
    critic_threshold: float = typer.Option(
        0.5, min=0.0, max=1.0, help="P(contradiction) above which the LLM critic rejects."
    ),
    dedup_threshold: float = typer.Option(
        0.95, min=0.0, max=1.0, help="Cosine similarity at which a backstory is a near-duplicate."
    ),
    unit_slots: int | None = typer.Option(
        None,
        min=1,
        help="Slots per unit of work spread over --workers (default: the whole batch). "
        "Results depend on it, never on the number of workers.",
    ),
    engine: EngineChoice = EngineChoice(),
) -> None:
    """Generate backstories into the pool at --out until it holds --n personas. Rerunning the same
    command after an interruption resumes where it stopped; a larger --n extends the pool."""
    from chorus.backstories import BackstoryConfig
    from chorus.engines import EngineError
    from chorus.personas import PoolError, generate_pool

    try:
        config = BackstoryConfig.for_style(
            style.value,
            max_tokens=max_tokens,
            min_words=min_words,
            n_questions=questions,
            resample_budget=resample_budget,
            critic_threshold=critic_threshold,
        )
        check_writable(out, "--out")
        eng = engine.load()
        manifest = generate_pool(
            out,
            n,
            eng,
            config,
            seed=seed,
            batch_size=batch_size,
            dedup_threshold=dedup_threshold,
            unit_slots=unit_slots,
            progress=True,
        )
    except (PoolError, EngineError, ValueError) as exc:
        _fail(str(exc))
    c = manifest.counts
    typer.echo(
        f"{c.accepted} personas in {out} ({c.attempted} attempted, "
        f"{c.dropped} dropped by the critic, "
        f"{c.near_duplicates} near-duplicates)"
    )


@engine_options
def profile(
    pool: Path = typer.Argument(..., help="A pool folder written by `chorus personas generate`."),
    debias: str = typer.Option("reverse", help="Option-order debiasing: none | reverse | permute"),
    engine: EngineChoice = EngineChoice(),
) -> None:
    """Survey every persona's demographics (age, gender, race, education, income, religion,
    region, party, ideology) with its backstory in context; resumable."""
    from chorus.engines import EngineError
    from chorus.personas import PoolError, profile_pool
    from chorus.surveys import SurveyError

    try:
        manifest = profile_pool(pool, engine.load(), debias=debias, progress=True)
    except (PoolError, EngineError, SurveyError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(
        f"{manifest.counts.profiled} of {manifest.counts.accepted} personas profiled in {pool}"
    )


def show(
    pool: Path = typer.Argument(..., help="A pool folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Counts, rejection stats, diversity and demographic marginals of a pool."""
    from chorus.personas import PoolError, summarize

    try:
        summary = summarize(pool)
    except PoolError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(summary.model_dump(mode="json"), indent=1))
        return
    _print_summary(summary)


def _print_summary(summary: PoolSummary) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    head = Table(title=f"persona pool {summary.folder}", show_header=False)
    head.add_row("style", summary.style)
    head.add_row("model", summary.model)
    head.add_row("seed", str(summary.seed))
    for key, value in summary.counts.model_dump().items():
        head.add_row(key, str(value))
    if summary.diversity is not None:
        for key, value in summary.diversity.model_dump().items():
            head.add_row(
                key,
                "-"
                if value is None
                else f"{value:.3f}"
                if isinstance(value, float)
                else str(value),
            )
    console.print(head)
    rej = Table(title="rejections")
    rej.add_column("kind")
    rej.add_column("answers rejected", justify="right")
    rej.add_column("personas dropped", justify="right")
    kinds = sorted(set(summary.rejections.answers) | set(summary.rejections.personas_dropped))
    for kind in kinds:
        rej.add_row(
            kind,
            str(summary.rejections.answers.get(kind, 0)),
            str(summary.rejections.personas_dropped.get(kind, 0)),
        )
    console.print(rej if kinds else "no rejections")
    if not summary.marginals:
        console.print("not profiled yet: run `chorus personas profile DIR`")
        return
    marg = Table(title="demographic marginals (mean over personas)")
    marg.add_column("trait")
    marg.add_column("category")
    marg.add_column("share", justify="right")
    marg.add_column("not mentioned", justify="right")
    last = None
    for m in summary.marginals:
        marg.add_row(
            m.trait if m.trait != last else "",
            m.category,
            f"{m.share:.1%}",
            f"{m.not_mentioned:.1%}" if m.trait != last else "",
        )
        last = m.trait
    console.print(marg)
