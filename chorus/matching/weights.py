"""Respondent x persona log-weights, computed on demand from per-trait log-probability tables.

log w(h, v) = sum_t omega_t * log max(p_{v,t}(c_t(h)), eps); a trait h did not answer adds 0.
Working in logs means nine small probabilities never underflow. Every table entry is rounded to a
multiple of 2**-32 (about 2e-10), so sums of a few thousand of them are exact in float64: a
weight is bit-identical whichever order or routine (row sums, column blocks) computes it, and
equal weights are real ties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from chorus.matching.errors import MatchInputError

DEFAULT_EPS = 1e-300  # only keeps log(0) finite; a larger floor would flatten real rankings
_GRID = 2.0**32  # table entries are multiples of 1/_GRID
_CHUNK = 4096  # personas per block when transposing
_EXACT_LIMIT = 2.0**20  # |sum of entries| below this keeps every partial sum exact (2**52 / _GRID)


class LogWeights:
    """A matching problem in plain arrays: persona probabilities and respondent category codes.

    persona_probs[t]: (n_personas, K_t) probabilities over trait t's categories.
    respondent_codes[t]: (n_respondents,) int index into those K_t categories, -1 = missing.
    trait_weights[t]: omega_t >= 0 (default 1).
    """

    def __init__(
        self,
        persona_probs: Mapping[str, ArrayLike],
        respondent_codes: Mapping[str, ArrayLike],
        trait_weights: Mapping[str, float] | None = None,
        eps: float = DEFAULT_EPS,
    ) -> None:
        if not persona_probs:
            raise MatchInputError("no traits to match on: give at least one trait's probabilities")
        missing = [t for t in persona_probs if t not in respondent_codes]
        if missing:
            raise MatchInputError(
                f"respondent codes lack trait(s) {missing}; give a code array per trait"
            )
        trait_weights = dict(trait_weights or {})
        unknown = sorted(set(trait_weights) - set(persona_probs))
        if unknown:
            raise MatchInputError(f"trait weights name unknown trait(s) {unknown}")
        if not (0.0 < eps < 1.0):
            raise MatchInputError(f"eps must lie in (0, 1), got {eps}")
        self.traits: tuple[str, ...] = tuple(persona_probs)
        self.weights = {t: float(trait_weights.get(t, 1.0)) for t in self.traits}
        self.eps = eps
        probs = [self._check_probs(t, persona_probs[t]) for t in self.traits]
        self.n_personas: int = probs[0].shape[0]
        wrong = [t for t, p in zip(self.traits, probs) if p.shape[0] != self.n_personas]
        if wrong:
            raise MatchInputError(
                f"trait(s) {wrong} have a different number of personas than {self.traits[0]!r}"
            )
        sizes = [p.shape[1] for p in probs]
        self.n_categories: list[int] = sizes
        # One stacked table: trait t owns rows offsets[t] .. offsets[t] + K_t, and its last row is
        # all zeros so that a missing answer (code -1) gathers a 0.
        self.offsets = np.concatenate([[0], np.cumsum([k + 1 for k in sizes])[:-1]]).astype(
            np.int64
        )
        self.stacked = np.zeros((sum(sizes) + len(sizes), self.n_personas))
        for t, (p, off) in enumerate(zip(probs, self.offsets)):
            k = p.shape[1]
            block = self.stacked[off : off + k]
            for start in range(0, self.n_personas, _CHUNK):  # cache-sized blocks: a plain .T crawls
                block[:, start : start + _CHUNK] = p[start : start + _CHUNK].T
            np.maximum(block, eps, out=block)
            np.log(block, out=block)
            block *= self.weights[self.traits[t]] * _GRID
            np.rint(block, out=block)
            block /= _GRID
        if np.abs(self.stacked).max(initial=0.0) * len(sizes) >= _EXACT_LIMIT:
            raise MatchInputError(
                "trait weights too large: keep omega_t * |log eps| * n_traits below 1e6"
            )
        # Each persona's most likely category per trait (lowest index on ties), for diagnostics.
        self.modal = np.stack([np.argmax(p, axis=1) for p in probs]).astype(np.int32)
        codes = [self._check_codes(t, respondent_codes[t], k) for t, k in zip(self.traits, sizes)]
        self.n_respondents: int = codes[0].shape[0]
        wrong = [t for t, c in zip(self.traits, codes) if c.shape[0] != self.n_respondents]
        if wrong:
            raise MatchInputError(
                f"trait(s) {wrong} have a different number of respondents than {self.traits[0]!r}"
            )
        # codes[t, h] = the category of h (K_t when missing); rows = the same as stacked row
        # numbers.
        self.codes = np.stack(codes)
        self.rows = self.codes + self.offsets[:, None]
        self._major: dict[tuple[int, ...], tuple[NDArray[np.float64], NDArray[np.int64]]] = {}

    def _check_probs(self, trait: str, values: ArrayLike) -> NDArray[np.float64]:
        probs = np.asarray(values, dtype=np.float64)
        if probs.ndim != 2 or probs.shape[1] == 0:
            raise MatchInputError(
                f"trait {trait!r}: persona probabilities must be (n_personas, K), got {probs.shape}"
            )
        if not np.logical_and(probs >= 0.0, probs <= 1.0 + 1e-6).all():  # NaN fails too
            raise MatchInputError(
                f"trait {trait!r}: persona probabilities must be finite and in [0, 1]"
            )
        omega = self.weights[trait]
        if not (np.isfinite(omega) and omega >= 0):
            raise MatchInputError(f"trait {trait!r}: weight must be finite and >= 0, got {omega}")
        return probs

    def _check_codes(self, trait: str, values: ArrayLike, k: int) -> NDArray[np.int64]:
        c = np.asarray(values)
        if c.ndim != 1 or not (np.issubdtype(c.dtype, np.integer) or c.size == 0):
            raise MatchInputError(f"trait {trait!r}: respondent codes must be a 1-D integer array")
        bad = np.flatnonzero((c < -1) | (c >= k))
        if bad.size:
            raise MatchInputError(
                f"trait {trait!r}: respondent #{bad[0]} has category code {c[bad[0]]}, "
                f"outside -1..{k - 1}"
            )
        return np.where(c < 0, k, c).astype(np.int64)

    @cached_property
    def best_log_prob(self) -> NDArray[np.float64]:
        """(n_traits, n_personas) each persona's largest weighted log-probability per trait."""
        return np.stack(
            [self.stacked[o : o + k].max(axis=0) for o, k in zip(self.offsets, self.n_categories)]
        )

    @cached_property
    def spread(self) -> NDArray[np.float64]:
        """Per trait, the mean gap between a persona's best and average category: how much
        knowing the respondent's category on it separates personas."""
        return np.array(
            [
                float(np.mean(best) - np.mean(self.stacked[o : o + k]))
                for best, o, k in zip(self.best_log_prob, self.offsets, self.n_categories)
            ]
        )

    def block(
        self,
        rows: NDArray[np.int64],
        cols: NDArray[np.int64] | None = None,
        traits: Sequence[int] | None = None,
    ) -> NDArray[np.float64]:
        """Exact weights of rows x cols (every persona when cols is None), summed over `traits`
        (default all; a partial sum is exact too)."""
        traits = tuple(range(len(self.traits)) if traits is None else traits)
        if cols is None:
            out = np.zeros((len(rows), self.n_personas))
            for t in traits:
                out += self.stacked[self.rows[t, rows]]
            return out
        out = np.zeros((len(rows), len(cols)))
        if traits:  # one gather of whole persona rows, then contiguous row sums
            major, column = self.persona_major(traits)
            sub = np.ascontiguousarray(major[cols].T)
            for t in traits:
                out += sub[column[self.rows[t, rows]]]
        return out

    def persona_major(
        self, traits: tuple[int, ...]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """The given traits' table rows transposed (one contiguous row per persona, so scoring a
        set of personas starts with a single gather), and stacked row -> its column there."""
        if traits not in self._major:
            rows = np.concatenate(
                [
                    np.arange(self.offsets[t], self.offsets[t] + self.n_categories[t] + 1)
                    for t in traits
                ]
            )
            column = np.full(self.stacked.shape[0], -1, dtype=np.int64)
            column[rows] = np.arange(rows.size)
            table = np.empty((self.n_personas, rows.size))
            for start in range(0, self.n_personas, _CHUNK):  # cache-sized blocks, as above
                table[start : start + _CHUNK] = self.stacked[rows, start : start + _CHUNK].T
            self._major[traits] = (table, column)
        return self._major[traits]

    def profile_sum(self, traits: Sequence[int], categories: Sequence[int]) -> NDArray[np.float64]:
        """Every persona's summed log-probability of the given categories (K_t = missing)."""
        out = np.zeros(self.n_personas)
        for t, c in zip(traits, categories):
            out += self.stacked[self.offsets[t] + c]
        return out

    def pairs(self, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
        """Exact weights of the pairs (rows[i], cols[i])."""
        out = self.stacked[self.rows[0, rows], cols]
        for t in range(1, len(self.traits)):
            out += self.stacked[self.rows[t, rows], cols]
        return out

    def check_one_to_one(self, per_respondent: int = 1) -> None:
        """Raise unless every respondent can get `per_respondent` personas nobody else has."""
        need = self.n_respondents * per_respondent
        if need > self.n_personas:
            raise MatchInputError(
                f"{self.n_respondents} respondents x {per_respondent} persona(s) each need {need} "
                f"distinct personas, but the pool has {self.n_personas}: use a larger pool, fewer "
                "respondents, fewer personas per respondent, or --method greedy-replace "
                "(reuses personas)"
            )

    def subset(self, rows: NDArray[np.int64]) -> LogWeights:
        """The same personas against a re-indexed list of respondents (rows may repeat)."""
        clone = object.__new__(LogWeights)
        clone.__dict__.update(self.__dict__)
        clone.codes, clone.rows = self.codes[:, rows], self.rows[:, rows]
        clone.n_respondents = len(rows)
        return clone
