"""One-to-one maximum total log-weight matching (rectangular: more personas than respondents).

Small problems are solved densely with scipy's linear_sum_assignment. Large ones keep each
respondent's exact top-k personas, solve that sparse problem with
min_weight_full_bipartite_matching (LAPJVsp), and certify the result for the full problem with LP
duality (see duals.py): respondents whose certificate fails get lists four times longer and the
sparse problem is solved again, until the certificate holds for everyone (or max_rounds, when
the gap bound is reported instead); every list grows when the sparse graph has no full matching.
Ties between equally good matchings are left to the solver (deterministic for equal inputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from chorus.matching.duals import matching_duals
from chorus.matching.topk import TopKIndex
from chorus.matching.weights import LogWeights

DENSE_LIMIT = 4_000_000  # respondent x persona entries (32 MB) up to which "auto" goes dense
VERIFY_LIMIT = 100_000_000  # entries (800 MB) up to which verify_dense builds the dense problem


@dataclass(frozen=True)
class Solution:
    persona: NDArray[np.int64]  # persona row for each respondent row
    solver: str  # "dense" or "sparse"
    certified: bool  # optimal for the full problem (always true for dense)
    gap_bound: float  # the dense optimum exceeds this solution by at most this much
    rounds: int  # sparse solves
    edges: int  # edges in the last sparse graph (n_respondents * n_personas when dense)
    k_max: int  # longest candidate list
    dense_gap: float | None = None  # dense optimum minus this solution, when checked (and it fits)


def hungarian(
    model: LogWeights,
    solver: str = "auto",
    k: int = 8,
    verify_dense: bool = False,
    max_rounds: int = 30,
    workers: int | None = None,
) -> Solution:
    if solver not in ("auto", "dense", "sparse"):
        raise ValueError(f"solver must be auto, dense or sparse, not {solver!r}")
    model.check_one_to_one()
    n_h, n_v = model.n_respondents, model.n_personas
    if solver == "dense" or (solver == "auto" and n_h * n_v <= DENSE_LIMIT):
        return _dense(model)
    solution = _sparse(model, TopKIndex(model, workers), k, max_rounds)
    if verify_dense and n_h * n_v <= VERIFY_LIMIT:
        dense = _dense(model)
        rows = np.arange(n_h)
        gap = float(
            model.pairs(rows, dense.persona).sum() - model.pairs(rows, solution.persona).sum()
        )
        solution = Solution(**{**solution.__dict__, "dense_gap": gap})
    return solution


def _dense(model: LogWeights) -> Solution:
    n_h = model.n_respondents
    rows, cols = linear_sum_assignment(model.block(np.arange(n_h)), maximize=True)
    persona = np.empty(n_h, dtype=np.int64)
    persona[rows] = cols
    return Solution(persona, "dense", True, 0.0, 0, n_h * model.n_personas, model.n_personas)


def _sparse(model: LogWeights, index: TopKIndex, k: int, max_rounds: int) -> Solution:
    n_h, n_v = model.n_respondents, model.n_personas
    rows = np.arange(n_h)
    first = index.top_k(rows, k)
    lists, weights, tau = list(first.idx), list(first.weight), first.tau.copy()
    size = np.full(n_h, first.idx.shape[1])
    rounds = 0
    while True:
        rounds += 1
        lengths = np.array([len(x) for x in lists])
        edge_row = np.repeat(rows, lengths)
        edge_col = np.concatenate(lists)
        edge_w = np.concatenate(weights)
        top = np.array([w[0] for w in weights])
        cost = (top[edge_row] + 1.0) - edge_w  # >= 1: LAPJVsp needs nonzero entries
        graph = csr_array((cost, (edge_row, edge_col)), shape=(n_h, n_v))
        try:
            _, matched = min_weight_full_bipartite_matching(graph)
        except ValueError:  # no full matching among the lists: everyone looks further
            grow = rows
        else:
            duals = matching_duals(edge_row, edge_col, edge_w, matched, n_v)
            short = np.maximum(tau - duals.respondent, 0.0)
            grow = np.flatnonzero(short > 0)
            if not grow.size or rounds >= max_rounds:
                gap = float(short.sum())
                return Solution(
                    matched, "sparse", gap == 0.0, gap, rounds, edge_w.size, int(size.max())
                )
        new_k = int(min(n_v, 4 * size[grow].max()))
        more = index.top_k(grow, new_k)
        for j, h in enumerate(grow.tolist()):
            lists[h], weights[h] = more.idx[j], more.weight[j]
        tau[grow], size[grow] = more.tau, more.idx.shape[1]
