"""Conditioning styles: the persona context placed first in every prompt (one template each)."""

from __future__ import annotations

from typing import Literal, get_args

from chorus.surveys.errors import SurveyError
from chorus.surveys.instruments import demographics_instrument
from chorus.surveys.persona import Persona
from chorus.surveys.templating import render

Conditioning = Literal["none", "qa", "bio", "portray", "backstory", "subgroup", "answers"]
# a `subgroup` persona names one trait category or a pair (a crosstab cell), nothing else
MAX_SUBGROUP_TRAITS = 2
STYLES: tuple[str, ...] = get_args(Conditioning)


def check_style(style: str) -> None:
    if style not in STYLES:
        raise SurveyError(f"unknown conditioning {style!r}: use one of {list(STYLES)}")


def render_context(style: str, persona: Persona, leave_out: str | None = None) -> str:
    """The persona's context text for `style` ("" for `none`); for `answers`, the respondent's
    own answers to every question but `leave_out` (the one being asked)."""
    check_style(style)
    if style == "backstory" and not persona.backstory.strip():
        raise SurveyError(
            f"persona {persona.persona_id!r} has no backstory: the `backstory` conditioning needs "
            "a persona pool with backstories (use qa, bio or portray for demographic personas)"
        )
    known = [t for t, v in persona.demographics.items() if v]
    if style == "subgroup" and not 1 <= len(known) <= MAX_SUBGROUP_TRAITS:
        raise SurveyError(
            f"persona {persona.persona_id!r} has {len(known)} known traits: the `subgroup` "
            f"conditioning steers with 1 to {MAX_SUBGROUP_TRAITS} trait categories (a crosstab "
            "cell); use qa, bio or portray for whole people"
        )
    questions = demographics_instrument().questions
    # every trait is present (None when unknown) so templates can test it under StrictUndefined
    d = {q.id: persona.demographics.get(q.id) or None for q in questions}
    qa = [(q.text, d[q.id]) for q in questions if d[q.id]]
    answers = [(a.question, a.answer) for a in persona.answers if a.question_id != leave_out]
    if style == "answers" and not answers:
        raise SurveyError(
            f"persona {persona.persona_id!r}: the `answers` conditioning needs the respondent's "
            f"own answers to other questions, and it has none"
            + (f" besides {leave_out!r}" if leave_out else "")
            + "; leave this respondent out or give it more answer items"
        )
    return render(
        f"conditioning/{style}.j2", d=d, qa=qa, answers=answers, backstory=persona.backstory
    )
