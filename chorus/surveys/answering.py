"""Answer an instrument in each persona's voice: full option distributions from each question
kind's engine operation (`engine.choice` for the shipped kinds), debiased for option order, one
row per persona x question x perspective."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from chorus.core import write_atomic
from chorus.engines import ChoiceDistribution, ChoiceRequest, Engine
from chorus.surveys.conditioning import check_style, render_context
from chorus.surveys.errors import DatasetError, SurveyError
from chorus.surveys.multi import likeliest
from chorus.surveys.operation import Operation
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import (
    DEBIAS,
    Item,
    answer_turn,
    choice_request,
    items_for,
    option_orders,
    prompt_hash,
    question_block,
)
from chorus.surveys.schema import PERSPECTIVES, Instrument
from chorus.surveys.skip import asked_probabilities

ANSWERS_SCHEMA = pa.schema(
    [
        ("persona_id", pa.string()),
        ("question_id", pa.string()),
        ("perspective", pa.string()),
        ("group", pa.string()),
        ("labels", pa.list_(pa.string())),
        ("probs", pa.list_(pa.float64())),
        ("raw_mass", pa.float64()),
        # orders whose distribution is incomplete (labels outside a server's top-K that it could
        # not score; engines.top_logprobs): 0 = exact
        ("incomplete_orders", pa.int64()),
        # the most any probability of an order's distribution can be off (label spellings
        # outside a server's top-K left unscored; engines.top_logprobs), largest over the
        # orders: 0 = exact; NaN in answers written before it was recorded
        ("error_bound", pa.float64()),
        ("prompt_hash", pa.string()),
        ("conditioning", pa.string()),
        # skip logic: the probability that the persona was asked this question (its `ask_if`
        # met, from its own answers to the earlier questions; surveys.skip): 1 = unconditional
        ("asked", pa.float64()),
        # the question's place in the persona's order (randomised blocks shuffle it per
        # persona, surveys.order; instrument order otherwise)
        ("position", pa.int64()),
        # free_text: the sampled answers verbatim and the theme each was coded into (null for
        # the other kinds and in answers written before open answers were asked)
        ("texts", pa.list_(pa.string())),
        ("text_themes", pa.list_(pa.string())),
    ]
)

OPEN_ANSWER_COLUMNS = ("texts", "text_themes")  # null but for free_text questions


@dataclass
class _Interview:
    """One persona's pending items and, in sequential mode, the answers given so far."""

    persona: Persona
    context: str
    items: list[Item]
    history: list[tuple[str, str]] = field(default_factory=list)
    # per question id, the context that leaves that question's own answer out (`answers` style)
    held_out: dict[str, str] = field(default_factory=dict)

    def context_for(self, item: Item) -> str:
        return self.held_out.get(item.question.id, self.context)


def answer(
    engine: Engine,
    personas: Sequence[Persona],
    instrument: Instrument,
    *,
    conditioning: str = "qa",
    debias: str = "reverse",
    n_permutations: int = 2,
    sequential: bool = False,
    perspectives: Sequence[str] | None = None,
    seed: int = 0,
    batch_personas: int = 1,
    progress: bool = False,
    leave_one_out: bool = True,
) -> pd.DataFrame:
    """Every persona x question (x perspective) as a distribution over the question's options.

    Each item is asked in several option orders (`debias`: "reverse" = original + reversed,
    "permute" = original + `n_permutations` seeded permutations, "none") and the distributions
    are combined as the question's kind says (mapped back to the original order and averaged,
    for the shipped kinds). Questions are independent by default; `sequential=True` keeps the
    earlier questions and the persona's most likely answers in the context, as Anthology did.
    Each engine call batches all the items of `batch_personas` personas (per step in sequential
    mode), persona context first, so the engine computes each persona's context once; raise it
    for server/GPU engines. With `conditioning="answers"` the persona is its respondent's own
    answers; `leave_one_out` (default) leaves the asked question's own answer out of its context.
    """
    check_options(conditioning, debias, perspectives)
    interviews = [
        _interview(p, conditioning, items_for(p, instrument, perspectives, seed), leave_one_out)
        for p in personas
    ]
    options = _Options(sequential, debias, n_permutations, seed, conditioning)
    units = [
        (interviews[start : start + batch_personas], options)
        for start in range(0, len(interviews), batch_personas)
    ]
    bar = tqdm(
        total=len(interviews),
        desc=f"answering ({conditioning})",
        unit="persona",
        disable=not progress,
    )
    # the units are the same on one engine replica or many: results never depend on the count
    done = engine.map(_answer_chunk, units, lambda i: bar.update(len(units[i][0])))
    bar.close()
    rows = [row for chunk_rows in done for row in chunk_rows]
    table = pd.DataFrame(rows, columns=ANSWERS_SCHEMA.names)
    table["asked"] = asked_probabilities(table, instrument)
    return table


