"""choice: one forward pass, distributions that agree with loglik scoring, prefix reuse,
batching."""

from __future__ import annotations

import numpy as np
import pytest

from chorus.engines import ChoiceRequest, LoglikRequest, Prompt

STORY = (
    "I was born in 1961 in Dayton, Ohio. My father repaired trucks and my mother taught third "
    "grade. I joined the Navy at eighteen, married my high-school sweetheart, and we raised "
    "three kids in a small house near the river. I worked thirty years at a paper mill until it "
    "closed, then drove a school bus. I go to a Methodist church most Sundays, I hunt deer every "
    "November, and I worry about what my grandchildren will inherit. "
) * 2
QUESTIONS = [
    ("Do you favor or oppose the death penalty for murder?", ("Favor", "Oppose")),
    (
        "Should federal spending on schools be increased, decreased or kept the same?",
        ("Increased", "Decreased", "Kept the same"),
    ),
    (
        "How often can you trust other people?",
        ("Always", "Most of the time", "Half the time", "Some of the time", "Never"),
    ),
]


def _request(question: str, options: tuple[str, ...], story: str = STORY) -> ChoiceRequest:
    letters = "ABCDEFG"[: len(options)]
    body = question + "\n" + "\n".join(f"{L}. {o}" for L, o in zip(letters, options))
    prompt = Prompt.chat(
        ("system", f"You are this person: {story}"), ("user", body), answer_prefix="Answer: "
    )
    return ChoiceRequest(prompt=prompt, labels=tuple(letters))


@pytest.fixture(scope="module")
def requests_():
    return [_request(q, o) for q, o in QUESTIONS]


def test_distributions_sum_to_one_and_match_loglik_scoring(transformers_engine, requests_):
    dists = transformers_engine.choice(requests_)
    for req, dist in zip(requests_, dists):
        assert dist.method == "next_token"
        assert abs(sum(dist.probs) - 1.0) < 1e-9
        # loglik of each single-token spelling of each label ("A" and " A"), summed per label
        lls = transformers_engine.loglik(
            [
                LoglikRequest(prompt=req.prompt, continuation=v)
                for lab in req.labels
                for v in (lab, " " + lab)
            ]
        )
        per_label = np.exp([ll.logprob for ll in lls]).reshape(len(req.labels), 2).sum(axis=1)
        assert dist.raw_mass == pytest.approx(per_label.sum(), abs=1e-4)
        np.testing.assert_allclose(dist.probs, per_label / per_label.sum(), atol=1e-4)
        assert 0.0 < dist.raw_mass <= 1.0


def test_prefix_reuse_matches_no_reuse(transformers_engine, requests_):
    shared = transformers_engine.choice(requests_)
    saved = transformers_engine.min_shared_prefix
    transformers_engine.min_shared_prefix = 10**9  # disables prefix sharing
    try:
        plain = transformers_engine.choice(requests_)
    finally:
        transformers_engine.min_shared_prefix = saved
    for a, b in zip(shared, plain):
        np.testing.assert_allclose(a.probs, b.probs, atol=1e-4)
        assert a.raw_mass == pytest.approx(b.raw_mass, abs=1e-4)


def _reordered(question: str, options: tuple[str, ...]) -> list[ChoiceRequest]:
    """The same question in its original and reversed option order: they share a stem."""
    return [_request(question, options), _request(question, tuple(reversed(options)))]


def test_shared_stems_match_no_sharing_and_feed_fewer_tokens(transformers_engine):
    requests = [r for q, opts in QUESTIONS for r in _reordered(q, opts)]
    fed: list[int] = []
    forward = transformers_engine.model.forward

    def counting(*args, **kwargs):
        fed.append(int(kwargs["input_ids"].numel()))
        return forward(*args, **kwargs)

    saved = transformers_engine.min_shared_stem
    transformers_engine.model.forward = counting
    try:
        shared = transformers_engine.choice(requests)
        with_stems = sum(fed)
        fed.clear()
        transformers_engine.min_shared_stem = 10**9  # disables stem sharing
        plain = transformers_engine.choice(requests)
    finally:
        transformers_engine.min_shared_stem = saved
        del transformers_engine.model.forward
    assert with_stems <= sum(fed) - 30  # three stems of 11-17 tokens computed once, not twice
    for a, b in zip(shared, plain):
        np.testing.assert_allclose(a.probs, b.probs, atol=1e-4)
        assert a.raw_mass == pytest.approx(b.raw_mass, abs=1e-4)


