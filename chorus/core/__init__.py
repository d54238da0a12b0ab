"""What every part uses and no part owns: the atomic writer, the one seed derivation, prompt
templates and the quoting of untrusted text, the YAML reader with located errors and the list-of-
records loader, the robust CSV read. It imports no other part of chorus."""

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
