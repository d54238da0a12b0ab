"""Perception shift, a simulated pre-test (not evidence about people): after an episode each
representative answers its out-group perception items again, once without a statement
(`before`), once with the winning statement and who on the panel endorsed it (`winner`), and once
with the runner-up statement instead (`runner_up`, the control). Each answer is compared with the
real out-group's own mean answer in the human data."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from chorus.core import Templates
from chorus.engines import Engine
from chorus.simulator.consensus.episode import NEUTRAL
from chorus.simulator.consensus.representatives import DigitalRepresentative
from chorus.simulator.consensus.representatives.representative import (
    TEMPLATES as REPRESENTATIVE_TEMPLATES,
)
from chorus.simulator.consensus.schema import Episode, PerceptionAnswer, PerceptionCheck

if TYPE_CHECKING:  # surveys' Results and ResponseSet load pandas
    from chorus.surveys import Instrument, Item, ResponseSet, Results

TEMPLATES = Templates(Path(__file__).parent / "templates", trim_blocks=True, untrusted=True)


class PerceptionMismatch(UserWarning):
    """A perception item whose out-group the human data does not have."""


def own_group_means(
    human: ResponseSet, inst: Instrument, dataset: str
) -> dict[tuple[str, str], float]:
    """(question id, group) -> the group's weighted mean self answer among real respondents,
    for every question with a group set. A group without answers is left out, with a warning
    that names the dataset and the question."""
    from chorus.surveys.metrics.groups import GroupStats

    out = {}
    for q in inst.scored_questions:
        rows = human.self_rows(q.id)
        if q.groups is None or rows is None:
            continue
        gs = inst.groups[q.groups]
        cats = human.traits.get(gs.trait, np.full(human.n, None, dtype=object))
        for member in gs.members:
            who = np.array([gs.member_of(c) is member for c in cats], dtype=bool)
            stats = GroupStats.from_rows(rows[who], q.values, human.weights[who])
            if stats.n == 0:
                warnings.warn(
                    f"dataset {dataset}: no {member.name} answered {q.id!r} (trait "
                    f"{gs.trait!r}): its out-group perception items have no real answer to "
                    "compare with and are left out of the perception error",
                    PerceptionMismatch,
                    stacklevel=2,
                )
                continue
            out[(q.id, member.name)] = stats.mean
    return out


def outgroup_items(results: Results, persona_id: str) -> list[Item]:
    """The out-group items the survey asked this persona, as surveys items."""
    from chorus.surveys import Item

    inst = results.instrument
    rows = results.answers
    mine = rows[
        (rows["persona_id"].astype(str) == persona_id) & (rows["perspective"] == "outgroup")
    ]
    items = []
    for qid, group in mine[["question_id", "group"]].itertuples(index=False):
        q = inst.question(qid)
        gs = inst.groups[str(q.groups)]  # an out-group row's question has a group set
        items.append(Item(q, "outgroup", group=gs.get(str(group))))
    return items


def ask_again(
    engine: Engine,
    episode: Episode,
    panel: Sequence[DigitalRepresentative],
    results: Results,
    actual: dict[tuple[str, str], float],
    *,
    debias: str = "reverse",
    seed: int = 0,
) -> PerceptionCheck | None:
    """The episode's perception pre-test (None when no representative has out-group items)."""
    from chorus.surveys import answer_in_contexts

    last = episode.rounds[-1]
    ranked = np.argsort(last.welfare)[::-1]
    utilities = np.asarray(last.utilities)  # participants x candidates
    shown = {"winner": int(last.winner)}
    if len(ranked) > 1:
        shown["runner_up"] = int(next(k for k in ranked if k != last.winner))
    groups = {rep.participant_id: _group_of(rep, results) for rep in panel}
    statements = {c: last.candidates[k].text for c, k in shown.items()}
    endorsed = {
        c: _endorsement(utilities[:, k], episode.participants, groups) for c, k in shown.items()
    }
    opinions = {o.participant_id: o.text for o in episode.opinions}
    asks = []
    for rep in panel:
        items = outgroup_items(results, rep.participant_id)
        if not items or groups[rep.participant_id] is None:
            continue
        base = REPRESENTATIVE_TEMPLATES.render("system.j2", participant_id=rep.participant_id)
        base += "\n\n" + rep.context(episode.question.text, opinions.get(rep.participant_id))
        for condition in ("before", *shown):
            text = base
            if condition != "before":
                text += "\n\n" + TEMPLATES.render(
                    "perception_statement.j2",
                    statement=statements[condition],
                    endorsed=endorsed[condition],
                )
            asks.append((f"{rep.participant_id}|{condition}", text, items))
    if not asks:
        return None
    rows = answer_in_contexts(engine, asks, debias=debias, seed=seed, conditioning="perception")
    inst = results.instrument
    answers = []
    fields = ["persona_id", "question_id", "group", "probs"]
    for key, qid, group, probs in rows[fields].itertuples(index=False):
        pid, condition = key.rsplit("|", 1)
        q = inst.question(qid)
        p = np.asarray(probs, dtype=float)[: len(q.substantive_options)]
        answers.append(
            PerceptionAnswer(
                participant_id=pid, group=str(groups[pid]), question_id=qid, about=str(group),
                condition=condition, value=float(p / p.sum() @ q.values),
                actual=actual.get((qid, str(group))),
            )
        )  # fmt: skip
    return PerceptionCheck(statements=statements, endorsed=endorsed, answers=answers)


def _group_of(rep: DigitalRepresentative, results: Results) -> str | None:
    """The representative's own group (the first group set whose trait places it)."""
    for gs in results.instrument.groups.values():
        member = gs.member_of(rep.profile.demographics.get(gs.trait))
        if member is not None:
            return member.name
    return None


def _endorsement(agreement: np.ndarray, ids: list[str], groups: dict[str, str | None]) -> str:
    """'2 of 2 Democrats and 0 of 1 Republicans on the panel agreed with it' (agreement above
    neutral), by group; participants outside the groups are counted on their own."""
    counts: dict[str, list[int]] = {}
    for pid, a in zip(ids, agreement):
        name = groups.get(pid) or "others"
        counts.setdefault(name, [0, 0])
        counts[name][0] += int(a > NEUTRAL)
        counts[name][1] += 1
    parts = [f"{yes} of {n} {name}" for name, (yes, n) in sorted(counts.items())]
    return " and ".join(parts) + " on the panel agreed with it"


def with_perception_checks(
    engine: Engine,
    episodes: Sequence[Episode],
    panel: Sequence[DigitalRepresentative],
    results: Results,
    actual: dict[tuple[str, str], float],
    *,
    debias: str = "reverse",
    seed: int = 0,
) -> list[Episode]:
    """Each episode with its perception pre-test recorded (`Episode.perception`)."""
    return [
        e.model_copy(
            update={
                "perception": ask_again(engine, e, panel, results, actual, debias=debias, seed=seed)
            }
        )
        for e in episodes
    ]
