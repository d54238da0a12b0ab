"""Population estimates from a human pilot and simulated answers: human-only, simulation-only
and PPI++ (prediction-powered, power-tuned) answer shares, overall and per subgroup, and the
simulator's worth in real respondents (k*)."""

from chorus.surveys.estimates.kstar import K_GRID, coverage_at, k_star
from chorus.surveys.estimates.pilot import (
    EstimateError,
    Estimates,
    draw_pilot,
    estimate,
    read_frame,
)
from chorus.surveys.estimates.ppi import (
    MeanEstimate,
    classical_mean,
    ppi_lambda,
    ppi_mean,
    simulation_mean,
)
from chorus.surveys.estimates.shares import MIN_SUBGROUP_PILOT, estimate_shares

__all__ = [
    "EstimateError",
    "Estimates",
    "K_GRID",
    "MIN_SUBGROUP_PILOT",
    "MeanEstimate",
    "classical_mean",
    "coverage_at",
    "draw_pilot",
    "estimate",
    "estimate_shares",
    "k_star",
    "ppi_lambda",
    "ppi_mean",
    "read_frame",
    "simulation_mean",
]
