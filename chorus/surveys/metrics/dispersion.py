"""Dispersion of a simulated answer distribution against the human one: LLM panels tend to be
under-dispersed (everyone gives the modal answer), a failure a distance can hide."""

from __future__ import annotations

import numpy as np

from chorus.surveys.kinds import kind_spec

LOW, HIGH = 0.5, 2.0  # ratios outside [LOW, HIGH] are flagged


def variance(p: np.ndarray, values: np.ndarray) -> float:
    mean = float(p @ values)
    return float(p @ (values - mean) ** 2)


def entropy(p: np.ndarray) -> float:
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum())


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def ratios(kind: str, sim: np.ndarray, human: np.ndarray, values: np.ndarray) -> dict[str, float]:
    """Simulated over human answer variance (over option values) and entropy; `ratio` is the
    one flagged: variance for ordered kinds, entropy for nominal ones (whose values are labels);
    the kind's spec says which it is."""
    if not kind_spec(kind).single_answer:  # selection rates or ranks: no dispersion
        return {"variance": float("nan"), "entropy": float("nan"), "ratio": float("nan")}
    var = _ratio(variance(sim, values), variance(human, values))
    ent = _ratio(entropy(sim), entropy(human))
    nominal = not kind_spec(kind).ordered
    return {"variance": float("nan") if nominal else var, "entropy": ent,
            "ratio": ent if nominal else var}  # fmt: skip


def flagged(ratio: float | None) -> bool:
    return ratio is not None and np.isfinite(ratio) and not LOW <= ratio <= HIGH
