"""The consensus pipeline that `chorus consensus run` and a study's consensus stage both call:
the options they share, questions from a file or the debate bank, a seeded draw of the panel,
one episode per question."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from tqdm.auto import tqdm

from chorus.core import derive_seed
from chorus.engines import Engine
from chorus.simulator.consensus.episode import run_episode
from chorus.simulator.consensus.questions import Question
from chorus.simulator.consensus.representatives import (
    ALL_SECTIONS,
    DigitalRepresentative,
    ParticipantProfile,
    Section,
)
from chorus.simulator.consensus.reward import RewardModel
from chorus.simulator.consensus.schema import ConsensusConfig, Episode

# The Habermas Machine release's debate questions (data/PROVENANCE.md)
BANK = Path(__file__).resolve().parent / "data" / "debate_questions.json"
Split = Literal["train", "iid_test", "ood_test"]  # the bank's splits


def bank_questions(
    n: int, split: Split = "iid_test", seed: int = 0, ids: Sequence[str] | None = None
) -> list[Question]:
    """The questions named by `ids` (in bank order), or `n` drawn with `seed` from a split."""
    bank = json.loads(BANK.read_text())
    if ids:
        chosen = [q for q in bank if q["id"] in set(ids)]
        missing = sorted(set(ids) - {q["id"] for q in chosen})
        if missing:
            raise ValueError(f"question id(s) {missing} are not in the debate question bank")
    else:
        chosen = random.Random(seed).sample([q for q in bank if q["split"] == split], n)
    return [Question.model_validate(q) for q in chosen]


def draw_panel(
    profiles: Sequence[ParticipantProfile], size: int | None, seed: int
) -> list[ParticipantProfile]:
    """`size` participants (all when None or larger), drawn with a seed of their own and kept
    in the given order."""
    if size is None or size >= len(profiles):
        return list(profiles)
    rng = np.random.default_rng(derive_seed(seed, "panel"))
    return [profiles[i] for i in np.sort(rng.choice(len(profiles), size=size, replace=False))]


def run_consensus(
    engine: Engine,
    questions: Sequence[Question],
    panel: Sequence[ParticipantProfile],
    config: ConsensusConfig,
    sections: frozenset[Section] = ALL_SECTIONS,
    progress: bool = False,
    reward: RewardModel | None = None,
) -> list[Episode]:
    """One episode per question with the panel's digital representatives; `reward` scores the
    candidates (default: the representatives themselves)."""
    if len(panel) < 2:
        raise ValueError(
            f"the panel has {len(panel)} participant(s); a consensus needs two or more"
        )
    reps = [DigitalRepresentative(profile=p, sections=sections) for p in panel]
    bar = tqdm(total=len(questions), desc="consensus episodes", disable=not progress)
    units = [(q, reps, config) for q in questions]
    if reward is None:
        # one episode per unit: episodes spread over engine replicas, each computed as on one
        episodes = engine.map(_episode, units, lambda _: bar.update())
    else:  # a trained reward model stays in this process; its engine calls still go out whole
        episodes = []
        for unit in units:
            episodes.append(run_episode(engine, *unit, reward))
            bar.update()
    bar.close()
    return episodes


def _episode(
    engine: Engine, unit: tuple[Question, list[DigitalRepresentative], ConsensusConfig]
) -> Episode:
    return run_episode(engine, *unit)
