"""Errors of the surveys part; each message names the file/line or record and what to do."""

from __future__ import annotations

from chorus.core.errors import InputFileError, LocatedError


class SurveyError(Exception):
    """Base class for errors raised by chorus.surveys."""


class SurveyFileError(SurveyError, InputFileError):
    """An instrument or dataset descriptor file is malformed (message starts with file:line)."""


class DatasetError(SurveyError):
    """Human data does not fit its descriptor or an instrument's mapping."""


__all__ = ["DatasetError", "LocatedError", "SurveyError", "SurveyFileError"]
