"""The consensus mechanism (Bakker et al. 2022, the Habermas Machine): a mediator writes
candidate group statements, a personalised reward model (digital representatives) gives every
participant's agreement, a social welfare function picks the winner, critiques drive revisions.
Every part is swappable; every episode is recorded."""

from chorus.simulator.consensus.episode import collect_opinions, run_episode
from chorus.simulator.consensus.measures import ConsensusMeasures, Estimate, bootstrap, measure
from chorus.simulator.consensus.mediator import (
    Candidate,
    MediatorSettings,
    draft_requests,
    write_candidates,
)
from chorus.simulator.consensus.pilot import (
    BANK,
    ConsensusOptions,
    Split,
    bank_questions,
    draw_panel,
    run_consensus,
)
from chorus.simulator.consensus.questions import Question, QuestionFileError, load_questions
from chorus.simulator.consensus.records import (
    read_episodes,
    write_episodes,
    write_json,
)
from chorus.simulator.consensus.reward import RepresentativeReward, RewardModel
from chorus.simulator.consensus.sanitize import TextFlag, flag, fold, suspicion
from chorus.simulator.consensus.schema import (
    ConsensusConfig,
    Episode,
    ExclusionRecord,
    OpinionRecord,
    RoundRecord,
)
from chorus.simulator.consensus.schulze import pairwise_preferences, schulze_scores, strongest_paths
from chorus.simulator.consensus.welfare import SocialWelfare, isoelastic

__all__ = [
    "BANK",
    "Candidate",
    "ConsensusConfig",
    "ConsensusOptions",
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
    "SocialWelfare",
    "Split",
    "TextFlag",
    "bank_questions",
    "bootstrap",
    "collect_opinions",
    "draft_requests",
    "draw_panel",
    "flag",
    "fold",
    "isoelastic",
    "load_questions",
    "measure",
    "pairwise_preferences",
    "read_episodes",
    "run_consensus",
    "run_episode",
    "schulze_scores",
    "strongest_paths",
    "suspicion",
    "write_candidates",
    "write_episodes",
    "write_json",
]
