"""Digital representatives (Jarrett et al. 2023): prompts that bind the model to one participant,
built from configurable sections, that write opinions and critiques, give 7-point agreement
distributions and vote agree / disagree / pass."""

from typing import TYPE_CHECKING

from chorus.core.lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and editors read; at run time the names load on use
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
        PerceptionItem,
        PositionItem,
        Section,
        Vote,
    )
    from chorus.simulator.consensus.representatives.representative import (
        LIKERT,
        DigitalRepresentative,
        prompts_hash,
    )
    from chorus.simulator.consensus.representatives.survey import (
        check_survey_items,
        most_likely,
        self_questions,
        with_survey_answers,
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
    "PerceptionItem",
    "PositionItem",
    "Section",
    "Vote",
    "agreement",
    "check_survey_items",
    "choice_probs",
    "expected_agreement",
    "load_panel_file",
    "load_persona_pool",
    "most_likely",
    "prompts_hash",
    "self_questions",
    "votes",
    "with_survey_answers",
    "write_critiques",
    "write_opinions",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "PanelError": "chorus.simulator.consensus.representatives.panel",
        "load_panel_file": "chorus.simulator.consensus.representatives.panel",
        "load_persona_pool": "chorus.simulator.consensus.representatives.panel",
        "ALL_SECTIONS": "chorus.simulator.consensus.representatives.profile",
        "CritiqueItem": "chorus.simulator.consensus.representatives.profile",
        "OpinionItem": "chorus.simulator.consensus.representatives.profile",
        "ParticipantProfile": "chorus.simulator.consensus.representatives.profile",
        "PerceptionItem": "chorus.simulator.consensus.representatives.profile",
        "PositionItem": "chorus.simulator.consensus.representatives.profile",
        "Section": "chorus.simulator.consensus.representatives.profile",
        "Vote": "chorus.simulator.consensus.representatives.profile",
        "LIKERT": "chorus.simulator.consensus.representatives.representative",
        "DigitalRepresentative": "chorus.simulator.consensus.representatives.representative",
        "prompts_hash": "chorus.simulator.consensus.representatives.representative",
        "check_survey_items": "chorus.simulator.consensus.representatives.survey",
        "most_likely": "chorus.simulator.consensus.representatives.survey",
        "self_questions": "chorus.simulator.consensus.representatives.survey",
        "with_survey_answers": "chorus.simulator.consensus.representatives.survey",
        "LIKERT_LABELS": "chorus.simulator.consensus.representatives.tasks",
        "VOTE_LABELS": "chorus.simulator.consensus.representatives.tasks",
        "Ask": "chorus.simulator.consensus.representatives.tasks",
        "Critique": "chorus.simulator.consensus.representatives.tasks",
        "agreement": "chorus.simulator.consensus.representatives.tasks",
        "choice_probs": "chorus.simulator.consensus.representatives.tasks",
        "expected_agreement": "chorus.simulator.consensus.representatives.tasks",
        "votes": "chorus.simulator.consensus.representatives.tasks",
        "write_critiques": "chorus.simulator.consensus.representatives.tasks",
        "write_opinions": "chorus.simulator.consensus.representatives.tasks",
    },
)
