"""LP duals of an optimal one-to-one matching on a sparse graph, and what they certify.

For max sum w(h, v) with every respondent matched once and every persona at most once, the dual
is: u_h + p_v >= w(h, v) on every edge, p_v >= 0. Given the optimal matching m on the pruned
graph, the smallest prices satisfy p_v >= p_m(h) + w(h, v) - w(h, m(h)) for each listed edge, a
longest-path problem solved by vectorised Bellman-Ford; u_h = w(h, m(h)) - p_m(h). Any edge left
out of h's list weighs at most tau_h, so if u_h >= tau_h (prices are >= 0) the duals are feasible
for the full dense problem and the pruned matching is optimal there too (LP duality). Otherwise
sum_h max(0, tau_h - u_h) bounds how much better the dense optimum could be. Weights lie on an
exact grid (see weights.py), so all of this is exact arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Duals:
    respondent: NDArray[np.float64]  # u_h
    persona: NDArray[np.float64]  # p_v >= 0
    sweeps: int


def matching_duals(
    edge_row: NDArray[np.int64],
    edge_col: NDArray[np.int64],
    edge_w: NDArray[np.float64],
    matched: NDArray[np.int64],
    n_personas: int,
) -> Duals:
    """Duals of `matched` (persona per respondent row), optimal on the given edges."""
    own_w = np.full(matched.size, np.nan)
    is_own = edge_col == matched[edge_row]
    own_w[edge_row[is_own]] = edge_w[is_own]
    if np.isnan(own_w).any():
        raise ValueError("every matched pair must be one of the edges")
    alt = ~is_own
    src = matched[edge_row[alt]]  # price of h's persona pushes up the price of h's alternatives
    dst = edge_col[alt]
    gain = edge_w[alt] - own_w[edge_row[alt]]
    order = np.argsort(dst, kind="stable")
    src, dst, gain = src[order], dst[order], gain[order]
    heads = np.flatnonzero(np.diff(dst, prepend=-1))
    targets = dst[heads]
    price = np.zeros(n_personas)
    sweeps = 0
    while True:
        sweeps += 1
        pushed = np.maximum.reduceat(price[src] + gain, heads) if src.size else np.empty(0)
        grow = pushed > price[targets]
        if not grow.any():
            break
        if sweeps > n_personas + 1:
            raise ValueError("the matching is not optimal on its graph (a positive cycle remains)")
        price[targets[grow]] = pushed[grow]
    unmatched = np.ones(n_personas, dtype=bool)
    unmatched[matched] = False
    if (price[unmatched] > 0).any():
        raise ValueError("the matching is not optimal on its graph (an augmenting path remains)")
    return Duals(respondent=own_w - price[matched], persona=price, sweeps=sweeps)
