"""Reading participant profiles: a panel file (YAML/JSON) or a persona pool folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml
from pydantic import ValidationError

from simulator.representatives.profile import ParticipantProfile


class PanelError(ValueError):
    """A panel that cannot be read; the message names the file and the record."""


def load_panel_file(path: Path) -> list[ParticipantProfile]:
    """A YAML or JSON file: a list of profiles, or {"participants": [...]}."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML is a superset of JSON
    except (OSError, yaml.YAMLError) as exc:
        raise PanelError(f"{path}: cannot read the panel file ({exc})") from exc
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
    """A persona pool (docs/formats.md): backstory, and demographics as each trait's most
    probable category when the pool is profiled."""
    table, manifest_path = folder / "personas.parquet", folder / "manifest.json"
    if not table.exists():
        raise PanelError(f"{folder}: not a persona pool (no personas.parquet)")
    try:
        df = pd.read_parquet(table)
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    except (OSError, ValueError) as exc:
        raise PanelError(f"{folder}: cannot read the persona pool ({exc})") from exc
    missing = {"persona_id", "backstory"} - set(df.columns)
    if missing:
        raise PanelError(f"{table}: missing column(s) {sorted(missing)}")
    traits: dict[str, list[str]] = manifest.get("demographics") or {}
    profiles = []
    for row in df.itertuples(index=False):
        demo = {}
        for trait, labels in traits.items():
            probs = getattr(row, f"demo__{trait}", None)
            if probs is not None and len(probs) == len(labels):
                demo[trait] = labels[max(range(len(labels)), key=lambda k: probs[k])]
        profiles.append(
            ParticipantProfile(
                participant_id=str(row.persona_id), backstory=row.backstory, demographics=demo
            )
        )
    _check_unique(profiles, str(table))
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
