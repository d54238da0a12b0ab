"""The matching pipeline that `chorus match` and a study's match stage both call: a profiled
pool and a respondent table in, match.parquet + diagnostics.json out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from chorus.matching.api import Match, match
from chorus.matching.io import encode_respondents, match_table, read_pool_demographics, write_match
from chorus.matching.weights import DEFAULT_EPS, LogWeights


def match_pool(
    pool: Path,
    respondents: pd.DataFrame,
    source: str,
    out: Path,
    method: str = "hungarian",
    *,
    traits: Sequence[str] | None = None,
    trait_weights: Mapping[str, float] | None = None,
    eps: float = DEFAULT_EPS,
    per_respondent: int = 1,
    seed: int = 0,
    solver: str = "auto",
    verify_dense: bool = False,
) -> Match:
    """Match `respondents` (respondent_id + one category column per trait; `source` names them
    in errors) to the pool's personas on `traits` (default: all the pool has) and write the
    match table and its diagnostics into `out`."""
    demo = read_pool_demographics(pool, traits)
    ids, codes = encode_respondents(respondents, demo.categories, source)
    model = LogWeights(demo.probs, codes, trait_weights, eps)
    result = match(
        model,
        method,
        per_respondent=per_respondent,
        seed=seed,
        respondent_ids=ids,
        solver=solver,
        verify_dense=verify_dense,
    )
    table = match_table(result.respondent, result.persona, result.log_weight, ids, demo.persona_ids)
    write_match(out, table, result.diagnostics)
    return result
