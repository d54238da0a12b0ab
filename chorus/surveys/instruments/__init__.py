"""Shipped instruments (YAML) and the functions that load them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chorus.core.yamlfile import line_of, load_model
from chorus.surveys.errors import SurveyFileError
from chorus.surveys.grids import expand_grids
from chorus.surveys.schema import Instrument

INSTRUMENTS_DIR = Path(__file__).resolve().parent
DEMOGRAPHICS = "demographics"
TRAITS: tuple[str, ...] = (
    "age",
    "gender",
    "race",
    "education",
    "income",
    "religion",
    "region",
    "party",
    "ideology",
)


def shipped_instruments() -> list[str]:
    return sorted(p.stem for p in INSTRUMENTS_DIR.glob("*.yaml"))


def instrument_path(name_or_path: str | Path) -> Path:
    """A shipped instrument name (e.g. `anes2012`) or a path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise SurveyFileError(f"{path}: no such instrument file")
        return path
    shipped = INSTRUMENTS_DIR / f"{name_or_path}.yaml"
    if not shipped.is_file():
        raise SurveyFileError(
            f"unknown instrument {str(name_or_path)!r}: give a .yaml path or one of "
            f"{shipped_instruments()}"
        )
    return shipped


def load_instrument(name_or_path: str | Path) -> Instrument:
    """Load and validate an instrument; errors name the file and line."""
    path = instrument_path(name_or_path)
    instrument, lines = load_model(
        path, Instrument, error=SurveyFileError,
        prepare=lambda data, lines: expand_grids(data, lines, path),
    )  # fmt: skip
    instrument.located(str(path), lines)
    if path.resolve() != (INSTRUMENTS_DIR / f"{DEMOGRAPHICS}.yaml").resolve():
        _check_group_traits(instrument, path, lines)
    return instrument


def _check_group_traits(instrument: Instrument, path: Path, lines: dict) -> None:
    """Group sets must be defined on canonical traits and categories."""
    traits = demographic_traits()
    for name, gs in instrument.groups.items():
        if gs.trait not in traits:
            at = line_of(lines, ("groups", name, "trait"))
            raise SurveyFileError(
                f"{path}:{at}: groups.{name}.trait: unknown trait {gs.trait!r} "
                f"(traits: {sorted(traits)})"
            )
        for i, member in enumerate(gs.members):
            unknown = [c for c in member.categories if c not in traits[gs.trait]]
            if unknown:
                at = line_of(lines, ("groups", name, "members", i, "categories"))
                raise SurveyFileError(
                    f"{path}:{at}: groups.{name}: categories {unknown} are not categories of "
                    f"{gs.trait!r} ({traits[gs.trait]})"
                )


@lru_cache(maxsize=1)
def demographics_instrument() -> Instrument:
    """The canonical demographic traits, as an instrument (question id = trait name)."""
    instrument = load_instrument(DEMOGRAPHICS)
    ids = tuple(q.id for q in instrument.questions)
    if ids != TRAITS:
        raise SurveyFileError(f"{instrument.source}: traits must be {TRAITS}, found {ids}")
    return instrument


def demographic_traits() -> dict[str, list[str]]:
    """Trait -> ordered canonical category labels, without the not-mentioned option."""
    return {
        q.id: [o.text for o in q.substantive_options] for q in demographics_instrument().questions
    }
