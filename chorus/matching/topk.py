"""Exact top-k personas per respondent without scoring every respondent x persona pair.

The traits are split into two sides, A and B, so that log w(h, v) = S_A(a(h), v) + S_B(b(h), v),
where a(h) and b(h) are h's categories on each side ("profiles"). There are far fewer profiles
than respondents, so for every profile we keep its personas sorted by partial score (Fagin's
threshold algorithm with two sorted lists). For a respondent, the personas at depth d of its two
lists, with partial scores at least cut_A and cut_B, are scored exactly; any other persona scores
below cut_A + cut_B, so once the (k+1)-th best exact score reaches that sum the list is final.
Otherwise d doubles. Lists are ordered by weight descending, ties going to the lower persona
index; tau (the best weight left out) is what the Hungarian optimality certificate needs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from chorus.matching.weights import LogWeights

_SAMPLE = 8192  # personas sampled to place a list's cut-off (speed only, never results)


@dataclass(frozen=True)
class TopK:
    idx: NDArray[np.int64]  # (n, k) persona indices, best first
    weight: NDArray[np.float64]  # (n, k) their log-weights
    tau: NDArray[np.float64]  # (n,) best log-weight outside the list, -inf when none is left out


@dataclass
class _Side:
    """One side of the trait split: each profile's personas sorted by their partial score."""

    traits: list[int]
    profile: NDArray[np.int64]  # (n_respondents,) each respondent's profile number
    categories: NDArray[np.int64]  # (n_profiles, len(traits)), in lexicographic order
    idx: list[NDArray[np.int64]] = field(default_factory=list)  # sorted (score desc, index asc)
    score: list[NDArray[np.float64]] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)  # every persona scoring >= floor is listed


