"""ResponseSet: answers of a set of people (real or simulated) in one shape the metrics share.

For each item (question, perspective, group) an n x K matrix holds every person's distribution
over the question's substantive options: one-hot rows for real respondents, model distributions
for personas, NaN rows where the person has no answer.

A real respondent's one answer is held as its option's position (`Positions`) and expanded to
one-hot rows only where a caller reads `rows`: a 0-100 number has 101 options, and the scoring's
hot paths (`distribution`, `group_distributions`, `expected_values`, `take`, `sample`) work on
the positions directly, so a numeric item costs about what a 3-option one does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chorus.surveys.datasets import HumanDataset
from chorus.surveys.errors import DatasetError
from chorus.surveys.instruments import TRAITS
from chorus.surveys.kinds import QuestionKind
from chorus.surveys.ranking import rank_rows
from chorus.surveys.schema import Instrument
from chorus.surveys.skip import mask_human
from chorus.surveys.weighting import weighted_distribution

ItemKey = tuple[str, str, str | None]  # (question id, perspective, group asked about)


@dataclass(frozen=True)
class Positions:
    """One answer per person as its option's position (float, NaN = no answer) among K options:
    one-hot rows without their n x K matrix."""

    at: np.ndarray  # (n,)
    k: int

    def dense(self) -> np.ndarray:
        return one_hot(pd.Series(self.at), self.k)

    def take(self, idx: np.ndarray) -> Positions:
        return Positions(self.at[idx], self.k)

    def distributions(self, weights: np.ndarray) -> np.ndarray:
        """The weighted answer distribution for each row of `weights` (G x n), as the weighted
        mean of the one-hot rows (NaN where a row has no weight on an answer)."""
        ok = ~np.isnan(self.at)
        g = len(weights)
        bins = (np.arange(g)[:, None] * self.k + self.at[ok].astype(int)[None, :]).ravel()
        counts = np.bincount(bins, weights=weights[:, ok].ravel(), minlength=g * self.k)
        counts = counts.reshape(g, self.k)
        with np.errstate(invalid="ignore", divide="ignore"):
            return counts / counts.sum(axis=1, keepdims=True)


class Rows(MutableMapping[ItemKey, np.ndarray]):
    """item -> n x K rows; the items held as `Positions` are expanded to one-hot rows when read
    (once per set). An item set afterwards is held as the rows given."""

    def __init__(self, dense: Mapping[ItemKey, np.ndarray], held: Mapping[ItemKey, Positions]):
        self.dense, self.held = dict(dense), dict(held)
        self._expanded: dict[ItemKey, np.ndarray] = {}

    def __getitem__(self, key: ItemKey) -> np.ndarray:
        if key in self.dense:
            return self.dense[key]
        if key not in self._expanded:
            self._expanded[key] = self.held[key].dense()
        return self._expanded[key]

    def __setitem__(self, key: ItemKey, rows: np.ndarray) -> None:
        self.dense[key] = rows

    def __delitem__(self, key: ItemKey) -> None:
        self.dense.pop(key, None)
        self.held.pop(key, None)
        self._expanded.pop(key, None)

    def __iter__(self) -> Iterator[ItemKey]:
        yield from self.dense
        yield from (k for k in self.held if k not in self.dense)

    def __len__(self) -> int:
        return len(self.dense.keys() | self.held.keys())

    def take(self, idx: np.ndarray) -> Rows:
        return Rows(
            {k: v[idx] for k, v in self.dense.items()},
            {k: v.take(idx) for k, v in self.held.items()},
        )


@dataclass(frozen=True)
class ResponseSet:
    ids: np.ndarray  # person ids (n,)
    weights: np.ndarray  # (n,)
    # item -> n x K (a plain dict is taken as it is; `Rows` may hold items as positions)
    rows: Mapping[ItemKey, np.ndarray]
    traits: dict[str, np.ndarray]  # trait -> canonical category per person (None = unknown)
    # item -> (n,) probability that each person was asked it (`ask_if`, surveys.skip); an item
    # not listed was asked of everyone
    asked: dict[ItemKey, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.rows, Rows):
            object.__setattr__(self, "rows", Rows(self.rows, {}))

    @property
    def n(self) -> int:
        return len(self.ids)

    def table(self) -> Rows:
        assert isinstance(self.rows, Rows)  # __post_init__ made it one
        return self.rows

    def positions(self, key: ItemKey) -> Positions | None:
        """The item's answers as positions when it is held so (one answer per person)."""
        rows = self.table()
        return None if key in rows.dense else rows.held.get(key)

    def distribution(self, key: ItemKey, weights: np.ndarray | None = None) -> np.ndarray:
        """The weighted answer distribution of an item (default weights: `item_weights`)."""
        w = self.item_weights(key) if weights is None else weights
        held = self.positions(key)
        if held is not None:
            return held.distributions(w[None, :])[0]
        return weighted_distribution(self.rows[key], w)

    def group_distributions(self, key: ItemKey, members: np.ndarray) -> np.ndarray:
        """The weighted answer distribution of each group at once (members: G x n, 0/1)."""
        weights = members * self.item_weights(key)[None, :]
        held = self.positions(key)
        if held is not None:
            return held.distributions(weights)
        rows = self.rows[key]
        ok = ~np.isnan(rows).any(axis=1)
        mw = weights * ok[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            return (mw @ np.nan_to_num(rows)) / mw.sum(axis=1, keepdims=True)

    def expected_values(self, key: ItemKey, values: np.ndarray) -> np.ndarray:
        """(n,) each person's expected answer value (their value for one answer; NaN: none)."""
        held = self.positions(key)
        if held is None:
            return self.rows[key] @ values
        ok = ~np.isnan(held.at)
        return np.where(ok, values[np.where(ok, held.at, 0).astype(int)], np.nan)

    def answered(self, key: ItemKey) -> np.ndarray:
        """(n,) whether each person has an answer to the item."""
        held = self.positions(key)
        return ~np.isnan(held.at) if held is not None else ~np.isnan(self.rows[key]).any(axis=1)

    def item_weights(self, key: ItemKey) -> np.ndarray:
        """The people's weights for one item: survey weight x probability of being asked."""
        asked = self.asked.get(key)
        return self.weights if asked is None else self.weights * asked

    def asked_matrix(self, keys: list[ItemKey]) -> np.ndarray:
        """n x Q probability that each person was asked each item (1 where unconditional)."""
        if not keys:
            return np.ones((self.n, 0))
        return np.column_stack([self.asked.get(k, np.ones(self.n)) for k in keys])

    def self_weights(self, qid: str) -> np.ndarray:
        return self.item_weights((qid, "self", None))

    def self_rows(self, qid: str) -> np.ndarray | None:
        return self.rows.get((qid, "self", None))

    def self_answers(self, qid: str) -> np.ndarray:
        """The self rows of a question this set answers (KeyError when it does not)."""
        return self.rows[(qid, "self", None)]

    def take(self, idx: np.ndarray, weights: np.ndarray | None = None) -> ResponseSet:
        """The people at `idx` (repeats allowed, as in a bootstrap resample)."""
        return ResponseSet(
            ids=self.ids[idx],
            weights=self.weights[idx] if weights is None else weights,
            rows=self.table().take(idx),
            traits={t: v[idx] for t, v in self.traits.items()},
            asked={k: v[idx] for k, v in self.asked.items()},
        )

    def sample(
        self,
        rng: np.random.Generator,
        independent: frozenset[str] = frozenset(),
        ranked: frozenset[str] = frozenset(),
    ) -> ResponseSet:
        """One answer per person and item, drawn from their distribution (one-hot rows); for
        the questions in `independent` (check all that apply) each option drawn on its own; for
        those in `ranked` each item's rank drawn from its own rank distribution (the marginals
        kept, not a joint permutation). Whether a person is asked a conditional item is not
        drawn: the probability travels with the answers (`asked`) and weighs them in every
        measure, as a share of a person rather than a coin flip."""
        rows: dict[ItemKey, np.ndarray] = {}
        held: dict[ItemKey, Positions] = {}
        for key in self.rows:
            one = self.positions(key)
            if one is not None:  # one answer already: drawn as itself
                # the draw a one-hot row would take, so the random stream stays the same
                rng.random(int((~np.isnan(one.at)).sum()))
                held[key] = one
                continue
            mat = self.rows[key]
            if key[0] in ranked:  # K x K per person: one draw per item row
                n, width = mat.shape
                k = int(round(np.sqrt(width)))
                per_item = ResponseSet(self.ids, self.weights, {key: mat.reshape(n * k, k)}, {})
                rows[key] = per_item.sample(rng).rows[key].reshape(n, width)
                continue
            out = np.full_like(mat, np.nan)
            ok = ~np.isnan(mat).any(axis=1)
            if key[0] in independent:
                out[ok] = (rng.random(mat[ok].shape) < mat[ok]).astype(float)
                rows[key] = out
                continue
            if ok.any():
                cdf = np.cumsum(mat[ok], axis=1)
                u = rng.random(int(ok.sum()))[:, None] * cdf[:, -1:]
                pick = np.minimum((u >= cdf).sum(axis=1), mat.shape[1] - 1)
                out[ok] = 0.0
                out[np.flatnonzero(ok), pick] = 1.0
            rows[key] = out
        return ResponseSet(self.ids, self.weights, Rows(rows, held), self.traits, self.asked)


def one_hot(positions: pd.Series, k: int) -> np.ndarray:
    out = np.full((len(positions), k), np.nan)
    known = positions.notna().to_numpy()
    out[known] = 0.0
    out[np.flatnonzero(known), positions[known].to_numpy(dtype=int)] = 1.0
    return out


def multi_hot(selections: pd.Series, k: int) -> np.ndarray:
    """0/1 per option from tuples of selected positions (NA: no answer)."""
    out = np.full((len(selections), k), np.nan)
    for r, chosen in enumerate(selections):
        if isinstance(chosen, tuple):
            out[r] = 0.0
            out[r, list(chosen)] = 1.0
    return out


def _human_rows(spec: QuestionKind, mapped: pd.Series, k: int) -> np.ndarray:
    """A question's mapped answers as rows: one-hot, 0/1 per option (check all that apply) or
    0/1 item-by-rank (rankings)."""
    if spec.independent:
        return multi_hot(mapped, k)
    if spec.ranked:
        return rank_rows(list(mapped), k)
    return one_hot(mapped, k)


def from_human(
    dataset: HumanDataset, instrument: Instrument, respondents: pd.DataFrame | None = None
) -> ResponseSet:
    """Real respondents' self answers (one-hot) for every question mapped for this dataset."""
    people = dataset.respondents() if respondents is None else respondents
    answers = dataset.answers(instrument, people)
    mapped = {
        q.id: _human_rows(q.spec, answers[q.id], len(q.substantive_options))
        for q in instrument.scored_questions
        if q.id in answers.columns
    }
    # a conditional question's base: the respondents who met its condition in the data
    masked = mask_human(mapped, instrument)
    one_answer = {q.id for q in instrument.scored_questions if q.spec.single_answer}
    dense: dict[ItemKey, np.ndarray] = {}
    held: dict[ItemKey, Positions] = {}
    for qid, mat in masked.items():
        if qid in one_answer:  # one-hot: kept as the positions
            at = np.where(np.isnan(mat).any(axis=1), np.nan, np.argmax(np.nan_to_num(mat), 1))
            held[(qid, "self", None)] = Positions(at.astype(float), mat.shape[1])
        else:
            dense[(qid, "self", None)] = mat
    if not masked:
        raise DatasetError(
            f"instrument {instrument.name!r} maps no question to dataset {dataset.name!r}: add "
            f"`sources: {{{dataset.source_key}: ...}}` to its questions"
        )
    return ResponseSet(
        ids=answers["respondent_id"].to_numpy(dtype=object),
        weights=answers["weight"].to_numpy(dtype=float),
        rows=Rows(dense, held),
        traits=_traits(people),
    )


def from_answers(
    answers: pd.DataFrame,
    instrument: Instrument,
    personas: pd.DataFrame,
    weights: np.ndarray | None = None,
) -> ResponseSet:
    """Simulated answers (answers.parquet rows) for the personas in `personas` (persona_id plus
    one column per trait). The not-mentioned option is dropped and the rest renormalised."""
    ids = personas["persona_id"].astype(str).to_numpy(dtype=object)
    index = {pid: i for i, pid in enumerate(ids)}
    unknown = set(answers["persona_id"].astype(str)) - set(index)
    if unknown:
        raise DatasetError(
            f"answers for personas {sorted(unknown)[:5]} that the persona table lacks"
        )
    rows: dict[ItemKey, np.ndarray] = {}
    asked_by: dict[ItemKey, np.ndarray] = {}
    fields = ["persona_id", "question_id", "perspective", "group", "labels", "probs"]
    p_asked = answers["asked"] if "asked" in answers else pd.Series(1.0, index=answers.index)
    for (pid, qid, perspective, asked, shown, dist), p_ask in zip(
        answers[fields].itertuples(index=False, name=None), p_asked
    ):
        q = instrument.question(qid)
        labels = [o.label for o in q.options]
        if list(shown) != labels:
            raise DatasetError(
                f"answer row ({pid}, {qid}) has options "
                f"{list(shown)} but the instrument has {labels}: score with the instrument "
                "the answers were made with"
            )
        k = q.spec.width(len(q.substantive_options))
        probs = np.asarray(dist, dtype=float)[:k]
        group = None if pd.isna(asked) else str(asked)
        key = (q.id, str(perspective), group)
        if key not in rows:
            rows[key] = np.full((len(ids), k), np.nan)
        if q.ask_if is not None:
            asked_by.setdefault(key, np.ones(len(ids)))[index[str(pid)]] = p_ask
        if not q.spec.single_answer:  # inclusion or rank probabilities: kept as they are
            rows[key][index[str(pid)]] = probs
        else:
            rows[key][index[str(pid)]] = probs / probs.sum() if probs.sum() > 0 else np.nan
    w = np.ones(len(ids)) if weights is None else np.asarray(weights, dtype=float)
    return ResponseSet(ids=ids, weights=w, rows=rows, traits=_traits(personas), asked=asked_by)


def constant(personas: pd.DataFrame, dists: dict[str, np.ndarray]) -> ResponseSet:
    """Reference personas (persona_id + traits) who all answer each question with the same
    distribution, e.g. uniform or the human marginal."""
    n = len(personas)
    rows: dict[ItemKey, np.ndarray] = {
        (qid, "self", None): np.tile(np.asarray(p, dtype=float), (n, 1)) for qid, p in dists.items()
    }
    ids = personas["persona_id"].astype(str).to_numpy(dtype=object)
    return ResponseSet(ids=ids, weights=np.ones(n), rows=rows, traits=_traits(personas))


def _traits(table: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        t: np.array([None if pd.isna(v) else str(v) for v in table[t]], dtype=object)
        for t in TRAITS
        if t in table.columns
    }
