"""Errors the engine layer raises; each message says what went wrong and what to do."""

from typing import Any


class EngineError(Exception):
    """Base class for engine errors."""


class ModelNotFoundError(EngineError):
    pass


class EngineOptionError(EngineError, ValueError):
    """An engine setting outside its choices."""


def check_choice(option: str, value: object, choices: tuple) -> None:
    if value not in choices:
        raise EngineOptionError(
            f"{option} {value!r} is not one of: {', '.join(map(str, choices))}"
        )


class ContextOverflowError(EngineError):
    pass


class CacheCorruptError(EngineError):
    pass


class CacheWriteError(EngineError):
    pass


class EngineUnavailableError(EngineError):
    """An optional backend (vllm, a server) cannot be used here."""


class EngineRequestError(EngineError):
    """A request failed for good (after retries). `completed` holds the results of the call's
    other requests that did arrive (position in the call -> result), so that the cache keeps
    them and a rerun resumes instead of starting over."""

    def __init__(self, message: str, completed: dict[int, Any] | None = None) -> None:
        super().__init__(message)
        self.completed = completed or {}
