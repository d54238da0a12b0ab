"""What a tuning run trains on: the question split (trained / validation / held out), the
respondent split, and the examples built from the training side only."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from chorus.core import derive_seed
from chorus.surveys import HumanDataset, Instrument
from chorus.surveys.crosstab import Crosstab, crosstab_from_answers
from chorus.tuning.errors import TuningError
from chorus.tuning.examples import Example, individual_examples, subgroup_examples
from chorus.tuning.options import TuneOptions


@dataclass
class TrainingData:
    examples: list[Example]
    validation: list[Example]
    trained_questions: list[str]
    validation_questions: list[str]
    heldout_questions: list[str]
    train_respondents: list[str] = field(default_factory=list)
    heldout_respondents: list[str] = field(default_factory=list)

    def digest(self) -> str:
        """A digest of every example (prompt and target): two runs trained on the same."""
        h = hashlib.sha256()
        for ex in self.examples + self.validation:
            h.update(ex.request.model_dump_json().encode())
            h.update(np.round(ex.target, 8).tobytes())
        return h.hexdigest()[:16]


def _unit(seed: int, *parts: object) -> float:
    return derive_seed(seed, *parts) / float(1 << 63)


def split_questions(
    instrument: Instrument,
    available: Sequence[str],
    holdout: Sequence[str],
    questions: Sequence[str] | None,
) -> tuple[list[str], list[str]]:
    """(trained, held out). `available`: the questions the data has answers for."""
    known = [q.id for q in instrument.scored_questions]
    for name, ids in (("--holdout-questions", holdout), ("--questions", questions or [])):
        unknown = [q for q in ids if q not in known]
        if unknown:
            raise TuningError(
                f"{name}: unknown question id(s) {unknown} in instrument {instrument.name!r} "
                f"(its questions: {known})"
            )
    both = sorted(set(holdout) & set(questions or []))
    if both:
        raise TuningError(
            f"question(s) {both} are both held out and trained on: a held-out question must "
            "never reach training; remove them from --questions or from --holdout-questions"
        )
    several = [q for q in questions or [] if q not in tunable(instrument)]
    if several:
        raise TuningError(
            f"--questions: {several} are not answered by one read over their options (numbers, "
            "check all that apply, rankings, open answers), which is what the loss trains; "
            "leave them out"
        )
    wanted = list(questions) if questions else [q for q in known if q in tunable(instrument)]
    trained = [q for q in wanted if q not in set(holdout)]
    missing = [q for q in trained if q not in set(available)]
    if questions and missing:
        raise TuningError(
            f"the data has no mapped answers for question(s) {missing}: map them for this "
            "dataset (`sources:` in the instrument) or leave them out of --questions"
        )
    trained = [q for q in trained if q in set(available)]
    if not trained:
        raise TuningError(
            f"the data has no mapped answers for any training question of {instrument.name!r} "
            "(all held out, or no `sources:` mapping for this dataset)"
        )
    return trained, list(holdout)


def validation_questions(trained: Sequence[str], share: float, seed: int) -> list[str]:
    """A share of the training questions kept for early stopping (none below 3 questions)."""
    if len(trained) < 3 or share <= 0:
        return []
    k = max(1, round(share * len(trained)))
    return sorted(trained, key=lambda q: _unit(seed, "validation", q))[:k]


def split_respondents(ids: Sequence[str], holdout_share: float, seed: int) -> np.ndarray:
    """True for respondents held out of training: decided per respondent id (not by row order),
    so the same respondents are held out whatever the data's order."""
    return np.array([_unit(seed, "respondent", i) < holdout_share for i in ids], dtype=bool)


