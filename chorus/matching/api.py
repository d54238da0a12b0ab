"""match(): one entry point over every method, with k-to-one expansion and diagnostics."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from chorus.matching.baselines import networkx_matching, random_matching
from chorus.matching.diagnostics import Certificate, MatchDiagnostics, describe
from chorus.matching.errors import MatchInputError
from chorus.matching.greedy import greedy, greedy_replace
from chorus.matching.hungarian import hungarian
from chorus.matching.topk import TopKIndex
from chorus.matching.weights import LogWeights

Method = Literal["hungarian", "greedy", "greedy-replace", "random", "networkx"]
METHODS: tuple[Method, ...] = get_args(Method)


@dataclass(frozen=True)
class Match:
    respondent: NDArray[np.int64]  # respondent row of each pair
    persona: NDArray[np.int64]  # persona row of each pair
    log_weight: NDArray[np.float64]
    diagnostics: MatchDiagnostics


def match(
    model: LogWeights,
    method: str = "hungarian",
    *,
    per_respondent: int = 1,
    seed: int = 0,
    respondent_ids: Sequence[str] | None = None,
    solver: str = "auto",
    verify_dense: bool = False,
    workers: int | None = None,
) -> Match:
    """Match every respondent to `per_respondent` personas.

    One-to-one methods (all but greedy-replace) never reuse a persona; with per_respondent = k
    each respondent is copied k times (k-to-one), for simulated samples larger than the human one.
    greedy-replace gives each respondent its k best personas, whoever else took them.
    """
    if method not in METHODS:
        raise MatchInputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if per_respondent < 1:
        raise MatchInputError(f"personas per respondent must be >= 1, got {per_respondent}")
    n_h = model.n_respondents
    if n_h == 0:
        raise MatchInputError("no respondents to match")
    ids = (
        [str(i) for i in range(n_h)] if respondent_ids is None else [str(i) for i in respondent_ids]
    )
    if len(ids) != n_h:
        raise MatchInputError(f"{len(ids)} respondent ids for {n_h} respondents")
    if method != "greedy-replace":
        model.check_one_to_one(per_respondent)
    elif per_respondent > model.n_personas:
        raise MatchInputError(
            f"{per_respondent} personas per respondent, but the pool has only {model.n_personas}"
        )
    start = time.perf_counter()
    rows = np.repeat(np.arange(n_h), per_respondent)
    copies = model if per_respondent == 1 else model.subset(rows)
    certificate = None
    if method == "greedy-replace":
        persona = greedy_replace(TopKIndex(model, workers), per_respondent).ravel()
    elif method == "greedy":
        persona = greedy(TopKIndex(copies, workers))
    elif method == "random":
        persona = random_matching(copies, seed)
    elif method == "networkx":
        persona = networkx_matching(copies)
    else:
        solution = hungarian(copies, solver=solver, verify_dense=verify_dense, workers=workers)
        persona = solution.persona
        certificate = Certificate(
            solver=solution.solver,
            certified=solution.certified,
            gap_bound=solution.gap_bound,
            rounds=solution.rounds,
            edges=solution.edges,
            k_max=solution.k_max,
            dense_gap=solution.dense_gap,
        )
    persona = np.asarray(persona, dtype=np.int64)
    log_weight = model.pairs(rows, persona)
    diagnostics = describe(
        model,
        method,
        rows,
        persona,
        log_weight,
        per_respondent,
        ids,
        seed,
        time.perf_counter() - start,
        certificate,
    )
    return Match(respondent=rows, persona=persona, log_weight=log_weight, diagnostics=diagnostics)
