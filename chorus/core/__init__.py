"""What every part uses and no part owns: the atomic writer, the one seed derivation, prompt
templates and the quoting of untrusted text, the YAML reader with located errors and the list-of-
records loader, the robust CSV read. It imports no other part of chorus."""

from typing import TYPE_CHECKING

from chorus.core.lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and editors read; at run time the names load on use
    from chorus.core.atomic import write_atomic
    from chorus.core.errors import InputFileError, LocatedError
    from chorus.core.quoting import Quoted, neutralise, normalise, quote
    from chorus.core.records import check_unique, load_records
    from chorus.core.seeds import derive_seed
    from chorus.core.tables import read_csv
    from chorus.core.templates import Templates
    from chorus.core.yamlfile import LineMap, format_loc, line_of, load_model, read_yaml

__all__ = [
    "InputFileError",
    "LineMap",
    "LocatedError",
    "Quoted",
    "Templates",
    "check_unique",
    "derive_seed",
    "format_loc",
    "line_of",
    "load_model",
    "load_records",
    "neutralise",
    "normalise",
    "quote",
    "read_csv",
    "read_yaml",
    "write_atomic",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "write_atomic": "chorus.core.atomic",
        "InputFileError": "chorus.core.errors",
        "LocatedError": "chorus.core.errors",
        "Quoted": "chorus.core.quoting",
        "neutralise": "chorus.core.quoting",
        "normalise": "chorus.core.quoting",
        "quote": "chorus.core.quoting",
        "check_unique": "chorus.core.records",
        "load_records": "chorus.core.records",
        "derive_seed": "chorus.core.seeds",
        "read_csv": "chorus.core.tables",
        "Templates": "chorus.core.templates",
        "LineMap": "chorus.core.yamlfile",
        "format_loc": "chorus.core.yamlfile",
        "line_of": "chorus.core.yamlfile",
        "load_model": "chorus.core.yamlfile",
        "read_yaml": "chorus.core.yamlfile",
    },
)
