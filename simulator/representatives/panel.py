"""Reading participant profiles: a panel file (YAML/JSON) or a persona pool folder."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from chorus.simulator.representatives.profile import ParticipantProfile
from chorus.surveys import SurveyError, personas_from_pool, read_yaml


class PanelError(ValueError):
    """A panel that cannot be read; the message names the file and the record."""


def load_panel_file(path: Path) -> list[ParticipantProfile]:
    """A YAML or JSON file: a list of profiles, or {"participants": [...]}."""
    try:
        raw, _ = read_yaml(path)  # YAML or JSON; duplicate keys and alias bombs are errors
    except SurveyError as exc:
        raise PanelError(str(exc)) from None
    records = raw.get("participants") if isinstance(raw, dict) else raw
    if not isinstance(records, list) or not records:
        raise PanelError(
            f"{path}: expected a non-empty list of participants (or a mapping with a "
            "`participants` list), each with at least a participant_id"
        )
    profiles = []
    for i, rec in enumerate(records):
        try:
            profiles.append(ParticipantProfile.model_validate(rec))
        except ValidationError as exc:
            raise PanelError(f"{path}: participant record #{i}: {_first_error(exc)}") from exc
    _check_unique(profiles, str(path))
    return profiles


def load_persona_pool(folder: Path) -> list[ParticipantProfile]:
    """A persona pool (docs/formats.md) read as surveys reads it: the backstory, and the
    demographics by the same rule (surveys.pool_category)."""
    try:
        personas = personas_from_pool(folder)
    except (SurveyError, OSError, ValueError) as exc:
        raise PanelError(str(exc)) from exc
    profiles = [ParticipantProfile.from_persona(p) for p in personas]
    _check_unique(profiles, str(folder))
    return profiles


def _check_unique(profiles: list[ParticipantProfile], where: str) -> None:
    seen: set[str] = set()
    for i, p in enumerate(profiles):
        if p.participant_id in seen:
            raise PanelError(f"{where}: record #{i} repeats participant_id {p.participant_id!r}")
        seen.add(p.participant_id)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err["loc"]) or "record"
    return f"{loc}: {err['msg']}"
