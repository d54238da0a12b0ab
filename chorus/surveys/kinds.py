"""Question kinds: what each `kind:` of an instrument question means to chorus, in one registry.

Every place that treats kinds differently (instrument validation, prompting, answering, scoring
and the metrics) asks the kind's spec, `kind_spec(question.kind)` or `question.spec`, and never
compares kind names. A kind is a `QuestionKind`; a new one is added with `register_kind(spec)`
before the instruments that use it are loaded, and must provide:

- `name`: what an instrument writes as `kind:`.
- `ordered`: whether option order means something. Ordered kinds need a numeric `value` on
  every substantive option; their dispersion is the variance over option values and they enter
  the persona-respondent correlation. Nominal ones are compared by entropy and enter that
  correlation only with two options.
- `metric` and `distance`: the distance between two answer distributions over the K options,
  `distance(p, q, normalise)`, and the name metrics.json records for it. `normalise=True` is the
  headline form in [0, 1]; `False` the raw form (`wd_raw`), the same where a distance has no
  other form.
- `mappings`: the `ColumnMapping` rules (`values`, `option_values`, `bins`) that may map a
  human dataset's column onto the options.
- `template` (in `templates`, a `chorus.core.Templates` folder): the question prompt. It is
  rendered with `framing` (the question under its perspective) and `options` (pairs of a
  letter and an option's text, in the presented order), and the answer follows "Answer: (".
- `operation`: how an engine answers, `operation(engine, requests)` with one distribution over
  the letters per request. All of a batch's requests with the same operation go to it at once.
- `combine`: how the distributions over the presented option orders become one over the
  options, `combine(distributions, orders)` -> (probabilities by option, raw label mass).

`share_measure` and `share_rows(rows, k)` (derived from `independent` and `ranked`) give each
kind's per-option panel figure where a table reports one number per option (pilot estimates,
the mediator's panel summary): shares, selection rates, or the share ranking an item first.

Optional, with the one-of-K defaults:

- `answer_prefix`, `lettered`: what follows the prompt ("Answer: (") and whether the answer is
  an option's letter or its label itself (a number); `reorder`: whether option orders are
  varied to debias the answer (not for numbers, which have one natural order).
- `ranged`: the question gives `range: [lo, hi]` (and `unit`) and its options are the whole
  numbers of the range, generated at load.
- `independent`, `chance`, `finish`: options chosen independently (rows hold inclusion
  probabilities, kept out of the value-based metrics), the chance reference for K options, and
  the question's constraints applied after the orders are combined.
- `extras(values, sim_rows, sim_weights, human_rows, human_weights)`: figures beyond the
  distance (from the people's rows), scored with intervals as
  `<name>/<question>`; `share_extras(values, p_sim, p_hum)` the same from the two weighted
  shares only; `summary(values, p)`: the summary of one distribution that the score,
  `Results.summaries()` and the report show.

The one-of-K kinds are answered by one `choice` forward pass per option order (`choose`), with
the orders averaged (`average_orders`): `single_choice` (nominal, total variation distance),
`ordinal` and `binned_numeric` (ordered, W1 over option positions divided by K-1; binned
questions map a numeric column through `bins`). `numeric` is a whole number in a range, its
distribution read digit by digit (surveys.numeric.digit_choice), scored by W1 over the range's
integers divided by the range, with the median difference as a share extra and mean and quantiles
as its summary. `multi_select` (check all that apply) is `independent`: one Yes/No pass per
option (surveys.multi.ask_each_option), rows of inclusion probabilities, constraints applied
by `finish`, scored by the mean absolute selection-rate difference with the count of
selections' TVD as an extra and 1/2 per option as chance. Grids are not a kind: a grid's
items are questions of one kind sharing a stem (surveys.grids). `ranking` (order K items) is
`ranked`: its rows are K x K item-by-rank probabilities from successive choices
(surveys.ranking.rank_stages), scored by the mean expected-rank difference over K - 1 with the
top-1 share's TVD as an extra. `free_text` is answered by sampled texts coded into a
codebook's themes (surveys.free_text; `bind` gives each question its operation, `coded` makes
its options the themes plus other), scored by TVD over the themes. Kinds in `REFUSED` are
rejected at load, with the reason, rather than silently never asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from chorus.core import Templates
from chorus.engines import ChoiceDistribution, ChoiceRequest, Engine
from chorus.surveys import free_text, ranking
from chorus.surveys.errors import SurveyError
from chorus.surveys.multi import (
    ask_each_option,
    average_inclusion,
    count_tvd,
    finish,
    half,
    rate_difference,
)
from chorus.surveys.numeric import digit_choice, median_difference, summary
from chorus.surveys.operation import Operation
from chorus.surveys.templating import TEMPLATES

MappingRule = Literal["values", "option_values", "bins", "columns", "delimited", "coded"]
Distance = Callable[[np.ndarray, np.ndarray, bool], float]
Combine = Callable[
    [Sequence[ChoiceDistribution], Sequence[Sequence[int]]], tuple[np.ndarray, float]
]
Extras = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], dict[str, float]]
ShareExtras = Callable[[np.ndarray, np.ndarray, np.ndarray], dict[str, float]]
Summary = Callable[[np.ndarray, np.ndarray], dict[str, float]]


ANSWER_PREFIX = "Answer: ("  # a lettered answer: the next token is the option's letter


class UnknownKindError(SurveyError, ValueError):
    """A question kind the registry does not hold, or one chorus refuses to ask."""


def _pair(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if p.shape != q.shape or p.ndim != 1 or len(p) < 2:
        raise ValueError(
            f"need two distributions over the same K >= 2 options, got {p.shape} and {q.shape}"
        )
    return p / p.sum(), q / q.sum()


def wasserstein(p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """W1 between two distributions over option positions 0..K-1.

    On a unit-spaced line W1 is the L1 distance between the CDFs. Normalised by K-1 it lies in
    [0, 1]; unnormalised it is in option steps (the figure the papers report).
    """
    p, q = _pair(p, q)
    w = float(np.abs(np.cumsum(p) - np.cumsum(q))[:-1].sum())
    return w / (len(p) - 1) if normalise else w


def tvd(p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """Total variation distance, W1 under the 0/1 metric: it does not depend on option order.
    It lies in [0, 1] already, so `normalise` changes nothing (it has no raw form)."""
    p, q = _pair(p, q)
    return float(0.5 * np.abs(p - q).sum())


def uniform(k: int) -> np.ndarray:
    """Every option equally likely: the chance reference of the one-of-K kinds."""
    return np.full(k, 1.0 / k)


def choose(engine: Engine, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
    """One `choice` forward pass per request: the full distribution over the option letters."""
    return engine.choice(requests)


def average_orders(
    dists: Sequence[ChoiceDistribution], orders: Sequence[Sequence[int]]
) -> tuple[np.ndarray, float]:
    """Map each order's distribution (by position) back to option indices and average them."""
    n = len(orders[0])
    total = np.zeros(n)
    for dist, order in zip(dists, orders):
        back = np.zeros(n)
        back[np.asarray(order)] = dist.probs
        total += back
    probs = total / len(orders)
    return probs / probs.sum(), float(np.mean([d.raw_mass for d in dists]))


