"""The metrics of DESIGN.md: Wasserstein distance, weighted correlation Frobenius distance,
Cronbach's alpha, group gaps with Cohen's d, perception error, bootstrap intervals and the
human floor."""

from chorus.surveys.metrics.bootstrap import bootstrap, human_floor, percentile_interval
from chorus.surveys.metrics.compare import common_questions, compare, value_matrix
from chorus.surveys.metrics.correlation import frobenius, weighted_corr
from chorus.surveys.metrics.distance import wasserstein, weighted_distribution
from chorus.surveys.metrics.groups import GroupStats, cohens_d, gap, perception_error
from chorus.surveys.metrics.reliability import cronbach_alpha, reverse_items
from chorus.surveys.metrics.responses import ResponseSet, constant, from_answers, from_human

__all__ = [
    "GroupStats",
    "ResponseSet",
    "bootstrap",
    "cohens_d",
    "common_questions",
    "compare",
    "constant",
    "cronbach_alpha",
    "frobenius",
    "from_answers",
    "from_human",
    "gap",
    "human_floor",
    "percentile_interval",
    "perception_error",
    "reverse_items",
    "value_matrix",
    "wasserstein",
    "weighted_corr",
    "weighted_distribution",
]
