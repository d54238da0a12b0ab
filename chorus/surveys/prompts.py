"""What is asked: a question under a perspective, its options in some order, as an engine Prompt."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from chorus.engines import ChoiceRequest, Prompt, Role
from chorus.surveys.kinds import ANSWER_PREFIX as ANSWER_PREFIX  # re-exported
from chorus.surveys.order import persona_order
from chorus.surveys.persona import Persona
from chorus.surveys.schema import GroupMember, Instrument, Perspective, Question
from chorus.surveys.templating import render

LETTERS = string.ascii_uppercase
Debias = Literal["none", "reverse", "permute"]
DEBIAS: tuple[Debias, ...] = get_args(Debias)


@dataclass(frozen=True)
class Item:
    """One thing to ask a persona: a question under a perspective."""

    question: Question
    perspective: Perspective
    group: GroupMember | None = None  # whose answer is asked for (None: the persona's own)
    judge: GroupMember | None = None  # meta-perception: the group imagined doing the guessing
    position: int = 0  # the question's place in this persona's order (surveys.order)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.question.id, self.perspective, self.group.name if self.group else None)


def items_for(
    persona: Persona,
    instrument: Instrument,
    perspectives: Sequence[str] | None = None,
    seed: int = 0,
) -> list[Item]:
    """The items a persona answers, in its question order (instrument order, with randomised
    blocks shuffled per persona from `seed`: surveys.order). In-group/out-group/meta items
    need the persona's own group (from the group set's trait); personas outside both groups
    skip them."""
    wanted = set(perspectives) if perspectives is not None else None
    items: list[Item] = []
    for at, q in enumerate(persona_order(instrument, persona.persona_id, seed)):
        for p in q.perspectives:
            if wanted is not None and p not in wanted:
                continue
            if p == "self":
                items.append(Item(q, "self", position=at))
                continue
            gs = instrument.groups[q.groups]  # type: ignore[index]  # validated with the instrument
            own = gs.member_of(persona.demographics.get(gs.trait))
            if own is None:
                continue
            if p == "ingroup":
                items.append(Item(q, p, group=own, position=at))
            elif p == "outgroup":
                items.append(Item(q, p, group=gs.other(own), position=at))
            else:
                items.append(Item(q, p, group=own, judge=gs.other(own), position=at))
    return items


def framing(item: Item) -> str:
    """The question text under the item's perspective, rendered from perspectives/*.j2."""
    asked = item.question.wording
    if item.perspective == "self":
        return render("perspectives/self.j2", question=asked)
    if item.perspective == "meta":
        return render("perspectives/meta.j2", question=asked, group=item.group, judge=item.judge)
    return render("perspectives/group.j2", question=asked, group=item.group)


def option_orders(
    question: Question, debias: str, n_permutations: int, seed_key: str, seed: int
) -> list[list[int]]:
    """Presentation orders (option indices by position). The not-mentioned option stays last.

    debias: "none" (original only), "reverse" (original and reversed), "permute" (original plus
    `n_permutations` random permutations, seeded by the item so runs repeat exactly).
    """
    n = len(question.options)
    subst = list(range(len(question.substantive_options)))
    tail = list(range(len(subst), n))
    orders = [subst + tail]
    if not question.spec.reorder:  # a kind without option order to debias (numbers)
        return orders
    if debias == "reverse":
        orders.append(subst[::-1] + tail)
    elif debias == "permute":
        digest = hashlib.sha256(f"{seed}:{seed_key}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        orders += [[int(i) for i in rng.permutation(subst)] + tail for _ in range(n_permutations)]
    elif debias != "none":
        raise ValueError(f"unknown debias mode {debias!r}: use none, reverse or permute")
    return orders


def question_block(item: Item, order: Sequence[int]) -> str:
    """The question with its options in `order` (lettered where the kind answers by letter),
    from its kind's template."""
    q = item.question
    shown = list(zip(labels_for(q, order), (q.options[i].text for i in order)))
    return q.spec.render(framing=framing(item), options=shown, question=q)


def labels_for(question: Question, order: Sequence[int]) -> tuple[str, ...]:
    """What the answer is written as, by position: a letter, or the option's label (numbers)."""
    if not question.spec.lettered:
        return tuple(question.options[i].label for i in order)
    if len(order) > len(LETTERS):
        raise ValueError(f"question {question.id!r} has more than {len(LETTERS)} options")
    return tuple(LETTERS[: len(order)])


def answer_turn(item: Item, order: Sequence[int], positions: Sequence[int]) -> str:
    """How the chosen answer appears in the history of a sequential interview: the option at
    the one position given, or (check all that apply) each selected one, or none."""
    q = item.question
    if not q.spec.lettered:
        return f"{q.spec.answer_prefix}{q.options[order[positions[0]]].label}"
    if q.spec.independent:
        chosen = [f"({LETTERS[p]}) {q.options[order[p]].text}" for p in positions]
        return f"Answer: {', '.join(chosen) if chosen else 'none of them'}"
    return f"{q.spec.answer_prefix}{LETTERS[positions[0]]}) {q.options[order[positions[0]]].text}"


def choice_request(
    context: str, history: Sequence[tuple[str, str]], item: Item, order: Sequence[int]
) -> ChoiceRequest:
    """Persona context first (system turn, shared across the persona's requests so the engine
    reuses its prefix), then earlier (question, answer) turns, then this question."""
    turns: list[tuple[Role, str]] = [("system", context)] if context else []
    for asked, answered in history:
        turns += [("user", asked), ("assistant", answered)]
    turns.append(("user", question_block(item, order)))
    prompt = Prompt.chat(*turns, answer_prefix=item.question.spec.answer_prefix)
    return ChoiceRequest(prompt=prompt, labels=labels_for(item.question, order))


def prompt_hash(requests: Sequence[ChoiceRequest]) -> str:
    h = hashlib.sha256()
    for r in requests:
        h.update(r.model_dump_json().encode())
    return h.hexdigest()[:16]