@dataclass(frozen=True)
class QuestionKind:
    """Everything chorus needs to know about one kind of question (see the module docstring)."""

    name: str
    ordered: bool
    metric: str
    distance: Distance
    mappings: frozenset[MappingRule]
    template: str = "question.j2"
    templates: Templates = TEMPLATES
    operation: Operation = choose
    combine: Combine = average_orders
    # how the answer is written: after `answer_prefix`, the letter of an option (`lettered`) or
    # the option's label itself (a number); whether the option order is varied to debias it
    answer_prefix: str = ANSWER_PREFIX
    lettered: bool = True
    reorder: bool = True
    # the question gives `range: [lo, hi]` (and `unit`) and its options are the integers in it
    ranged: bool = False
    # per-question figures beyond the distance, `extras(values, sim_rows, sim_weights,
    # human_rows, human_weights)` -> name: value (from the people's rows, not just the means),
    # scored (with intervals) as `<name>/<question>`; and the summary of one distribution
    # (`summary(values, p)`) that Results.to_pandas and the report show
    extras: Extras | None = None
    summary: Summary | None = None
    # figures that need only the two weighted shares, `share_extras(values, p_sim, p_hum)`
    # (numeric: the median difference), scored like `extras`; they never read the people's
    # rows, which for a 0-100 number are 101 wide
    share_extras: ShareExtras | None = None
    # options chosen independently (check all that apply): a person's row holds K inclusion
    # probabilities, not a distribution; `chance(k)` is the chance reference (default 1/K each)
    # and `finish(question, probs)` applies the question's constraints after combining orders
    independent: bool = False
    chance: Callable[[int], np.ndarray] = uniform
    finish: Callable[[Any, np.ndarray], np.ndarray] | None = None
    # a person's row is the K x K item-by-rank matrix, flattened item-major (ranking), not K
    # numbers; `plot` names the report's figure ("bars", "cumulative" or "ranks")
    ranked: bool = False
    plot: str = "bars"
    # answered with the question's own settings: `bind(question, seed)` gives its operation
    # (free_text: samples, codebook); `coded`: the options are a codebook's themes + other
    bind: Callable[[Any, int], Operation] | None = None
    coded: bool = False

    @property
    def single_answer(self) -> bool:
        """A person's row is one distribution over the K options (it has a mean value, a
        dispersion, a correlation with other answers): not check-all-that-apply, not ranks."""
        return not self.independent and not self.ranked

    def width(self, k: int) -> int:
        """The numbers a person's row holds for K substantive options."""
        return k * k if self.ranked else k

    @property
    def share_measure(self) -> str:
        """What a panel's per-option figure is (`share_rows`): `share` (one answer per person:
        the shares sum to 1), `selection_rate` (check all that apply: each option's own rate)
        or `top1_share` (a ranking: the share ranking each item first)."""
        if self.independent:
            return "selection_rate"
        return "top1_share" if self.ranked else "share"

    def share_rows(self, rows: np.ndarray, k: int) -> np.ndarray:
        """n x K per-option figures of each person from their rows: the rows themselves, or for
        a ranking each item's probability of being ranked first (a distribution over items)."""
        return rows.reshape(len(rows), k, k)[:, :, 0] if self.ranked else rows

    def render(self, **values: object) -> str:
        """The question prompt of this kind (`framing`, `options`, `question`)."""
        return self.templates.render(self.template, **values)


