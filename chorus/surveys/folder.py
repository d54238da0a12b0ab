"""A survey folder: what `chorus survey run` and a study's survey stage write, and what
`chorus survey score` reads back (docs/formats.md, "Survey answers")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from chorus.core import write_atomic
from chorus.surveys.answering import read_answers, write_answers
from chorus.surveys.errors import DatasetError
from chorus.surveys.instruments import load_instrument
from chorus.surveys.results import Results

ANSWERS_FILE = "answers.parquet"
TRAITS_FILE = "persona_traits.parquet"
INSTRUMENT_FILE = "instrument.yaml"
RUN_FILE = "run.json"


class RunInfo(BaseModel):
    """run.json: how a survey folder's answers were made (`chorus survey run` and a study's
    survey stage both write it; the defaults read older folders that lack a key)."""

    model_config = ConfigDict(extra="allow")  # keys of other writers travel on unread
    instrument: str
    conditioning: str
    # where the personas came from: {"pool": DIR}, {"dataset", "n", "seed", "weighted"} or
    # {"study": NAME}
    personas: dict[str, Any]
    n_personas: int
    seed: int
    debias: str
    permutations: int = 2
    sequential: bool = False
    perspectives: Sequence[str] | None
    engine: dict[str, Any]
    rows: int
    incomplete_answers: int = 0  # answers resting on labels outside a server's top-K


def write_survey(folder: Path, results: Results, run: RunInfo) -> None:
    """The instrument as asked (a subset stays a subset), the personas' traits, the answers,
    and last `run.json` (how they were made), whose presence marks a complete folder."""
    inst = results.instrument.model_dump(mode="json", exclude_defaults=True)
    write_atomic(
        folder / INSTRUMENT_FILE,
        lambda p: p.write_text(yaml.safe_dump(inst, sort_keys=False, allow_unicode=True)),
    )
    write_atomic(folder / TRAITS_FILE, lambda p: results.traits.to_parquet(p, index=False))
    write_answers(results.answers, folder / ANSWERS_FILE)
    write_atomic(folder / RUN_FILE, lambda p: p.write_text(run.model_dump_json(indent=2)))


def read_survey(folder: Path) -> tuple[Results, RunInfo]:
    """Results and run.json of a folder written by `write_survey`."""
    if not (folder / RUN_FILE).is_file():
        raise DatasetError(
            f"{folder}: not a survey run folder (no {RUN_FILE}); run `chorus survey run` first"
        )
    try:
        run = RunInfo.model_validate_json((folder / RUN_FILE).read_text())
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DatasetError(
            f"{folder / RUN_FILE}: invalid at {'.'.join(map(str, first['loc']))}: "
            f"{first['msg']}; run `chorus survey run` again"
        ) from None
    results = Results(
        answers=read_answers(folder / ANSWERS_FILE),
        instrument=load_instrument(folder / INSTRUMENT_FILE),
        traits=pd.read_parquet(folder / TRAITS_FILE),
    )
    return results, run
