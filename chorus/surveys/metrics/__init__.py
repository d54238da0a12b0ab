"""The metrics of docs/measurement.md: distance by question kind (surveys.kinds), weighted
correlation Frobenius distance, Cronbach's alpha, group gaps with Cohen's d, perception error,
dispersion, subgroup distances, individual-level fidelity, BCa bootstrap intervals and the
like-for-like floor (a real panel of the same size)."""

from chorus.surveys.metrics.bootstrap import (
    MIN_RELIABLE_N,
    bca_interval,
    bootstrap,
    jackknife,
    percentile_interval,
)
from chorus.surveys.metrics.compare import common_questions, compare, comparison, value_matrix
from chorus.surveys.metrics.correlation import frobenius, weighted_corr
from chorus.surveys.metrics.dispersion import ratios as dispersion_ratios
from chorus.surveys.metrics.distance import distance, tvd, wasserstein, weighted_distribution
from chorus.surveys.metrics.floor import (
    equivalent_panel_size,
    floor_curve,
    panel_floor,
    real_panel,
)
from chorus.surveys.metrics.groups import GroupStats, cohens_d, gap, perception_error
from chorus.surveys.metrics.individual import (
    PersonScores,
    demographic_probs,
    person_scores,
    row_corr,
    trait_features,
    zscores,
)
from chorus.surveys.metrics.reliability import cronbach_alpha, reverse_items
from chorus.surveys.metrics.responses import ResponseSet, constant, from_answers, from_human

__all__ = [
    "MIN_RELIABLE_N",
    "GroupStats",
    "PersonScores",
    "ResponseSet",
    "bca_interval",
    "bootstrap",
    "cohens_d",
    "common_questions",
    "compare",
    "comparison",
    "constant",
    "cronbach_alpha",
    "demographic_probs",
    "dispersion_ratios",
    "distance",
    "equivalent_panel_size",
    "floor_curve",
    "frobenius",
    "from_answers",
    "from_human",
    "gap",
    "jackknife",
    "panel_floor",
    "percentile_interval",
    "perception_error",
    "person_scores",
    "real_panel",
    "reverse_items",
    "row_corr",
    "trait_features",
    "tvd",
    "value_matrix",
    "wasserstein",
    "weighted_corr",
    "weighted_distribution",
    "zscores",
]
