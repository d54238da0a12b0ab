"""Errors the engine layer raises; each message says what went wrong and what to do."""


class EngineError(Exception):
    """Base class for engine errors."""


class ModelNotFoundError(EngineError):
    pass


class ContextOverflowError(EngineError):
    pass


class CacheCorruptError(EngineError):
    pass


class EngineUnavailableError(EngineError):
    """An optional backend (vllm, a server) cannot be used here."""
