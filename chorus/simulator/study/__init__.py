"""The study runner: one YAML file -> pool, match, survey, metrics, consensus pilot, report."""

from chorus.simulator.study.result import StudyResult
from chorus.simulator.study.runfolder import RunFolder, RunFolderError, RunLockedError
from chorus.simulator.study.runner import run_study
from chorus.simulator.study.schema import Study, load_study

__all__ = ["RunFolder", "RunFolderError",
    "RunLockedError", "Study", "StudyResult", "load_study", "run_study"]
