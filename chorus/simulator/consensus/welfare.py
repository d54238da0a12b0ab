"""Aggregating participants' utilities into one choice: the isoelastic social welfare function
W_alpha (Bakker et al. 2022) or Schulze's method."""

from __future__ import annotations

import math
import re

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from chorus.simulator.consensus.schulze import schulze_scores

_NAMED = {"utilitarian": 0.0, "nash": 1.0, "rawlsian": math.inf}


def isoelastic(utilities: np.ndarray, alpha: float) -> np.ndarray:
    """W_alpha per candidate over participants (axis 0), as the equally-distributed equivalent
    (a utility level, comparable across alpha): alpha=0 the mean, 1 the geometric mean, inf the
    minimum, (mean u^(1-alpha))^(1/(1-alpha)) otherwise. Utilities must be positive."""
    u = np.asarray(utilities, dtype=float)
    if np.any(u <= 0):
        raise ValueError("isoelastic welfare needs positive utilities (the Likert scale is 1..7)")
    if math.isinf(alpha):
        return u.min(axis=0)
    logs = np.log(u)
    if alpha == 1.0:
        return np.exp(logs.mean(axis=0))
    from scipy.special import logsumexp  # here: `chorus --help` reads this module's options

    s = 1.0 - alpha  # computed in log space: u^(1-alpha) overflows for large alpha
    return np.exp((logsumexp(s * logs, axis=0) - math.log(len(u))) / s)


class SocialWelfare(BaseModel):
    """`utilitarian`, `nash`, `rawlsian`, `schulze` or `alpha=A` (A >= 0, or inf)."""

    model_config = ConfigDict(frozen=True)
    method: str  # "isoelastic" | "schulze"
    alpha: float = Field(default=0.0, ge=0.0)

    @classmethod
    def parse(cls, spec: str) -> SocialWelfare:
        s = spec.strip().lower()
        if s == "schulze":
            return cls(method="schulze")
        if s in _NAMED:
            return cls(method="isoelastic", alpha=_NAMED[s])
        m = re.fullmatch(r"alpha\s*=\s*(inf|[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?)", s)
        if m is None:
            raise ValueError(
                f"unknown social welfare function {spec!r}: use utilitarian, nash, rawlsian, "
                "schulze or alpha=A with A >= 0 (e.g. alpha=0.5, alpha=inf)"
            )
        return cls(method="isoelastic", alpha=float(m.group(1)))

    @property
    def name(self) -> str:
        if self.method == "schulze":
            return "schulze"
        names = {v: k for k, v in _NAMED.items()}
        return names.get(self.alpha, f"alpha={self.alpha:g}")

    def scores(self, utilities: np.ndarray) -> np.ndarray:
        if self.method == "schulze":
            return schulze_scores(utilities)
        return isoelastic(utilities, self.alpha)

    def select(self, utilities: np.ndarray) -> tuple[int, np.ndarray]:
        """-> (winner, scores). Ties go to the higher mean utility, then the lower index, so
        the choice is deterministic."""
        scores = self.scores(utilities)
        mean = np.asarray(utilities, dtype=float).mean(axis=0)
        order = np.lexsort((np.arange(len(scores)), -mean, -scores))
        return int(order[0]), scores
