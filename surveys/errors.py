"""Errors of the surveys part; each message names the file/line or record and what to do."""

from __future__ import annotations


class SurveyError(Exception):
    """Base class for errors raised by chorus.surveys."""


class SurveyFileError(SurveyError):
    """An instrument or dataset descriptor file is malformed (message starts with file:line)."""


class DatasetError(SurveyError):
    """Human data does not fit its descriptor or an instrument's mapping."""


class LocatedError(ValueError):
    """Raised inside a pydantic validator to point at a sub-path of the object being validated
    (e.g. ("options", 2, "value")), so the file loader can report the exact YAML line."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
