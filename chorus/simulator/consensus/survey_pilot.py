"""The consensus pilot fed by a survey (a study's, or `chorus consensus run --survey`): each
representative carries its persona's own answers (O) and perceptions (M), the mediator may see
the panel's positions and perception gaps, and after each episode the representatives answer
their out-group items again (the perception pre-test, perception.py)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chorus.engines import Engine
from chorus.simulator.consensus.options import ConsensusOptions
from chorus.simulator.consensus.panel_summary import panel_summary
from chorus.simulator.consensus.perception import (
    PerceptionMismatch,
    own_group_means,
    with_perception_checks,
)
from chorus.simulator.consensus.pilot import run_consensus
from chorus.simulator.consensus.questions import Question
from chorus.simulator.consensus.representatives import (
    DigitalRepresentative,
    ParticipantProfile,
    with_survey_answers,
)
from chorus.simulator.consensus.reward import RewardModel
from chorus.simulator.consensus.schema import Episode

if TYPE_CHECKING:  # surveys' datasets and Results load pandas
    from chorus.surveys import HumanDataset, Results


def run_survey_consensus(
    engine: Engine,
    questions: Sequence[Question],
    profiles: Sequence[ParticipantProfile],
    options: ConsensusOptions,
    survey: Results,
    dataset: HumanDataset | None,
    *,
    seed: int,
    debias: str = "reverse",
    progress: bool = False,
    reward: RewardModel | None = None,
) -> list[Episode]:
    """`run_consensus` with the survey's answers in the representatives, and the perception
    pre-test against `dataset`'s real respondents (None: perceptions recorded, no errors)."""
    from chorus.surveys import from_human

    panel = with_survey_answers(profiles, survey, options.opinion_questions)
    summary = (
        panel_summary([p.participant_id for p in panel], survey, options.opinion_questions)
        if options.mediator_panel
        else None
    )
    sections = options.section_set()
    episodes = run_consensus(
        engine,
        questions,
        panel,
        options.config(seed, panel=summary),
        sections=sections,
        progress=progress,
        reward=reward,
    )
    if not options.perception_shift or not (survey.answers["perspective"] == "outgroup").any():
        return episodes
    inst = survey.instrument
    if dataset is None:
        warnings.warn(
            f"no human dataset for instrument {inst.name!r}: the perception pre-test records the "
            "representatives' answers without the real out-group's to compare with",
            PerceptionMismatch,
            stacklevel=2,
        )
        actual = {}
    else:
        actual = own_group_means(from_human(dataset, inst), inst, dataset.name)
    reps = [DigitalRepresentative(profile=p, sections=sections) for p in panel]
    return with_perception_checks(engine, episodes, reps, survey, actual, debias=debias, seed=seed)