def answer_in_contexts(
    engine: Engine,
    asks: Sequence[tuple[str, str, Sequence[Item]]],
    *,
    debias: str = "reverse",
    seed: int = 0,
    conditioning: str = "custom",
) -> pd.DataFrame:
    """Items asked under contexts a caller wrote (each `(id, context, items)`: the id becomes
    the rows' persona_id), debiased and combined as `answer` does; one engine call. The
    consensus pilot asks its representatives' perceptions again this way."""
    if debias not in DEBIAS:
        raise SurveyError(f"unknown debias mode {debias!r}: use one of {list(DEBIAS)}")
    chunk = [_Interview(Persona(persona_id=key), ctx, list(items)) for key, ctx, items in asks]
    rows = _ask(engine, chunk, None, debias, 2, seed, conditioning)
    return pd.DataFrame(rows, columns=ANSWERS_SCHEMA.names)


def _interview(persona: Persona, style: str, items: list[Item], leave_one_out: bool) -> _Interview:
    if style != "answers" or not leave_one_out:
        return _Interview(persona, render_context(style, persona), items)
    asked = dict.fromkeys(item.question.id for item in items)
    # the answers to asked questions go last: every held-out context then shares the long
    # prefix of the others, which the engine computes once per persona
    last = [a for a in persona.answers if a.question_id in asked]
    persona = persona.model_copy(
        update={"answers": (*(a for a in persona.answers if a.question_id not in asked), *last)}
    )
    held_out = {qid: render_context(style, persona, leave_out=qid) for qid in asked}
    return _Interview(persona, "", items, held_out=held_out)


@dataclass(frozen=True)
class _Options:
    sequential: bool
    debias: str
    n_permutations: int
    seed: int
    conditioning: str


def _answer_chunk(engine: Engine, unit: tuple[list[_Interview], _Options]) -> list[dict]:
    """One unit of work: a chunk of personas, one engine call (per step in sequential mode)."""
    chunk, o = unit
    steps = max((len(iv.items) for iv in chunk), default=0) if o.sequential else 1
    rows: list[dict] = []
    for step in range(steps):
        rows += _ask(
            engine,
            chunk,
            step if o.sequential else None,
            o.debias,
            o.n_permutations,
            o.seed,
            o.conditioning,
        )
    return rows


def check_options(conditioning: str, debias: str, perspectives: Sequence[str] | None) -> None:
    """Fail fast (before any model is loaded) on options answer() cannot use."""
    check_style(conditioning)
    if debias not in DEBIAS:
        raise SurveyError(f"unknown debias mode {debias!r}: use one of {list(DEBIAS)}")
    unknown = set(perspectives or ()) - set(PERSPECTIVES)
    if unknown:
        raise SurveyError(f"unknown perspective(s) {sorted(unknown)}: use {list(PERSPECTIVES)}")


