"""Digital representatives (Jarrett et al. 2023): prompts that bind the model to one participant,
built from configurable sections, that write opinions and critiques, give 7-point agreement
distributions and vote agree / disagree / pass."""

from simulator.representatives.panel import PanelError, load_panel_file, load_persona_pool
from simulator.representatives.profile import (
    ALL_SECTIONS,
    CritiqueItem,
    OpinionItem,
    ParticipantProfile,
    PositionItem,
    Section,
    Vote,
)
from simulator.representatives.representative import LIKERT, DigitalRepresentative
from simulator.representatives.seeds import derive_seed
from simulator.representatives.tasks import (
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
from simulator.representatives.templating import Templates

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
    "Templates",
    "Vote",
    "agreement",
    "choice_probs",
    "derive_seed",
    "expected_agreement",
    "load_panel_file",
    "load_persona_pool",
    "votes",
    "write_critiques",
    "write_opinions",
]
