"""Errors of the personas part; each message names the pool folder (or row) and what to do."""


class PoolError(Exception):
    """A persona pool folder is missing, malformed, busy, or was made with other settings."""
