"""The LLM consistency critic with the real embedded model: verdicts are probabilities from
engine.choice, and a rejection names the topic and quotes both statements."""

from __future__ import annotations

from chorus.backstories import ConsistencyCritic, Critic, ReviewItem


def _case(cases, case_id):
    return next(c for c in cases if c.id == case_id)


def test_verdicts_are_choice_probabilities_per_shared_topic(engine, critic_cases):
    case = _case(critic_cases, "x01-age-retired")
    (verdict,) = ConsistencyCritic(engine, threshold=0.5).judge(
        [([t.answer for t in case.turns], case.answer)]
    )
    (check,) = verdict.checks
    assert check.topic == "age"
    assert check.earlier == ["I'm 34 years old."]
    assert check.new.startswith("At 70 I retired from the paper mill")
    assert 0.0 < check.p_contradiction < 1.0
    # nothing to compare (no earlier facts) -> no question asked, no contradiction
    (empty,) = ConsistencyCritic(engine).judge([([], case.answer)])
    assert empty.checks == [] and empty.contradiction is None


def test_review_rejects_past_the_threshold_and_records_the_reason(engine, critic_cases):
    case = _case(critic_cases, "x02-family-daughters")
    item = ReviewItem(earlier=case.turns, question=case.question, answer=case.answer)
    (strict,) = Critic(engine, min_words=15, threshold=0.01).review([item])
    assert strict.kinds == ["contradiction"]
    (reason,) = strict.reasons
    assert (
        "contradiction on family" in reason
        and "my two daughters" in reason
        and "never had children" in reason
    )
    (lenient,) = Critic(engine, min_words=15, threshold=0.99).review([item])
    assert lenient.kinds == [] and lenient.consistency.checks[0].topic == "family"


def test_frame_violations_skip_the_llm_critic(engine, critic_cases):
    case = _case(critic_cases, "f15-third-person")
    earlier = _case(critic_cases, "x01-age-retired").turns
    (review,) = Critic(engine, min_words=15, threshold=0.01).review(
        [ReviewItem(earlier=earlier, question=case.question, answer=case.answer)]
    )
    assert review.kinds == ["not_first_person"] and review.consistency is None
