"""Skip logic applied to answers: how likely each persona was to be asked a conditional question,
and which real respondents were.

A persona answers every question (the model can always be asked), and its answer to a question
with `ask_if` is weighted by the probability that it meets the condition, computed from its own
distributions over the earlier answers (surveys.conditions): the `asked` column of the answers.
Scored, a conditional question's simulated shares are then those of the personas who would have
been asked it, comparable with the human shares among the respondents who met the condition in
the data (`mask_human`: the others' answers are set to no answer). Conditions chain: a question
asked only of some weighs in with its own probability of having been asked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chorus.surveys.schema import Instrument


def asked_probabilities(table: pd.DataFrame, instrument: Instrument) -> np.ndarray:
    """For each answer row, the probability that its persona was asked the question (1 for a
    question without `ask_if`), from the persona's rows under the same perspective and group."""
    out = np.ones(len(table))
    conditional = [q for q in instrument.questions if q.ask_if is not None]
    if not conditional or table.empty:
        return out
    known = {q.id for q in instrument.questions}
    at: dict[tuple, dict[str, int]] = {}
    keys = zip(table["persona_id"], table["perspective"], table["group"], table["question_id"])
    for r, (pid, perspective, group, qid) in enumerate(keys):
        if qid in known:
            at.setdefault((pid, perspective, None if pd.isna(group) else group), {})[qid] = r
    for q in conditional:  # instrument order: a condition's questions are weighed first
        truth = instrument.truth(q.id)
        assert truth is not None
        for rows in at.values():
            if q.id not in rows:
                continue
            dists, asked = [], []
            for ref in truth.questions:
                k = len(instrument.question(ref).substantive_options)
                at_ref = rows.get(ref)
                if at_ref is None:  # not asked under this perspective: no answer
                    dists.append(np.full((1, k), np.nan))
                    asked.append(np.ones(1))
                    continue
                p = np.asarray(table["probs"].iat[at_ref], dtype=float)[:k]
                dists.append(p[None, :] if p.sum() > 0 else np.full((1, k), np.nan))
                asked.append(np.array([out[at_ref]]))
            out[rows[q.id]] = float(truth.probability(dists, asked)[0])
    return out


def mask_human(rows: dict[str, np.ndarray], instrument: Instrument) -> dict[str, np.ndarray]:
    """Respondents' rows (question id -> n x K; NaN = no answer) with each conditional
    question's answers kept only for those who met its condition in the data."""
    out = dict(rows)
    for q in instrument.questions:
        truth = instrument.truth(q.id)
        if truth is None or q.id not in out:
            continue
        n = len(out[q.id])
        refs = [
            out.get(ref, np.full((n, len(instrument.question(ref).substantive_options)), np.nan))
            for ref in truth.questions
        ]
        met = truth.probability(refs, [np.ones(n)] * len(refs)) > 0.5
        out[q.id] = np.where(met[:, None], out[q.id], np.nan)
    return out