def _ask(
    engine: Engine,
    chunk: list[_Interview],
    step: int | None,
    debias: str,
    n_permutations: int,
    seed: int,
    conditioning: str,
) -> list[dict]:
    """One batched engine call: every item of the chunk (step=None) or the step-th item of each
    interview (sequential mode, which then appends the chosen answers to the histories)."""
    requests: list[ChoiceRequest] = []
    slots: list[tuple[_Interview, Item, list[list[int]], int]] = []
    for iv in chunk:
        todo = iv.items if step is None else iv.items[step : step + 1]
        for item in todo:
            key = f"{iv.persona.persona_id}|{item.key}"
            orders = option_orders(item.question, debias, n_permutations, key, seed)
            slots.append((iv, item, orders, len(requests)))
            context = iv.context_for(item)
            requests += [choice_request(context, iv.history, item, o) for o in orders]
    bound: dict[str, Operation] = {}  # kinds answered with the question's own settings
    for _, item, _, _ in slots:
        q = item.question
        if q.spec.bind is not None and q.id not in bound:
            bound[q.id] = q.spec.bind(q, seed)
    ops = [bound.get(s[1].question.id, s[1].question.spec.operation) for s in slots for _ in s[2]]
    dists = _run(engine, requests, ops)
    rows = []
    for iv, item, orders, at in slots:
        reqs = requests[at : at + len(orders)]
        spec = item.question.spec
        probs, raw_mass = spec.combine(dists[at : at + len(orders)], orders)
        if spec.finish is not None:  # the question's constraints (multi_select limits)
            probs = spec.finish(item.question, probs)
        rows.append(
            {
                "persona_id": iv.persona.persona_id,
                "question_id": item.question.id,
                "perspective": item.perspective,
                "group": item.group.name if item.group else None,
                "labels": [o.label for o in item.question.options],
                "probs": probs.tolist(),
                "raw_mass": raw_mass,
                "incomplete_orders": sum(not d.complete for d in dists[at : at + len(orders)]),
                "error_bound": max(d.error_bound for d in dists[at : at + len(orders)]),
                "prompt_hash": prompt_hash(reqs),
                "conditioning": conditioning,
                "asked": 1.0,  # answer() weighs conditional questions once all rows are in
                "position": item.position,
                "texts": getattr(dists[at], "texts", None),
                "text_themes": getattr(dists[at], "themes", None),
            }
        )
        if step is not None:  # orders[0] is the original order: position == option index
            said = getattr(dists[at], "texts", None)  # an open answer: its first sample
            if said:
                turn = f"{spec.answer_prefix} {said[0]}"
            else:
                if spec.independent:
                    chosen = likeliest(item.question, probs)
                elif spec.ranked:  # a ranking's answer is its likeliest first item
                    chosen = [int(np.argmax(probs[:: len(item.question.options)]))]
                else:
                    chosen = [int(np.argmax(probs))]
                turn = answer_turn(item, orders[0], chosen)
            iv.history.append((question_block(item, orders[0]), turn))
    return rows


def _run(
    engine: Engine, requests: list[ChoiceRequest], operations: list[Operation]
) -> list[ChoiceDistribution]:
    """Each request answered by its kind's operation, one call per operation with its requests
    in batch order (all the shipped kinds share one: a single `engine.choice` call)."""
    dists: list[ChoiceDistribution | None] = [None] * len(requests)
    for op in dict.fromkeys(operations):
        at = [i for i, o in enumerate(operations) if o is op]
        for i, dist in zip(at, op(engine, [requests[i] for i in at]), strict=True):
            dists[i] = dist
    return dists  # type: ignore[return-value]  # every slot is filled by its operation


def incomplete_answers(table: pd.DataFrame) -> int:
    """How many answers rest on a distribution with unseen labels (a server's top-K limit)."""
    if "incomplete_orders" not in table:
        return 0
    return int((table["incomplete_orders"] > 0).sum())


def with_defaults(table: pd.DataFrame) -> pd.DataFrame:
    """The columns added since answers were first written, filled as their absence means."""
    table = table.copy()
    if "error_bound" not in table:  # written before bounds were recorded
        table["error_bound"] = float("nan")
    if "asked" not in table:  # written before skip logic: every question asked of everyone
        table["asked"] = 1.0
    for column in OPEN_ANSWER_COLUMNS:  # written before open answers (or tables made by hand)
        if column not in table:
            table[column] = None
    if "position" not in table:  # written before randomised blocks: in the order listed
        table["position"] = (
            table.groupby("persona_id", sort=False)["question_id"].transform(
                lambda asked: pd.factorize(asked)[0]
            )
            if len(table)
            else 0
        )
    return table


def write_answers(table: pd.DataFrame, path: Path) -> None:
    """Write answers.parquet atomically (temp file in the same folder, then os.replace)."""
    arrow = pa.Table.from_pandas(
        with_defaults(table)[ANSWERS_SCHEMA.names], schema=ANSWERS_SCHEMA, preserve_index=False
    )
    write_atomic(path, lambda tmp: pq.write_table(arrow, tmp))


def read_answers(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DatasetError(f"{path}: no answers file; run `chorus survey run` first")
    table = pq.read_table(path).to_pandas()
    table = with_defaults(table)
    missing = [c for c in ANSWERS_SCHEMA.names if c not in table.columns]
    if missing:
        raise DatasetError(
            f"{path}: not an answers table (missing columns {missing}); see docs/formats.md"
        )
    return table
