"""What a run checks after it has the run lock and before the model loads: the state of files
the study points at (the study's own fields are checked when it is loaded, schema.py)."""

from __future__ import annotations

import fcntl
from pathlib import Path

from chorus.simulator.study.runfolder import RunFolderError
from chorus.simulator.study.schema import Study


def check_inputs(study: Study) -> None:
    """The target dataset's answers must map onto the asked questions, and a given pool must be
    a readable persona pool that no other process is writing."""
    _answers_map(study)
    if study.pool.path is None:
        return
    from chorus.personas import LOCK_FILE, PoolError, read_pool

    folder = Path(study.pool.path)
    try:
        read_pool(folder)
    except PoolError as exc:
        raise RunFolderError(f"pool.path: {exc}") from None
    lock = folder / LOCK_FILE
    if lock.exists():
        with open(lock) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunFolderError(
                    f"pool.path: {folder}: another chorus process is writing this pool; wait "
                    "for it to finish"
                ) from None


def _answers_map(study: Study) -> None:
    """Every mapped answer of the target dataset fits its question (a number outside the range,
    a row of ranks that is not a ranking, an unknown selection): found now, not when the survey
    is scored after the model work."""
    from chorus.simulator.study.stages import instrument
    from chorus.surveys import SurveyError, load_dataset

    try:
        load_dataset(study.target.dataset).answers(instrument(study))
    except SurveyError as exc:
        raise RunFolderError(f"target.dataset: {exc}") from None
