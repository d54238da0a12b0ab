"""`chorus match POOL --humans DATASET --method ... --out DIR`: match a profiled persona pool to
real respondents; writes DIR/match.parquet and DIR/diagnostics.json (docs/formats.md)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from chorus.cli.engine_options import fail as _fail


class MethodChoice(str, Enum):  # matching.METHODS, spelled out so --help needs no scipy import
    hungarian = "hungarian"
    greedy = "greedy"
    greedy_replace = "greedy-replace"
    random = "random"
    networkx = "networkx"


class SolverChoice(str, Enum):
    auto = "auto"
    dense = "dense"
    sparse = "sparse"


def register(app: typer.Typer) -> None:
    app.command("match")(match)


def _trait_weights(items: list[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            _fail(f"--trait-weight {item!r}: write TRAIT=NUMBER, e.g. --trait-weight income=0.5")
    return weights


def _respondents(humans: str, n: int | None, seed: int):
    """The respondent table: a CSV/Parquet file as is, or a dataset through its descriptor."""
    from chorus.matching import read_respondent_table

    path = Path(humans)
    if path.suffix.lower() in (".csv", ".parquet"):
        if not path.is_file():
            _fail(f"{path}: no such respondent table")
        table = read_respondent_table(path)
        if n is not None:
            if not 1 <= n <= len(table):
                _fail(f"{path} has {len(table)} respondents; cannot draw --n {n}")
            table = table.sample(n=n, random_state=seed).reset_index(drop=True)
        return table, str(path)
    from chorus.surveys import SurveyError, load_dataset

    try:
        dataset = load_dataset(humans)
        return dataset.respondents(n=n, seed=seed), str(dataset.path)
    except SurveyError as exc:
        _fail(str(exc))
    raise AssertionError  # unreachable: _fail exits


def match(
    pool: Annotated[
        Path,
        typer.Argument(help="Profiled persona pool folder (personas.parquet + manifest.json)."),
    ],
    humans: Annotated[
        str,
        typer.Option(
            "--humans",
            help="Real respondents: a dataset name (anes2012), a descriptor .yaml, or a "
            ".csv/.parquet "
            "with respondent_id and one canonical-category column per trait.",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for match.parquet and diagnostics.json.")
    ],
    method: Annotated[
        MethodChoice, typer.Option("--method", help="How to match.")
    ] = MethodChoice.hungarian,
    n: Annotated[
        int | None,
        typer.Option(
            "--n", min=1, help="Draw n respondents (survey-weighted for datasets) instead of all."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for --n sampling and --method random.")] = 0,
    per_respondent: Annotated[
        int, typer.Option("--per-respondent", min=1, help="Personas per respondent (k-to-one).")
    ] = 1,
    traits: Annotated[
        str | None,
        typer.Option(help="Comma-separated traits to match on (default: all the pool has)."),
    ] = None,
    trait_weight: Annotated[
        list[str] | None,
        typer.Option("--trait-weight", help="TRAIT=W, the trait's weight (default 1); repeatable."),
    ] = None,
    eps: Annotated[
        float | None, typer.Option(help="Probability floor inside the log (default 1e-300).")
    ] = None,
    solver: Annotated[
        SolverChoice, typer.Option(help="hungarian: auto | dense | sparse (pruned + certificate).")
    ] = SolverChoice.auto,
    verify_dense: Annotated[
        bool, typer.Option(help="hungarian, sparse: also solve densely and record the gap.")
    ] = False,
) -> None:
    """Match every respondent to persona(s) by the product of per-trait probabilities (in logs)."""
    from chorus.matching import DEFAULT_EPS, MatchInputError, match_pool

    try:
        wanted = [t.strip() for t in traits.split(",") if t.strip()] if traits else None
        table, source = _respondents(humans, n, seed)
        result = match_pool(
            pool,
            table,
            source,
            out,
            method.value,
            traits=wanted,
            trait_weights=_trait_weights(trait_weight or []),
            eps=eps if eps is not None else DEFAULT_EPS,
            per_respondent=per_respondent,
            seed=seed,
            solver=solver.value,
            verify_dense=verify_dense,
        )
    except MatchInputError as exc:
        _fail(str(exc))
    d = result.diagnostics
    cert = f", certified optimal={d.certificate.certified}" if d.certificate else ""
    typer.echo(
        f"matched {d.n_respondents} respondents to {d.n_pairs} persona slots ({method.value}): "
        f"total log-weight {d.total_log_weight:.3f}, mean {d.mean_log_weight:.3f}{cert} -> {out}"
    )
