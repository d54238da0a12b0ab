"""The base of every error about a file the user gave: its message starts with `file:line` (or
the file and record) and says what to do. Each part raises its own subclass."""

from __future__ import annotations


class InputFileError(Exception):
    """A user's file is unreadable or malformed (message: `file:line: where: what to do`)."""


class LocatedError(ValueError):
    """Raised inside a pydantic validator to point at a sub-path of the object being validated
    (e.g. ("options", 2, "value")), so the file loader can report the exact YAML line."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
