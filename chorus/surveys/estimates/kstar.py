"""What a simulator is worth in real respondents: the synthetic sample size k* of Huang, Wu and
Wang (ICML 2025). On calibration questions with human answers (never the ones being
estimated), treat the simulator's share as the mean of k synthetic respondents and form its 95%
interval p +- z sqrt(p (1 - p) / k); k* is the largest k whose intervals still cover the human
share at the nominal rate over every question x option cell. Beyond k*, more simulated people
only make a biased interval narrower."""

from __future__ import annotations

import numpy as np

from chorus.surveys.estimates.ppi import Z95

K_GRID = (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 2000, 5000)


def coverage_at(k: int, sim: np.ndarray, human: np.ndarray) -> float:
    """Share of cells whose k-respondent interval around the simulated share holds the human
    share (`sim`, `human`: shares of every calibration question x option cell)."""
    half = Z95 * np.sqrt(sim * (1.0 - sim) / k)
    return float(np.mean(np.abs(sim - human) <= half))


def k_star(
    sim: np.ndarray, human: np.ndarray, level: float = 0.95, grid: tuple[int, ...] = K_GRID
) -> tuple[int, dict[int, float]]:
    """(k*, coverage per k): k* is the largest k on the grid with coverage >= level (0 when
    even one synthetic respondent's interval under-covers)."""
    cov = {k: coverage_at(k, np.asarray(sim), np.asarray(human)) for k in grid}
    ok = [k for k, c in cov.items() if c >= level]
    return (max(ok) if ok else 0), cov
