"""`chorus tune`: fine-tune the simulator's model on real survey answers (chorus.tuning)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chorus.cli.engine_options import check_writable, fail


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def tune(
    instrument: Annotated[str, typer.Option(help="Instrument name (anes2012) or YAML path.")],
    dataset: Annotated[
        str, typer.Option(help="Human data: a dataset name or descriptor YAML, or a crosstab CSV.")
    ],
    out: Annotated[Path, typer.Option(help="The tuned model folder to write (must not exist).")],
    holdout_questions: Annotated[
        str | None, typer.Option(help="Comma list of question ids never trained on.")
    ] = None,
    questions: Annotated[
        str | None, typer.Option(help="Comma list of questions to train on (default: all).")
    ] = None,
    examples: Annotated[str, typer.Option(help="subgroup, individual, or both.")] = "subgroup",
    base: Annotated[
        str | None, typer.Option(help="Base model: a HF folder or GGUF (default: embedded).")
    ] = None,
    method: Annotated[str, typer.Option(help="lora | full (full: tiny models only).")] = "lora",
    lora_r: Annotated[int, typer.Option(min=1, help="LoRA rank.")] = 16,
    lora_layers: Annotated[
        int, typer.Option(min=0, help="Adapt only the top N layers (0: every layer).")
    ] = 0,
    lr: Annotated[float, typer.Option(min=0.0, help="AdamW learning rate.")] = 2e-4,
    batch_size: Annotated[int, typer.Option(min=1, help="Examples per step.")] = 16,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the examples.")] = 2,
    max_steps: Annotated[int | None, typer.Option(min=1, help="Stop after N steps.")] = None,
    max_minutes: Annotated[
        float | None, typer.Option(min=0.0, help="Stop training after this long; save.")
    ] = None,
    traits: Annotated[
        str | None, typer.Option(help="Subgroup traits (comma list; default: all).")
    ] = None,
    pairs: Annotated[bool, typer.Option(help="Also subgroups of two traits.")] = False,
    min_cell: Annotated[
        int | None, typer.Option(min=1, help="Smallest subgroup cell trained on (default 30).")
    ] = None,
    holdout_respondents: Annotated[
        float, typer.Option(min=0.0, max=0.9, help="Share of respondents never trained on.")
    ] = 0.2,
    max_individuals: Annotated[
        int, typer.Option(min=1, help="Respondents behind the individual examples.")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the splits, the order and the init.")] = 0,
) -> None:
    """Fine-tune the model on real answers to INSTRUMENT (SubPOP's loss: the KL from the human
    answer distribution to the model's over the option letters). Writes a standard model
    folder that every engine loads with --model OUT; run the same command again to resume."""
    from chorus.surveys import SurveyError
    from chorus.surveys.crosstab import MIN_CELL_N
    from chorus.tuning import TuningError
    from chorus.tuning.train import TuneConfig
    from chorus.tuning.tune import tune as run_tune

    if method not in ("lora", "full"):
        fail(f"--method {method!r}: use lora or full", code=2)
    check_writable(out.parent, "--out")
    config = TuneConfig.model_validate(dict(
        method=method, lora_r=lora_r, lora_alpha=2 * lora_r, lora_layers=lora_layers, lr=lr,
        batch_size=batch_size, epochs=epochs, max_steps=max_steps, max_minutes=max_minutes,
        seed=seed,
    ))  # fmt: skip
    try:
        folder = run_tune(
            instrument, dataset, out, holdout_questions=_list(holdout_questions),
            questions=_list(questions) or None, examples=_list(examples), base=base,
            config=config, holdout_respondents=holdout_respondents, traits=_list(traits) or None,
            pairs=pairs, min_n=MIN_CELL_N if min_cell is None else min_cell,
            max_individuals=max_individuals, progress=True,
        )  # fmt: skip
    except (TuningError, SurveyError, ValueError) as exc:
        fail(str(exc))
    typer.echo(f"tuned model -> {folder} (use it with --model {folder})")
