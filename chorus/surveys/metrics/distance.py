"""Distances between answer distributions, chosen by the question's kind (surveys.kinds): W1
over ordered options, total variation over nominal ones for the shipped kinds."""

from __future__ import annotations

import numpy as np

from chorus.surveys.kinds import kind_spec, tvd, wasserstein
from chorus.surveys.weighting import weighted_distribution

__all__ = ["distance", "tvd", "wasserstein", "weighted_distribution"]


def distance(kind: str, p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """The distance of kind `kind` between two distributions (docs/measurement.md); `normalise`
    False gives its raw form (W1 in option steps; TVD has no other form)."""
    return kind_spec(kind).distance(p, q, normalise)
