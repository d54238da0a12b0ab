"""chorus: a persona-conditioned survey simulator.

The notebook API (the CLI, `chorus --help`, runs the same functions):

    import chorus
    eng = chorus.load_engine()                                 # the embedded model
    inst = chorus.load_instrument("anes2012").subset(["gay_marry", "gun_control"])
    panel = chorus.demographic_panel("anes2012", n=20, seed=0)  # or chorus.load_pool(folder)
    res = chorus.ask(eng, panel, inst, conditioning="qa")       # -> Results
    res.to_pandas()          # one row per persona x question x perspective x option
    score = res.score("anes2012")                              # -> Score
    est = chorus.estimate(eng, "anes2012", "anes2012", pilot_n=100, frame_n=300,
                          calibration=["ft_dem"])             # PPI++ shares, k* -> Estimates
    score.to_pandas()        # one row per question and metric, with 95% intervals
    chorus.run_study("studies/anes2012-demo.yaml")             # `chorus run`; -> the run folder
    chorus.tune("anes2012", "anes2012", "tuned/", holdout_questions=["gay_marry"])  # `chorus tune`

Each part is a subpackage with its own public API, listed from the ground floor up (a part
imports only parts below it; docs/architecture.md): chorus.core, chorus.engines,
chorus.surveys, chorus.backstories, chorus.personas, chorus.matching, chorus.tuning,
chorus.simulator, chorus.cli. The names below load on first use (PEP 562), so
`import chorus.matching` does not pay for the study runner or torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chorus.core.lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ loads them
    from chorus.engines import Engine, load_engine
    from chorus.simulator.study import Study, load_study, run_study
    from chorus.surveys import (
        Instrument,
        Persona,
        Results,
        Score,
        ask,
        demographic_panel,
        load_dataset,
        load_instrument,
    )
    from chorus.surveys import personas_from_pool as load_pool
    from chorus.surveys.estimates import Estimates, estimate
    from chorus.tuning import TuneOptions, tune

__all__ = [
    "Engine",
    "Estimates",
    "Instrument",
    "Persona",
    "Results",
    "Score",
    "Study",
    "ask",
    "demographic_panel",
    "estimate",
    "load_dataset",
    "load_engine",
    "load_instrument",
    "load_pool",
    "load_study",
    "run_study",
    "tune",
    "TuneOptions",
]


__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Engine": "chorus.engines",
        "load_engine": "chorus.engines",
        "Study": "chorus.simulator.study",
        "load_study": "chorus.simulator.study",
        "run_study": "chorus.simulator.study",
        "Instrument": "chorus.surveys",
        "Persona": "chorus.surveys",
        "Results": "chorus.surveys",
        "Score": "chorus.surveys",
        "ask": "chorus.surveys",
        "demographic_panel": "chorus.surveys",
        "Estimates": "chorus.surveys.estimates",
        "estimate": "chorus.surveys.estimates",
        "load_dataset": "chorus.surveys",
        "load_instrument": "chorus.surveys",
        "load_pool": "chorus.surveys:personas_from_pool",
        "tune": "chorus.tuning",
        "TuneOptions": "chorus.tuning",
    },
)
