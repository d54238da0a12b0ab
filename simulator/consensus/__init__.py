"""The consensus mechanism (Bakker et al. 2022, the Habermas Machine): a mediator writes
candidate group statements, a personalised reward model (digital representatives) gives every
participant's agreement, a social welfare function picks the winner, critiques drive revisions.
Every part is swappable; every episode is recorded."""

from simulator.consensus.episode import collect_opinions, run_episode
from simulator.consensus.measures import ConsensusMeasures, Estimate, bootstrap, measure
from simulator.consensus.mediator import (
    Candidate,
    MediatorSettings,
    draft_requests,
    write_candidates,
)
from simulator.consensus.questions import Question, QuestionFileError, load_questions
from simulator.consensus.records import read_episodes, write_atomic, write_episodes, write_json
from simulator.consensus.reward import RepresentativeReward, RewardModel
from simulator.consensus.sanitize import WITHHELD, Screened, screen
from simulator.consensus.schema import (
    ConsensusConfig,
    Episode,
    ExclusionRecord,
    OpinionRecord,
    RoundRecord,
)
from simulator.consensus.schulze import pairwise_preferences, schulze_scores, strongest_paths
from simulator.consensus.welfare import SocialWelfare, isoelastic

__all__ = [
    "WITHHELD",
    "Candidate",
    "ConsensusConfig",
    "ConsensusMeasures",
    "Episode",
    "Estimate",
    "ExclusionRecord",
    "MediatorSettings",
    "OpinionRecord",
    "Question",
    "QuestionFileError",
    "RepresentativeReward",
    "RewardModel",
    "RoundRecord",
    "Screened",
    "SocialWelfare",
    "bootstrap",
    "collect_opinions",
    "draft_requests",
    "isoelastic",
    "load_questions",
    "measure",
    "pairwise_preferences",
    "read_episodes",
    "run_episode",
    "schulze_scores",
    "screen",
    "strongest_paths",
    "write_atomic",
    "write_candidates",
    "write_episodes",
    "write_json",
]