class TopKIndex:
    """Sorted persona lists for every profile of a problem's respondents; answers top_k queries
    for any respondents and any subset of still-available personas."""

    def __init__(self, model: LogWeights, workers: int | None = None) -> None:
        self.model = model
        self.workers = workers or os.cpu_count() or 1
        rng = np.random.default_rng(0)
        n_v = model.n_personas
        self.sample = (
            np.arange(n_v) if n_v <= _SAMPLE else np.sort(rng.choice(n_v, _SAMPLE, replace=False))
        )
        self.depth = min(n_v, max(512, int(6 * math.sqrt(n_v))))  # first list length per profile
        self.start = max(64, int(math.sqrt(n_v)))  # first search depth; learnt from each query
        a, b = _split_traits(model.spread)
        self.sides = [self._build(a)] + ([self._build(b)] if b else [])
        for side in self.sides:  # built here, not lazily inside the worker threads
            if self._other(side):
                model.persona_major(self._other(side))

    def _build(self, traits: list[int]) -> _Side:
        """Sorted lists for every profile present. Profiles sharing all but the last trait (a
        family) share their prefix sum P; the family's personas with P + (best category of the
        last trait) at or above a level are the only ones any member can list above that level,
        so members score just those (a few list lengths) instead of every persona."""
        model = self.model
        traits = sorted(traits, key=lambda t: model.n_categories[t])  # widest trait fans out last
        cats, profile = np.unique(model.codes[traits].T, axis=0, return_inverse=True)
        side = _Side(traits, profile.ravel(), cats)
        n = len(cats)
        side.idx, side.score, side.floor = [np.empty(0, np.int64)] * n, [np.empty(0)] * n, [0.0] * n
        starts = np.flatnonzero((np.diff(cats[:, :-1], axis=0) != 0).any(axis=1)) + 1
        families = np.split(np.arange(n), starts)
        chunks = np.array_split(np.arange(len(families)), min(self.workers, len(families)))

        def fill(chunk: NDArray[np.int64]) -> None:
            heads = [int(families[f][0]) for f in chunk]
            for f, (_, prefix) in zip(chunk, _prefix_sums(model, traits[:-1], cats[:, :-1], heads)):
                self._fan_out(side, families[f], prefix)

        _run(fill, chunks, self.workers)
        return side

    def _fan_out(self, side: _Side, family: NDArray[np.int64], prefix: NDArray[np.float64]) -> None:
        model, last = self.model, side.traits[-1]
        rows = model.stacked[
            model.offsets[last] : model.offsets[last] + model.n_categories[last] + 1
        ]
        answered = [int(p) for p in family if side.categories[p, -1] < model.n_categories[last]]
        for p in family:
            if (
                side.categories[p, -1] == model.n_categories[last]
            ):  # skipped the last trait: P itself
                self._store(side, int(p), prefix, self.depth)
        if not answered:
            return
        bound = prefix + model.best_log_prob[last]
        level = self._level(bound, 4 * self.depth)  # members then list about depth / 2 each
        shared = np.flatnonzero(bound >= level)
        base = prefix.take(shared)
        for p in answered:
            scores = base + rows[side.categories[p, -1]].take(shared)
            keep = np.flatnonzero(scores >= level)
            self._sorted(side, p, shared.take(keep), scores.take(keep), level)

    def _level(self, scores: NDArray[np.float64], depth: int) -> float:
        """A score about `depth` personas reach (-inf when that is all of them)."""
        n_v = self.model.n_personas
        if depth >= n_v:
            return -np.inf
        vals = scores[self.sample]
        j = vals.size - 1 - min(vals.size - 1, math.ceil(depth / n_v * vals.size))
        return float(np.partition(vals, j)[j])

    def _store(self, side: _Side, p: int, scores: NDArray[np.float64], depth: int) -> None:
        """Keep the personas of profile p scoring at or above a level about `depth` deep."""
        level = self._level(scores, depth)
        kept = np.flatnonzero(scores >= level)
        self._sorted(side, p, kept, scores[kept], level)

    def _sorted(
        self, side: _Side, p: int, idx: NDArray[np.int64], scores: NDArray[np.float64], floor: float
    ) -> None:
        """Store profile p's list by score descending, equal scores by persona index."""
        order = np.argsort(-scores)
        if np.any(scores[order[1:]] == scores[order[:-1]]):  # rare exact ties: order them by index
            order = np.lexsort((idx, -scores))
        if idx.size == self.model.n_personas:
            floor = -np.inf  # complete
        side.idx[p], side.score[p], side.floor[p] = idx[order], scores[order], floor

    def _deepen(self, side: _Side, p: int) -> None:
        """Relist profile p about four times deeper, always strictly below its old floor (a block
        of equal scores at the floor could otherwise stall the search)."""
        scores = self.model.profile_sum(side.traits, side.categories[p])
        level = self._level(scores, 4 * max(len(side.idx[p]), self.depth))
        if level >= side.floor[p]:
            lower = scores[scores < side.floor[p]]
            level = float(lower.max()) if lower.size else -np.inf
        kept = np.flatnonzero(scores >= level)
        self._sorted(side, p, kept, scores[kept], level)

    def top_k(
        self, rows: NDArray[np.int64], k: int, allowed: NDArray[np.bool_] | None = None
    ) -> TopK:
        """The k best personas (among `allowed`) of each respondent in `rows`, exactly."""
        rows = np.asarray(rows, dtype=np.int64)
        n_allowed = self.model.n_personas if allowed is None else int(np.count_nonzero(allowed))
        if k < 1 or n_allowed == 0:
            raise ValueError(
                f"top_k needs k >= 1 and a persona to choose (k={k}, personas={n_allowed})"
            )
        k = min(k, n_allowed)
        keep = min(k + 1, n_allowed)  # one more than asked, to learn tau
        res_w = np.full((rows.size, keep), -np.inf)
        res_i = np.full((rows.size, keep), -1, dtype=np.int64)
        prev = np.full((2, rows.size), np.inf)  # each row's cuts so far: scored = above either
        act = np.arange(rows.size)
        depth = max(4 * keep, self.start)
        median_depth = depth
        while act.size:
            band_w, band_i, cuts = self._round(rows[act], keep, depth, allowed, prev[:, act])
            w, i = best(
                np.concatenate([res_w[act], band_w], axis=1),
                np.concatenate([res_i[act], band_i], axis=1),
                keep,
            )
            res_w[act], res_i[act], prev[:, act] = w, i, cuts
            # No unscored persona reaches cut_A + cut_B; a cut of -inf means all were scored.
            reach = np.where(np.isinf(cuts).any(axis=0), -np.inf, cuts.sum(axis=0))
            done = w.min(axis=1) >= reach
            if act.size > rows.size // 2:
                median_depth = depth
            act, depth = act[~done], int(1.5 * depth)
        self.start = median_depth
        order = np.lexsort((res_i, -res_w), axis=1)
        res_w = np.take_along_axis(res_w, order, axis=1)
        res_i = np.take_along_axis(res_i, order, axis=1)
        tau = res_w[:, k] if keep > k else np.full(rows.size, -np.inf)
        return TopK(idx=res_i[:, :k], weight=res_w[:, :k], tau=tau)

    def _round(
        self,
        rows: NDArray[np.int64],
        keep: int,
        depth: int,
        allowed: NDArray[np.bool_] | None,
        prev: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
        """Score each row's personas newly reached at `depth` in either list, each exactly once.

        Already scored: partial score A >= prev[0] or B >= prev[1]. Now also A >= cut_A or
        B >= cut_B: the A band takes A in [cut_A, prev_A) unless B >= prev_B (scored before), the
        B band takes B in [cut_B, prev_B) unless A >= cut_A (in the A band or before). Returns
        the best `keep` (weight, index) of the new personas per row and the new cuts."""
        n = rows.size
        cuts = np.zeros((2, n))  # a side without traits adds exactly 0
        tops_w, tops_i = [], []
        for s, side in enumerate(self.sides):
            other = self._other(side)
            top_w = np.full((n, keep), -np.inf)
            top_i = np.full((n, keep), -1, dtype=np.int64)
            profile = side.profile[rows]
            order = np.argsort(profile, kind="stable")
            groups = np.split(order, np.flatnonzero(np.diff(profile[order])) + 1) if n else []

            def score(
                pos: NDArray[np.int64],
                s: int = s,
                side: _Side = side,
                other: tuple[int, ...] = other,
                profile: NDArray[np.int64] = profile,
                top_w: NDArray[np.float64] = top_w,
                top_i: NDArray[np.int64] = top_i,
            ) -> None:
                idx, part, cut = self._band(
                    side, int(profile[pos[0]]), depth, allowed, float(prev[s, pos[0]])
                )
                cuts[s, pos] = cut
                if not idx.size:
                    return
                rest = self.model.block(rows[pos], idx, other)  # the other side's partial score
                if s == 0 and len(self.sides) > 1:
                    rest[rest >= prev[1, pos][:, None]] = -np.inf
                elif s == 1:
                    rest[rest >= cuts[0, pos][:, None]] = -np.inf
                rest += part
                top_w[pos], top_i[pos] = best(rest, np.broadcast_to(idx, rest.shape), keep)

            _run(score, groups, self.workers)
            tops_w.append(top_w)
            tops_i.append(top_i)
        return np.concatenate(tops_w, axis=1), np.concatenate(tops_i, axis=1), cuts

    def _other(self, side: _Side) -> tuple[int, ...]:
        return tuple(t for t in range(len(self.model.traits)) if t not in side.traits)

    def _band(
        self, side: _Side, p: int, depth: int, allowed: NDArray[np.bool_] | None, above: float
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], float]:
        """Profile p's allowed personas scoring in [cut, above), their partial scores, and the
        cut: the score at `depth` (ties included), or else the list's floor (-inf once the list
        holds every persona). A list with nothing left between its floor and `above` is deepened."""
        while True:
            idx, score = side.idx[p], side.score[p]
            if allowed is not None:
                ok = allowed.take(idx)
                idx, score = idx[ok], score[ok]
            if idx.size >= depth and score[depth - 1] < above:
                cut = float(score[depth - 1])
                end = int(np.searchsorted(-score, -cut, side="right"))
            elif side.floor[p] < above:
                cut, end = side.floor[p], idx.size
            else:
                self._deepen(side, p)
                continue
            start = int(np.searchsorted(-score, -above, side="right")) if above < np.inf else 0
            return idx[start:end], score[start:end], cut


