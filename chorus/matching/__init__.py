"""Matching personas to real respondents: the pool's demographic distributions (read with
personas' pool reader) against a respondent table (see docs/formats.md).

log w(h, v) = sum over traits of omega_t * log max(p_v(h's category), eps). Methods: hungarian
(exact maximum total weight; dense, or pruned sparse with an LP-duality optimality certificate),
greedy (best pair first), greedy-replace (each respondent its best persona, reuse allowed),
random, networkx (cross-check). Optional k personas per respondent.

Public API:
    LogWeights, match, Match, METHODS (and their Literal type Method), MatchDiagnostics,
    MatchInputError,
    TopKIndex, TopK, hungarian, greedy, greedy_replace,
    read_pool_demographics, PoolDemographics, read_respondent_table, encode_respondents,
    match_table, write_match
    match_pool (the pipeline: pool + respondents -> match folder)
"""

from chorus.matching.api import METHODS, Match, Method, match
from chorus.matching.diagnostics import Certificate, MatchDiagnostics, PersonaReuse
from chorus.matching.errors import MatchInputError
from chorus.matching.greedy import greedy, greedy_replace
from chorus.matching.hungarian import Solution, hungarian
from chorus.matching.io import (
    DIAGNOSTICS_FILE,
    MATCH_FILE,
    PoolDemographics,
    encode_respondents,
    match_table,
    read_pool_demographics,
    read_respondent_table,
    write_match,
)
from chorus.matching.pipeline import match_pool
from chorus.matching.topk import TopK, TopKIndex
from chorus.matching.weights import DEFAULT_EPS, LogWeights

__all__ = [
    "DEFAULT_EPS",
    "DIAGNOSTICS_FILE",
    "MATCH_FILE",
    "METHODS",
    "Method",
    "Certificate",
    "LogWeights",
    "Match",
    "MatchDiagnostics",
    "MatchInputError",
    "PersonaReuse",
    "PoolDemographics",
    "Solution",
    "TopK",
    "TopKIndex",
    "encode_respondents",
    "greedy",
    "greedy_replace",
    "hungarian",
    "match",
    "match_pool",
    "match_table",
    "read_pool_demographics",
    "read_respondent_table",
    "write_match",
]