def from_dataset(
    dataset: HumanDataset, instrument: Instrument, options: TuneOptions | None = None
) -> TrainingData:
    """Examples from microdata: subgroup targets and individual answers of the training
    respondents only, on the training questions only (`options`' data fields)."""
    o = options or TuneOptions()
    people = dataset.respondents()
    # only the questions asked for are mapped: one broken mapping elsewhere does not matter
    scope = (
        instrument.subset([q for q in o.questions if q in _ids(instrument)])
        if o.questions
        else instrument
    )
    answers = dataset.answers(scope, people)
    answered = [c for c in answers.columns[2:] if answers[c].notna().any()]
    trained, held = split_questions(instrument, answered, o.holdout_questions, o.questions)
    out_mask = split_respondents(
        people["respondent_id"].astype(str).tolist(), o.holdout_respondents, o.seed
    )
    train_people, train_answers = people[~out_mask], answers[~out_mask]
    val = validation_questions(trained, o.validation_share, o.seed)
    fit = [q for q in trained if q not in set(val)]
    examples: list[Example] = []
    validation: list[Example] = []
    if "subgroup" in o.examples:
        table = crosstab_from_answers(
            train_people, train_answers, instrument, o.traits, o.pairs, o.min_cell
        )
        examples += subgroup_examples(table, instrument, fit, o.seed)
        validation += subgroup_examples(table, instrument, val, o.seed)
        if not any(s for _, s in table.cells):
            raise TuningError(
                f"every subgroup of {dataset.name!r} is below the minimum cell size "
                f"{o.min_cell}: lower --min-cell, break down by fewer traits, or add respondents"
            )
    if "individual" in o.examples:
        pick = np.argsort([_unit(o.seed, "individual", i) for i in train_people["respondent_id"]])
        pick = pick[: o.max_individuals]
        p, a = train_people.iloc[pick], train_answers.iloc[pick]
        style = o.individual_conditioning
        examples += individual_examples(p, a, instrument, fit, style, o.seed)
        validation += individual_examples(p, a, instrument, val, style, o.seed)
    if not examples:
        raise TuningError(
            f"no training example: the training questions {fit} have no answers in "
            f"{dataset.name!r} for the training respondents"
        )
    return TrainingData(
        examples, validation, fit, val, held,
        train_respondents=people["respondent_id"][~out_mask].astype(str).tolist(),
        heldout_respondents=people["respondent_id"][out_mask].astype(str).tolist(),
    )  # fmt: skip


def from_crosstab(
    table: Crosstab, instrument: Instrument, options: TuneOptions | None = None
) -> TrainingData:
    """Subgroup examples from aggregate data (published crosstabs): no respondents to split."""
    o = options or TuneOptions()
    if "individual" in o.examples:
        raise TuningError(
            "an aggregate table has no respondents, so no individual examples; use "
            "--examples subgroup (or give the microdata's dataset)"
        )
    cells = {k: c for k, c in table.cells.items() if not k[1] or c.n >= o.min_cell}
    if not any(s for _, s in cells):
        raise TuningError(
            f"every subgroup cell of the crosstab is below the minimum cell size {o.min_cell} "
            "(or the table has only overall rows): lower --min-cell or give subgroup rows"
        )
    kept = Crosstab(cells)
    trained, held = split_questions(instrument, kept.questions(), o.holdout_questions, o.questions)
    val = validation_questions(trained, o.validation_share, o.seed)
    fit = [q for q in trained if q not in set(val)]
    return TrainingData(
        subgroup_examples(kept, instrument, fit, o.seed),
        subgroup_examples(kept, instrument, val, o.seed),
        fit, val, held,
    )  # fmt: skip


def _ids(instrument: Instrument) -> set[str]:
    return {q.id for q in instrument.scored_questions}


def tunable(instrument: Instrument) -> set[str]:
    """The questions answered by one next-token read over their options, where the loss (the
    KL at the answer position) applies: not numbers' digit sequences, per-option reads, ranks
    or sampled open answers."""
    from chorus.surveys.kinds import choose

    return {
        q.id for q in instrument.scored_questions
        if q.spec.operation is choose and q.spec.bind is None
    }  # fmt: skip
