"""`chorus demo`: studies/anes2012-demo.yaml on the embedded model, end to end."""

from __future__ import annotations

import time
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

# studies/ ships as package data (chorus.studies), so an installed chorus never reads a checkout.
DEMO = Path(str(files("chorus.studies") / "anes2012-demo.yaml"))


def demo(
    study: Annotated[Path, typer.Option(help="Study file to run.")] = DEMO,
    runs: Annotated[Path, typer.Option(help="Folder that holds run folders.")] = Path("runs"),
) -> None:
    """Run the demo study: ~40 personas matched to ANES 2012 respondents, the survey with
    perspectives, the metrics, two consensus episodes, and report.html."""
    from chorus.cli.run import run_file

    start = time.time()
    folder = run_file(study, runs)
    typer.echo(f"demo finished in {time.time() - start:.0f} s; open {folder / 'report.html'}")
