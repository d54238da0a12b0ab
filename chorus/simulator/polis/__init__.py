"""Validation on real Polis deliberations (CC BY 4.0, see data/ATTRIBUTION.md): digital
representatives predict held-out votes; baselines and group-informed consensus; reward models
trained on the votes (they score statements nobody has voted on)."""

from chorus.simulator.polis.collaborative import Collaborative
from chorus.simulator.polis.evaluate import PolisEvaluation, PolisReport, evaluate_polis
from chorus.simulator.polis.groups import opinion_groups
from chorus.simulator.polis.loader import (
    Conversation,
    PolisDataError,
    conversation_names,
    load_conversation,
)
from chorus.simulator.polis.metrics import Scores, group_rates, score, top_k
from chorus.simulator.polis.profiles import O_ITEMS, conversation_panel, vote_profile
from chorus.simulator.polis.reward_eval import (
    RewardEvaluation,
    RewardRows,
    RewardScores,
    evaluate_reward,
)
from chorus.simulator.polis.reward_model import TextReward, likert
from chorus.simulator.polis.split import Split, holdout_split
from chorus.simulator.polis.trained_reward import (
    RewardSpecError,
    TrainedReward,
    load_reward,
    train_reward,
    trained_reward,
)

__all__ = [
    "Collaborative",
    "RewardEvaluation",
    "RewardRows",
    "RewardScores",
    "RewardSpecError",
    "TextReward",
    "TrainedReward",
    "evaluate_reward",
    "likert",
    "load_reward",
    "train_reward",
    "trained_reward",
    "O_ITEMS",
    "Conversation",
    "PolisDataError",
    "PolisEvaluation",
    "PolisReport",
    "Scores",
    "Split",
    "conversation_names",
    "conversation_panel",
    "evaluate_polis",
    "group_rates",
    "holdout_split",
    "load_conversation",
    "opinion_groups",
    "score",
    "top_k",
    "vote_profile",
]