KINDS: dict[str, QuestionKind] = {}  # read it here; add to it through register_kind

# kinds an instrument may name that chorus refuses at load, with the reason and the way out
REFUSED: dict[str, str] = {}


def register_kind(spec: QuestionKind) -> QuestionKind:
    """Add a kind to the registry; a name is registered once (re-registering the same spec is a
    no-op, so a module that registers can be imported twice)."""
    if not spec.name.isidentifier():
        raise ValueError(f"kind name {spec.name!r} must be an identifier (as in `kind: name`)")
    held = KINDS.get(spec.name)
    if held is not None and held != spec:
        raise ValueError(f"question kind {spec.name!r} is already registered")
    if not spec.mappings:
        raise ValueError(f"kind {spec.name!r} needs at least one mapping rule for human answers")
    KINDS[spec.name] = spec
    return spec


def kind_spec(name: str) -> QuestionKind:
    """The spec of kind `name`; an unknown or refused kind raises UnknownKindError saying which
    kinds there are."""
    spec = KINDS.get(name)
    if spec is not None:
        return spec
    if name in REFUSED:
        raise UnknownKindError(f"chorus does not ask {name} questions ({REFUSED[name]})")
    raise UnknownKindError(
        f"unknown question kind {name!r} (known kinds: {', '.join(sorted(KINDS))})"
    )


_ONE_OF_K: frozenset[MappingRule] = frozenset({"values", "option_values"})
register_kind(
    QuestionKind("single_choice", ordered=False, metric="tvd", distance=tvd, mappings=_ONE_OF_K)
)
register_kind(
    QuestionKind(
        "ordinal", ordered=True, metric="wasserstein", distance=wasserstein, mappings=_ONE_OF_K
    )
)
register_kind(
    QuestionKind(
        "binned_numeric",
        ordered=True,
        metric="wasserstein",
        distance=wasserstein,
        mappings=frozenset({"bins"}),
    )
)
register_kind(
    QuestionKind(
        "numeric",
        ordered=True,
        metric="wasserstein",
        distance=wasserstein,  # over unit-spaced integers: W1 / (K-1) is W1 on the values / range
        mappings=frozenset({"option_values"}),
        template="numeric.j2",
        operation=digit_choice,
        answer_prefix="Answer: ",
        lettered=False,
        reorder=False,
        ranged=True,
        share_extras=median_difference,
        summary=summary,
        plot="cumulative",
    )
)
register_kind(
    QuestionKind(
        "multi_select",
        ordered=False,
        metric="rate_difference",
        distance=rate_difference,
        mappings=frozenset({"columns", "delimited"}),
        template="multi_select.j2",
        operation=ask_each_option,
        combine=average_inclusion,
        independent=True,
        chance=half,
        extras=count_tvd,
        finish=finish,
    )
)
register_kind(
    QuestionKind(
        "ranking",
        ordered=False,
        metric="rank_difference",
        distance=ranking.rank_distance,
        mappings=frozenset({"columns"}),
        template="ranking.j2",
        operation=ranking.rank_stages,
        combine=ranking.average_ranks,
        chance=ranking.chance,
        extras=ranking.top1_tvd,
        ranked=True,
        plot="ranks",
    )
)
register_kind(
    QuestionKind(
        "free_text",
        ordered=False,
        metric="tvd",
        distance=tvd,
        mappings=frozenset({"coded"}),
        template="free_text.j2",
        answer_prefix="Answer:",
        lettered=False,
        reorder=False,
        bind=free_text.sampler,
        coded=True,
    )
)
