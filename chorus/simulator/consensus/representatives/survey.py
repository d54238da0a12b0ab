"""A persona's own survey answers as its representative's O items (the question, the most likely
answer, how sure it was) and M items (how it said its own and the other group would answer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from chorus.simulator.consensus.representatives.panel import PanelError
from chorus.simulator.consensus.representatives.profile import (
    OpinionItem,
    ParticipantProfile,
    PerceptionItem,
)

if TYPE_CHECKING:  # surveys' Results loads pandas; a caller that has one has loaded it
    from chorus.surveys import Question, Results

GROUP_PERSPECTIVES = ("ingroup", "outgroup")


def self_questions(results: Results) -> list[str]:
    """The questions the survey asked from the `self` perspective, in instrument order."""
    asked = set(results.answers.loc[results.answers["perspective"] == "self", "question_id"])
    return [q.id for q in results.instrument.questions if q.id in asked]


def check_survey_items(
    results: Results,
    opinion_questions: Sequence[str] | None,
    perceptions: bool,
    fields: tuple[str, str] = ("consensus.opinion_questions", "consensus.sections"),
) -> None:
    """Fail on an `opinion_questions` id the survey did not ask (self) and on perceptions asked
    for (M named explicitly) from a survey without in-group/out-group answers; `fields` names
    the two settings in messages (a study's fields, or the command line's flags)."""
    asked = self_questions(results)
    for i, qid in enumerate(opinion_questions or ()):
        if qid not in asked:
            raise PanelError(
                f"{fields[0]}[{i}]: the survey did not ask {qid!r} (self); its "
                f"questions: {', '.join(asked)}"
            )
    if perceptions and not results.answers["perspective"].isin(GROUP_PERSPECTIVES).any():
        raise PanelError(
            f"{fields[1]}: M (perceptions) needs a survey asked from the ingroup/outgroup "
            "perspectives; add them to the survey's perspectives or leave M out of the sections"
        )


def with_survey_answers(
    profiles: Sequence[ParticipantProfile],
    results: Results,
    opinion_questions: Sequence[str] | None = None,
) -> list[ParticipantProfile]:
    """Each profile with its persona's answers (`participant_id` = the survey's persona id)
    appended as O items (the `opinion_questions`, default every self question) and M items
    (every in-group/out-group answer). A participant the survey did not ask is an error."""
    inst = results.instrument
    wanted = list(opinion_questions) if opinion_questions else self_questions(results)
    rows = results.answers
    by_person = {str(pid): table for pid, table in rows.groupby(rows["persona_id"].astype(str))}
    order = {q.id: i for i, q in enumerate(inst.questions)}
    out = []
    for profile in profiles:
        table = by_person.get(profile.participant_id)
        if table is None:
            raise PanelError(
                f"participant {profile.participant_id!r} has no answers in the survey; run the "
                "survey on the same personas as the panel"
            )
        opinions, perceptions = [], []
        for qid, persp, group, probs in sorted(
            table[["question_id", "perspective", "group", "probs"]].itertuples(index=False),
            key=lambda r: (order.get(r[0], len(order)), r[1]),
        ):
            q = inst.question(qid)
            answer, sure = most_likely(q, probs)
            if persp == "self" and qid in wanted:
                opinions.append(OpinionItem(question=q.text, answer=answer, confidence=sure))
            elif persp in GROUP_PERSPECTIVES:
                perceptions.append(
                    PerceptionItem(
                        question=q.text, group=str(group), own_group=persp == "ingroup",
                        answer=answer, confidence=sure,
                    )
                )  # fmt: skip
        out.append(
            profile.model_copy(
                update={
                    "opinions": (*profile.opinions, *opinions),
                    "perceptions": (*profile.perceptions, *perceptions),
                }
            )
        )
    return out


def most_likely(question: Question, probs: Sequence[float]) -> tuple[str, float]:
    """The persona's likeliest answer as text and its probability: the likeliest option; for
    check all that apply the likeliest selection (its probability with the options taken as
    independent); for a ranking the likeliest first item (its probability of ranking first)."""
    from chorus.surveys.multi import likeliest  # surveys loads pandas: only when needed

    options = question.substantive_options
    k = len(options)
    raw = np.asarray(probs, dtype=float)
    if question.spec.independent:
        p = raw[:k]
        chosen = likeliest(question, p)
        sure = np.prod(np.where(np.isin(np.arange(k), chosen), p, 1 - p))
        text = "; ".join(options[i].text for i in chosen) or "none of them"
        return text, round(float(sure), 3)
    if question.spec.ranked:  # item-major K x K: P(item i at rank r) at i * K + r
        first = raw[: k * k : k]
        best = int(np.argmax(first))
        return f"{options[best].text} first", round(float(first[best]), 3)
    p = raw[:k]
    p = p / p.sum() if p.sum() > 0 else np.full(k, 1.0 / k)
    best = int(np.argmax(p))
    return options[best].text, round(float(p[best]), 3)