def test_batch_matches_single_requests(transformers_engine, requests_):
    other = _request("Do you own a gun?", ("Yes", "No"), story="I am a nurse from Seattle. " * 5)
    batch = transformers_engine.choice(requests_ + [other])
    for req, dist in zip(requests_ + [other], batch):
        (alone,) = transformers_engine.choice([req])
        np.testing.assert_allclose(dist.probs, alone.probs, atol=1e-4)


def test_multi_token_labels_fall_back_to_loglik(transformers_engine):
    prompt = Prompt.chat(("user", "Do you agree that taxes are too high?"), answer_prefix="I")
    labels = ("strongly agree", "somewhat disagree", "have no opinion")
    (dist,) = transformers_engine.choice([ChoiceRequest(prompt=prompt, labels=labels)])
    assert dist.method == "loglik"
    lls = transformers_engine.loglik(
        [LoglikRequest(prompt=prompt, continuation=lab) for lab in labels]
    )
    p = np.exp([ll.logprob for ll in lls])
    np.testing.assert_allclose(dist.probs, p / p.sum(), atol=1e-6)
    assert dist.raw_mass == pytest.approx(p.sum(), rel=1e-6)


def test_non_finite_label_probabilities_are_flagged_incomplete():
    """NaN or infinite label log-probabilities give a uniform distribution marked `non_finite`,
    which is incomplete (counted in answers.parquet's incomplete_orders); finite ones stay
    complete and exact."""
    from chorus.engines.transformers_engine import _distribution

    for bad in ([np.nan, -1.0, -2.0], [np.inf, -1.0, -2.0], [-np.inf] * 3):
        d = _distribution(["A", "B", "C"], np.array(bad), "next_token")
        assert d.method == "non_finite" and not d.complete
        assert d.probs == pytest.approx([1 / 3] * 3)
    ok = _distribution(["A", "B"], np.log(np.array([0.3, 0.1])), "next_token")
    assert ok.complete and ok.probs == pytest.approx([0.75, 0.25])
    assert ok.raw_mass == pytest.approx(0.4)


def test_leave_one_out_contexts_share_answers_down_the_tree_and_match_no_sharing(
    transformers_engine,
):
    # a person's answers with one left out per question (the `answers` conditioning), each
    # question in two option orders: shared runs several levels deep, siblings batched
    answers = [
        f"Question: {q}\nAnswer: {o[0]}" for q, o in QUESTIONS + [("Do you own a gun?", ("No",))]
    ]
    requests = []
    for left_out, (q, opts) in enumerate(QUESTIONS):
        context = (
            "Your answers:\n" + STORY + "\n".join(a for i, a in enumerate(answers) if i != left_out)
        )
        for order in (opts, tuple(reversed(opts))):
            requests.append(_request(q, order, story=context))
    fed: list[int] = []
    forward = transformers_engine.model.forward

    def counting(*args, **kwargs):
        fed.append(int(kwargs["input_ids"].numel()))
        return forward(*args, **kwargs)

    transformers_engine.model.forward = counting
    try:
        shared = transformers_engine.choice(requests)
    finally:
        del transformers_engine.model.forward
    saved = transformers_engine.min_shared_prefix
    transformers_engine.min_shared_prefix = 10**9  # disables all sharing
    try:
        plain = transformers_engine.choice(requests)
    finally:
        transformers_engine.min_shared_prefix = saved
    ids = [transformers_engine.encode_prompt(r.prompt) for r in requests]
    distinct = len({tuple(s[:i]) for s in ids for i in range(1, len(s) + 1)})
    assert sum(fed) <= distinct + 2 * len(requests)  # the distinct prefixes, plus padding
    assert sum(fed) < sum(map(len, ids)) / 3
    for a, b in zip(shared, plain):
        np.testing.assert_allclose(a.probs, b.probs, atol=1e-4)
        assert a.raw_mass == pytest.approx(b.raw_mass, abs=1e-4)
