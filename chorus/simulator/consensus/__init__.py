"""The consensus mechanism (Bakker et al. 2022, the Habermas Machine): a mediator writes
candidate group statements, a personalised reward model (digital representatives) gives every
participant's agreement, a social welfare function picks the winner, critiques drive revisions.
Every part is swappable; every episode is recorded."""

from typing import TYPE_CHECKING

from chorus.core.lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and editors read; at run time the names load on use
    from chorus.simulator.consensus.episode import collect_opinions, run_episode
    from chorus.simulator.consensus.measures import ConsensusMeasures, Estimate, bootstrap, measure
    from chorus.simulator.consensus.mediator import (
        Candidate,
        MediatorSettings,
        draft_requests,
        write_candidates,
    )
    from chorus.simulator.consensus.options import ConsensusOptions
    from chorus.simulator.consensus.pilot import (
        BANK,
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
    from chorus.simulator.consensus.schulze import (
        pairwise_preferences,
        schulze_scores,
        strongest_paths,
    )
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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "collect_opinions": "chorus.simulator.consensus.episode",
        "run_episode": "chorus.simulator.consensus.episode",
        "ConsensusMeasures": "chorus.simulator.consensus.measures",
        "Estimate": "chorus.simulator.consensus.measures",
        "bootstrap": "chorus.simulator.consensus.measures",
        "measure": "chorus.simulator.consensus.measures",
        "Candidate": "chorus.simulator.consensus.mediator",
        "MediatorSettings": "chorus.simulator.consensus.mediator",
        "draft_requests": "chorus.simulator.consensus.mediator",
        "write_candidates": "chorus.simulator.consensus.mediator",
        "BANK": "chorus.simulator.consensus.pilot",
        "ConsensusOptions": "chorus.simulator.consensus.options",
        "Split": "chorus.simulator.consensus.pilot",
        "bank_questions": "chorus.simulator.consensus.pilot",
        "draw_panel": "chorus.simulator.consensus.pilot",
        "run_consensus": "chorus.simulator.consensus.pilot",
        "Question": "chorus.simulator.consensus.questions",
        "QuestionFileError": "chorus.simulator.consensus.questions",
        "load_questions": "chorus.simulator.consensus.questions",
        "read_episodes": "chorus.simulator.consensus.records",
        "write_episodes": "chorus.simulator.consensus.records",
        "write_json": "chorus.simulator.consensus.records",
        "RepresentativeReward": "chorus.simulator.consensus.reward",
        "RewardModel": "chorus.simulator.consensus.reward",
        "TextFlag": "chorus.simulator.consensus.sanitize",
        "flag": "chorus.simulator.consensus.sanitize",
        "fold": "chorus.simulator.consensus.sanitize",
        "suspicion": "chorus.simulator.consensus.sanitize",
        "ConsensusConfig": "chorus.simulator.consensus.schema",
        "Episode": "chorus.simulator.consensus.schema",
        "ExclusionRecord": "chorus.simulator.consensus.schema",
        "OpinionRecord": "chorus.simulator.consensus.schema",
        "RoundRecord": "chorus.simulator.consensus.schema",
        "pairwise_preferences": "chorus.simulator.consensus.schulze",
        "schulze_scores": "chorus.simulator.consensus.schulze",
        "strongest_paths": "chorus.simulator.consensus.schulze",
        "SocialWelfare": "chorus.simulator.consensus.welfare",
        "isoelastic": "chorus.simulator.consensus.welfare",
    },
)
