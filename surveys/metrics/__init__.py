"""The metrics of DESIGN.md: Wasserstein distance, weighted correlation Frobenius distance,
Cronbach's alpha, group gaps with Cohen's d, perception error, bootstrap intervals and the
human floor."""

from surveys.metrics.bootstrap import bootstrap, human_floor, percentile_interval
from surveys.metrics.compare import compare
from surveys.metrics.correlation import frobenius, weighted_corr
from surveys.metrics.distance import wasserstein, weighted_distribution
from surveys.metrics.groups import GroupStats, cohens_d, gap, perception_error
from surveys.metrics.reliability import cronbach_alpha, reverse_items
from surveys.metrics.responses import ResponseSet, constant, from_answers, from_human

__all__ = [
    "GroupStats",
    "ResponseSet",
    "bootstrap",
    "cohens_d",
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
    "wasserstein",
    "weighted_corr",
    "weighted_distribution",
]
