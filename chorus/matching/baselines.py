"""The two reference methods: a random one-to-one assignment (the floor any method must beat)
and networkx's general max_weight_matching (what a user would otherwise reach for; for
cross-checking small instances only, it is pure Python and cubic)."""

from __future__ import annotations

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from chorus.matching.errors import MatchInputError
from chorus.matching.weights import LogWeights

NETWORKX_MAX_EDGES = 1_000_000


def random_matching(model: LogWeights, seed: int) -> NDArray[np.int64]:
    """A uniformly random set of distinct personas, one per respondent row."""
    model.check_one_to_one()
    return np.random.default_rng(seed).choice(
        model.n_personas, size=model.n_respondents, replace=False
    )


def networkx_matching(model: LogWeights) -> NDArray[np.int64]:
    """Maximum total log-weight one-to-one matching via networkx (blossom algorithm)."""
    model.check_one_to_one()
    n_h, n_v = model.n_respondents, model.n_personas
    if n_h * n_v > NETWORKX_MAX_EDGES:
        raise MatchInputError(
            f"networkx would need {n_h * n_v:,} edges (limit {NETWORKX_MAX_EDGES:,}); it is for "
            "cross-checking small instances: use --method hungarian"
        )
    w = model.block(np.arange(n_h))
    # All respondents get matched (maxcardinality), so shifting every weight by one constant to
    # make it positive leaves the best matching unchanged; the shift is exact on the weight grid.
    w -= w.min() - 1.0
    graph = nx.Graph()
    rows = w.tolist()
    graph.add_weighted_edges_from((h, n_h + v, rows[h][v]) for h in range(n_h) for v in range(n_v))
    persona = np.full(n_h, -1, dtype=np.int64)
    for a, b in nx.max_weight_matching(graph, maxcardinality=True):
        h, v = (a, b) if a < n_h else (b, a)
        persona[h] = v - n_h
    return persona