def best(
    w: NDArray[np.float64], i: NDArray[np.int64], keep: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per row, the `keep` entries with the largest w, ties going to the smaller i (unordered;
    padded with (-inf, -1) when a row has fewer)."""
    n, c = w.shape
    if c < keep:
        pad = keep - c
        return (
            np.concatenate([w, np.full((n, pad), -np.inf)], axis=1),
            np.concatenate([i, np.full((n, pad), -1, dtype=np.int64)], axis=1),
        )
    if c == keep:
        return w, np.array(i)
    kth = np.partition(w, c - keep, axis=1)[:, c - keep][:, None]
    take = w > kth
    ties = w == kth
    short = keep - take.sum(axis=1)
    take |= ties
    for r in np.flatnonzero(ties.sum(axis=1) != short):  # more ties than places: lowest i wins
        tied = np.flatnonzero(ties[r])
        take[r, tied[np.argsort(i[r, tied], kind="stable")[short[r] :]]] = False
    cols = np.nonzero(take)[1].reshape(n, keep)
    return np.take_along_axis(w, cols, axis=1), np.take_along_axis(i, cols, axis=1)


def _split_traits(spread: NDArray[np.float64]) -> tuple[list[int], list[int]]:
    """Two sides of about equal total spread (largest first onto the lighter side)."""
    sides: tuple[list[int], list[int]] = ([], [])
    totals = [0.0, 0.0]
    for t in np.argsort(-spread, kind="stable"):
        s = int(totals[1] < totals[0])
        sides[s].append(int(t))
        totals[s] += float(spread[t])
    return sorted(sides[0]), sorted(sides[1])


def _prefix_sums(
    model: LogWeights, traits: list[int], cats: NDArray[np.int64], profiles: Iterable[int]
) -> Iterable[tuple[int, NDArray[np.float64]]]:
    """Each profile's partial score vector; lexicographic neighbours share their prefix sums."""
    if not traits:
        zeros = np.zeros(model.n_personas)
        for p in profiles:
            yield int(p), zeros
        return
    partial: list[NDArray[np.float64]] = []
    prev: NDArray[np.int64] | None = None
    for p in profiles:
        same = 0
        if prev is not None:
            while same < len(traits) and cats[p, same] == prev[same]:
                same += 1
        del partial[same:]
        for j in range(same, len(traits)):
            row = model.stacked[model.offsets[traits[j]] + cats[p, j]]
            partial.append(row.copy() if j == 0 else partial[-1] + row)
        prev = cats[p]
        yield int(p), partial[-1]


def _run(
    fn: Callable[[NDArray[np.int64]], None], items: list[NDArray[np.int64]], workers: int
) -> None:
    """fn over items, on threads when it pays (numpy releases the GIL in the array work)."""
    items = [x for x in items if len(x)]
    if workers > 1 and len(items) > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(fn, items))
    else:
        for x in items:
            fn(x)
