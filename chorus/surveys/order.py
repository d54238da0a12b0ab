"""Randomised question blocks: each persona's question order, shuffled within blocks, seeded.

An instrument's `blocks` name groups of questions whose order survey software randomises per
respondent. A persona's order keeps every question outside a block in its place and fills the
places a block's questions hold with them in a permutation drawn from
`derive_seed(seed, "block", block name, persona id)`: the same seed and persona give the same
order on any machine, and personas differ. Asked independently (the default) the order changes
nothing but the rows' `position`; in sequential mode each persona's history follows it.
"""

from __future__ import annotations

import numpy as np

from chorus.core import derive_seed
from chorus.surveys.schema import Instrument, Question


def persona_order(instrument: Instrument, persona_id: str, seed: int = 0) -> list[Question]:
    """The instrument's questions in the order this persona is asked them."""
    questions = list(instrument.scored_questions)
    index = {q.id: k for k, q in enumerate(questions)}
    for name, ids in instrument.block_ids.items():
        places = [index[qid] for qid in ids]
        rng = np.random.default_rng(derive_seed(seed, "block", name, persona_id))
        drawn = [questions[places[int(j)]] for j in rng.permutation(len(places))]
        for place, q in zip(places, drawn):
            questions[place] = q
    return questions
