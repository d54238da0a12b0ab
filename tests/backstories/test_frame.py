"""The deterministic frame checks on the labelled critic set (backstories/data/critic)."""

from __future__ import annotations

import pytest

from chorus.backstories import FRAME_KINDS, check_frame


def _detected(case):
    return check_frame(case.answer, case.question, [t.question for t in case.turns], min_words=15)


def test_set_is_large_and_balanced(critic_cases):
    labels = [c.label for c in critic_cases]
    assert len(critic_cases) >= 40
    assert labels.count("contradiction") == labels.count("consistent") >= 20
    expected = [k for c in critic_cases for k in c.frame]
    assert all(expected.count(kind) >= 2 for kind in FRAME_KINDS), expected


def test_every_frame_violation_is_caught(critic_cases):
    missed = {}
    for case in (c for c in critic_cases if c.label == "frame"):
        found = {i.kind for i in _detected(case)}
        if not set(case.frame) <= found:
            missed[case.id] = (case.frame, sorted(found))
    assert not missed


def test_clean_fragments_raise_no_frame_issue(critic_cases):
    """Contradiction and consistent fragments (and their earlier turns) are inside the frame, so
    the frame checks and the consistency critic are measured apart."""
    flagged = {}
    for case in (c for c in critic_cases if c.label != "frame"):
        issues = _detected(case) + [
            i for t in case.turns for i in check_frame(t.answer, t.question)
        ]
        if issues:
            flagged[case.id] = issues
    assert not flagged


@pytest.mark.parametrize(
    ("answer", "kind", "detail"),
    [
        (
            "I grew up in Ohio with my sister and my parents.\nInterviewer: Go on.",
            "other_speaker",
            "Interviewer:",
        ),
        (
            "I love my dog and my garden and my kids, and I cook every night. How about you?",
            "role_reversal",
            "How about you?",
        ),
        (
            "I was born in Maine. [Insert city here] is where I live with my two kids and wife.",
            "code_markup_metadata",
            "[Insert city here]",
        ),
        ("Short answer from me.", "too_short", "4 words (minimum 15)"),
    ],
)
def test_issue_quotes_the_offending_span(answer, kind, detail):
    issues = {i.kind: i.detail for i in check_frame(answer, "Tell me about yourself.")}
    assert issues.get(kind) == detail


def test_rhetorical_you_idioms_and_quotes_are_not_role_reversal():
    answer = (
        'My father always asked me "what do you want to be?" and I never knew. '
        "Can you believe I became a pilot anyway? I still fly every week from my home in Denver."
    )
    assert "role_reversal" not in {i.kind for i in check_frame(answer, "Tell me about yourself.")}
