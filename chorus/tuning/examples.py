"""Training examples, rendered by the same prompt code as `chorus survey run`
(surveys.prompts.choice_request under a conditioning style), in both option orders.

- subgroup examples (SubPOP's form): a crosstab cell's trait categories as the persona context
  (the `subgroup` conditioning), the question; target: the cell's weighted human shares.
- individual examples: one respondent's demographics as the persona (`qa` / `bio` / `portray`),
  the question; target: that respondent's answer (one-hot).

Only the questions and respondents handed in reach an example: the caller splits them first
(`split`), and the leakage guard test holds the held-out ones out by a planted marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chorus.engines import ChoiceRequest
from chorus.surveys import Instrument, Question, render_context
from chorus.surveys.crosstab import Crosstab, format_subgroup, subgroup_persona
from chorus.surveys.persona import personas_from_respondents
from chorus.surveys.prompts import Item, choice_request, option_orders
from chorus.tuning.errors import TuningError

INDIVIDUAL_STYLES = ("qa", "bio", "portray")


@dataclass(frozen=True)
class Example:
    """One prompt and the distribution the tuned model should give over its shown labels."""

    request: ChoiceRequest
    target: np.ndarray  # over request.labels, in the shown order
    question_id: str
    source: str  # "subgroup:party=Democrat" or "respondent:<id>"


def _shown(question: Question, shares: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Shares over the substantive options -> target over the shown positions (the
    not-mentioned option, where there is one, gets 0: no human chose it)."""
    full = np.zeros(len(question.options))
    full[: len(shares)] = shares
    return full[list(order)]


def _examples_for(
    context: str, question: Question, shares: np.ndarray, source: str, seed: int
) -> list[Example]:
    item = Item(question, "self")
    orders = option_orders(question, "reverse", 0, f"{source}|{item.key}", seed)
    return [
        Example(choice_request(context, [], item, order), _shown(question, shares, order),
                question.id, source)
        for order in orders
    ]  # fmt: skip


def subgroup_examples(
    table: Crosstab, instrument: Instrument, questions: Sequence[str], seed: int = 0
) -> list[Example]:
    """One example per cell x option order for the given questions (the overall rows, which
    carry no subgroup, are left out: they steer with nobody)."""
    wanted = set(questions)
    out: list[Example] = []
    for (qid, subgroup), cell in table.cells.items():
        if qid not in wanted or not subgroup:
            continue
        context = render_context("subgroup", subgroup_persona(subgroup))
        source = f"subgroup:{format_subgroup(subgroup)}"
        out += _examples_for(context, instrument.question(qid), cell.shares, source, seed)
    return out


def individual_examples(
    people: pd.DataFrame,
    answers: pd.DataFrame,
    instrument: Instrument,
    questions: Sequence[str],
    conditioning: str = "qa",
    seed: int = 0,
) -> list[Example]:
    """One example per respondent x answered question x option order: the respondent's
    demographics as the persona, their own answer as the target."""
    if conditioning not in INDIVIDUAL_STYLES:
        raise TuningError(
            f"individual examples use conditioning {list(INDIVIDUAL_STYLES)}, not {conditioning!r}"
        )
    out: list[Example] = []
    personas = personas_from_respondents(people)
    for persona, (_, row) in zip(personas, answers.iterrows()):
        context = render_context(conditioning, persona)
        for qid in questions:
            if qid not in answers.columns or pd.isna(row[qid]):
                continue
            q = instrument.question(qid)
            onehot = np.zeros(len(q.substantive_options))
            onehot[int(row[qid])] = 1.0
            out += _examples_for(context, q, onehot, f"respondent:{persona.persona_id}", seed)
    return out
