"""Batched backstory generation with the real embedded model (tiny answers to stay fast)."""

from __future__ import annotations

from collections.abc import Sequence

from chorus.backstories import (
    BackstoryConfig,
    anthology_question,
    generate_backstories,
    interview_questions,
)
from chorus.backstories.prompting import transcript_prompt
from chorus.core import derive_seed
from chorus.engines import Engine, GenerateRequest, sample_seed


class _Recorder(Engine):
    """Passes every call to the real engine and records the generate batches."""

    def __init__(self, inner: Engine) -> None:
        self.inner, self.batches = inner, []
        self.name = inner.name

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def chat(self) -> bool:
        return self.inner.chat

    def generate(self, requests: Sequence[GenerateRequest]):
        self.batches.append(list(requests))
        return self.inner.generate(requests)

    def sample(self, items):
        return self.inner.sample(items)

    def choice(self, requests):
        return self.inner.choice(requests)

    def loglik(self, requests):
        return self.inner.loglik(requests)


def test_interview_asks_every_persona_in_one_call_per_step(engine):
    config = BackstoryConfig.for_style(
        "interview", max_tokens=16, min_words=1, n_questions=2, resample_budget=2
    )
    rec = _Recorder(engine)
    results = generate_backstories(rec, [0, 1, 2], config, seed=7)
    questions = interview_questions()[:2]
    by_step = [[b for b in rec.batches if b[0].prompt.messages[-1].content == q] for q in questions]
    assert sum(map(len, by_step)) == len(rec.batches)  # every call is one step's batch
    # the first call of each step holds every persona still in the interview, each with its seed
    assert len(by_step[0][0]) == 3
    survivors = [r for r in results if r.turns]
    assert survivors, "no persona passed the first question; pick another seed"
    assert len(by_step[1][0]) == len(survivors)
    assert all(len({r.seed for r in batch}) == len(batch) for batch in rec.batches)
    # answer 2 is conditioned on answer 1: its prompt carries the first turn
    second = [r.prompt for r in by_step[1][0]]
    assert all(transcript_prompt(r.turns[:1], questions[1], True) in second for r in survivors)
    for r in results:
        assert r.accepted == (len(r.turns) == 2), r
        if r.accepted:
            assert [t.question for t in r.turns] == questions
            assert r.context.startswith(f"Question: {questions[0]}\nAnswer: ")
            assert r.num_tokens > 0 and r.logprob < 0
            assert [v.attempts for v in r.verdicts] == [
                1 + sum(rej.question_index == i for rej in r.rejections) for i in range(2)
            ]


def test_rejected_answers_are_resampled_then_the_persona_is_dropped(engine):
    """Fail closed: 8-token answers never reach 500 words, so every slot burns its budget."""
    config = BackstoryConfig.for_style("anthology", max_tokens=8, min_words=500, resample_budget=1)
    results = generate_backstories(engine, [0, 1], config, seed=3)
    for r in results:
        assert not r.accepted and "too_short" in r.dropped
        assert [rej.attempt for rej in r.rejections] == [0, 1]
        assert all("too_short" in rej.kinds for rej in r.rejections)
        assert r.turns == [] and r.context == ""


def test_anthology_slots_do_not_depend_on_their_batch(engine):
    config = BackstoryConfig.for_style("anthology", max_tokens=30, min_words=3, resample_budget=0)
    assert config.questions() == [anthology_question()]
    together = generate_backstories(engine, [4, 5], config, seed=1)
    alone = generate_backstories(engine, [5], config, seed=1)
    assert together[1].model_dump() == alone[0].model_dump()
    assert together[0].model_dump() != together[1].model_dump()
    assert derive_seed(1, 5, 0, 0) != derive_seed(1, 4, 0, 0)


def test_seeds_are_the_ones_earlier_pools_and_samples_were_made_with():
    """One derivation (engines.derive_seed) gives the values the former copies gave, so pools
    and cached samples stay reproducible: sha256 of "1:5:0:0" and of "7:3"."""
    assert derive_seed(1, 5, 0, 0) == 2299892275978427032  # backstory answer seed
    assert sample_seed(7, 3) == derive_seed(7, 3) == 4022505843406674961


def test_base_models_get_a_raw_question_answer_prompt():
    prompt = transcript_prompt([], anthology_question(), chat=False)
    assert prompt.text == f"Question: {anthology_question()}\nAnswer:"
    chat = transcript_prompt([], anthology_question(), chat=True)
    assert chat.messages[-1].role == "user" and chat.messages[-1].content == anthology_question()
