"""Greedy matching: the best remaining (respondent, persona) pair first, exactly.

This is the classic greedy on the full respondent x persona weight matrix, without the matrix:
a heap holds each unmatched respondent keyed by an upper bound on its best still-free persona
(the next entry of its exact top-k list, or its tau once the list is used up). Popping gives the
globally best pair whenever the popped persona is still free; otherwise the respondent moves down
its list (lazy update). Respondents whose lists run out are refilled in one batch, against the
personas still free, when one of them reaches the top. Ties break by respondent row, then by
persona row (both ascending), as in a stable sort of all pairs by weight.
"""

from __future__ import annotations

import heapq

import numpy as np
from numpy.typing import NDArray

from chorus.matching.topk import TopKIndex

_REFILL = -1  # heap marker: this respondent's list is used up, its key is tau (an upper bound)


def greedy(index: TopKIndex, k: int = 4) -> NDArray[np.int64]:
    """Persona row for every respondent row of index.model (n_personas >= n_respondents)."""
    index.model.check_one_to_one()
    n_h, n_v = index.model.n_respondents, index.model.n_personas
    rows = np.arange(n_h)
    first = index.top_k(rows, k)
    lists = list(first.idx)
    weights = list(first.weight)
    taus = first.tau.tolist()
    pointer = [0] * n_h
    heap = [(-float(w[0]), h, int(i[0])) for h, (w, i) in enumerate(zip(weights, lists))]
    heapq.heapify(heap)
    free = np.ones(n_v, dtype=bool)
    assigned = np.full(n_h, -1, dtype=np.int64)
    pending: set[int] = set()  # respondents whose list ran out
    sizes = [k] * n_h
    while heap:
        _, h, v = heapq.heappop(heap)
        if v == _REFILL:
            if assigned[h] >= 0 or h not in pending:
                continue
            batch = np.array(sorted(pending), dtype=np.int64)
            pending.clear()
            size = 2 * max(sizes[b] for b in batch)
            fresh = index.top_k(batch, size, allowed=free)
            for j, b in enumerate(batch.tolist()):
                lists[b], weights[b], taus[b], pointer[b], sizes[b] = (
                    fresh.idx[j],
                    fresh.weight[j],
                    float(fresh.tau[j]),
                    0,
                    size,
                )
                heapq.heappush(heap, (-float(weights[b][0]), b, int(lists[b][0])))
            continue
        if free[v]:
            free[v] = False
            assigned[h] = v
            continue
        row, p = lists[h], pointer[h] + 1
        while p < len(row) and not free[row[p]]:
            p += 1
        pointer[h] = p
        if p < len(row):
            heapq.heappush(heap, (-float(weights[h][p]), h, int(row[p])))
        else:
            pending.add(h)
            heapq.heappush(heap, (-taus[h], h, _REFILL))
    return assigned


def greedy_replace(index: TopKIndex, per_respondent: int = 1) -> NDArray[np.int64]:
    """(n_respondents, per_respondent) each respondent's best personas, reuse allowed (the
    'greedy' of Anthology's code). Ties go to the lower persona row."""
    return index.top_k(np.arange(index.model.n_respondents), per_respondent).idx
