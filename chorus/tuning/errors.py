"""Errors of the tuning part; each message names what is wrong, where, and what to do."""

from __future__ import annotations


class TuningError(Exception):
    """Bad tuning input (questions, data, options) or a training run that cannot go on."""
