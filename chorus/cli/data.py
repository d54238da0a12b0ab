"""`chorus data crosstab`: a human dataset's microdata as the aggregate crosstab format (option
shares per question x subgroup, docs/formats.md#crosstab-csv)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chorus.cli.engine_options import fail


def register(app: typer.Typer) -> None:
    data = typer.Typer(no_args_is_help=True, help="Human data: convert microdata to aggregates.")
    data.command("crosstab")(crosstab)
    app.add_typer(data, name="data")


def crosstab(
    dataset: Annotated[str, typer.Argument(help="Human dataset: a name (anes2012) or YAML.")],
    instrument: Annotated[str, typer.Option(help="Instrument whose questions to tabulate.")],
    out: Annotated[Path, typer.Option(help="The crosstab CSV to write.")],
    traits: Annotated[
        str | None, typer.Option(help="Comma list of traits to break down by (default: all).")
    ] = None,
    pairs: Annotated[bool, typer.Option(help="Also every pair of those traits.")] = False,
    questions: Annotated[
        str | None, typer.Option(help="Comma list of question ids to tabulate (default: all).")
    ] = None,
    min_n: Annotated[
        int | None,
        typer.Option(min=1, help="Leave out cells with fewer respondents (default 30)."),
    ] = None,
) -> None:
    """Weighted option shares of DATASET's respondents per question x subgroup, with the
    number of respondents behind each cell; the overall row has an empty subgroup."""
    from chorus.surveys import SurveyError, load_dataset, load_instrument
    from chorus.surveys.crosstab import MIN_CELL_N, crosstab_from_dataset, write_crosstab

    wanted = [t.strip() for t in traits.split(",")] if traits else None
    try:
        inst = load_instrument(instrument)
        table = crosstab_from_dataset(
            load_dataset(dataset), inst, wanted, pairs, MIN_CELL_N if min_n is None else min_n,
            questions=[q.strip() for q in questions.split(",")] if questions else None,
        )
    except (SurveyError, ValueError) as exc:
        fail(str(exc))
    write_crosstab(table, inst, out)
    typer.echo(
        f"{len(table.cells)} cells ({len(table.questions())} questions x "
        f"{len(table.subgroups())} subgroups) -> {out}"
    )
