"""Reading participant profiles: a panel file (YAML/JSON) or a persona pool folder."""

from __future__ import annotations

from pathlib import Path

from chorus.core import InputFileError, check_unique, load_records
from chorus.simulator.consensus.representatives.profile import ParticipantProfile
from chorus.surveys import SurveyError, personas_from_pool


class PanelError(InputFileError, ValueError):
    """A panel that cannot be read; the message names the file and the record."""


def load_panel_file(path: Path) -> list[ParticipantProfile]:
    """A YAML or JSON file: a list of profiles, or {"participants": [...]}."""
    profiles = load_records(
        path, ParticipantProfile, key="participants", what="participant record", error=PanelError
    )
    check_unique((p.participant_id for p in profiles), str(path), "participant_id", PanelError)
    return profiles


def load_persona_pool(folder: Path) -> list[ParticipantProfile]:
    """A persona pool (docs/formats.md) read as surveys reads it: the backstory, and the
    demographics by the same rule (surveys.pool_category)."""
    try:
        personas = personas_from_pool(folder)
    except (SurveyError, OSError, ValueError) as exc:
        raise PanelError(str(exc)) from exc
    profiles = [ParticipantProfile.from_persona(p) for p in personas]
    check_unique((p.participant_id for p in profiles), str(folder), "participant_id", PanelError)
    return profiles
