"""Digital representatives (Jarrett et al. 2023): prompts that bind the model to one participant,
built from configurable sections, that write opinions and critiques, give 7-point agreement
distributions and vote agree / disagree / pass."""

from chorus.simulator.consensus.representatives.panel import (
    PanelError,
    load_panel_file,
    load_persona_pool,
)
from chorus.simulator.consensus.representatives.profile import (
    ALL_SECTIONS,
    CritiqueItem,
    OpinionItem,
    ParticipantProfile,
    PositionItem,
    Section,
    Vote,
)
from chorus.simulator.consensus.representatives.representative import (
    LIKERT,
    DigitalRepresentative,
    prompts_hash,
)
from chorus.simulator.consensus.representatives.tasks import (
    LIKERT_LABELS,
    VOTE_LABELS,
    Ask,
    Critique,
    agreement,
    choice_probs,
    expected_agreement,
    votes,
    write_critiques,
    write_opinions,
)

__all__ = [
    "ALL_SECTIONS",
    "LIKERT",
    "LIKERT_LABELS",
    "VOTE_LABELS",
    "Ask",
    "Critique",
    "CritiqueItem",
    "DigitalRepresentative",
    "OpinionItem",
    "PanelError",
    "ParticipantProfile",
    "PositionItem",
    "Section",
    "Vote",
    "agreement",
    "choice_probs",
    "expected_agreement",
    "load_panel_file",
    "load_persona_pool",
    "prompts_hash",
    "votes",
    "write_critiques",
    "write_opinions",
]
