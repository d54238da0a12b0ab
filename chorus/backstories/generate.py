"""Batched backstory generation: every persona slot's next answer in one engine call.

Both styles are interviews: anthology asks one open question, interview asks up to ten, each
answer conditioned on all earlier ones. Every answer goes through the critic; a rejected answer
is resampled with a fresh seed up to the budget, after which the persona is dropped (fail closed).
Seeds derive from (pool seed, slot, question, attempt), so a slot's result never depends on which
other slots share its batch and a rerun reproduces it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tqdm.auto import tqdm

from chorus.backstories.critic import Critic, ReviewItem
from chorus.backstories.prompting import transcript_prompt
from chorus.backstories.schema import Backstory, BackstoryConfig, Rejection, Turn, TurnVerdict
from chorus.backstories.text import trim_to_sentence
from chorus.core import derive_seed
from chorus.engines import Engine, GenerateRequest

STOP = ("Question", "Interview")


@dataclass
class _Draft:
    slot: int
    turns: list[Turn] = field(default_factory=list)
    verdicts: list[TurnVerdict] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    logprob: float = 0.0
    num_tokens: int = 0
    dropped: list[str] | None = None


def generate_backstories(
    engine: Engine,
    slots: Sequence[int],
    config: BackstoryConfig,
    seed: int = 0,
    progress: bool = False,
) -> list[Backstory]:
    """One Backstory per slot (accepted, or dropped with the kinds that exhausted the budget)."""
    chat = engine.chat
    critic = Critic(engine, config.min_words, config.critic_threshold)
    questions = config.questions()
    drafts = [_Draft(slot) for slot in slots]
    bar = tqdm(total=len(questions), desc=f"{config.style} questions", disable=not progress)
    for qi, question in enumerate(questions):
        pending = [(d, 0) for d in drafts if d.dropped is None]
        while pending:
            requests = [
                GenerateRequest(
                    prompt=transcript_prompt(d.turns, question, chat),
                    max_tokens=config.max_tokens,
                    temperature=config.temperature,
                    top_p=config.top_p,
                    stop=STOP,
                    seed=derive_seed(seed, d.slot, qi, attempt),
                )
                for d, attempt in pending
            ]
            gens = engine.generate(requests)
            answers = [
                trim_to_sentence(g.texts[0])
                if g.finish_reasons[0] == "length"
                else g.texts[0].strip()
                for g in gens
            ]
            reviews = critic.review(
                [
                    ReviewItem(earlier=d.turns, question=question, answer=a)
                    for (d, _), a in zip(pending, answers)
                ]
            )
            retry = []
            for (d, attempt), gen, answer, review in zip(pending, gens, answers, reviews):
                if not review.kinds:
                    d.turns.append(Turn(question=question, answer=answer))
                    checks = review.consistency.checks if review.consistency else []
                    d.verdicts.append(
                        TurnVerdict(question_index=qi, attempts=attempt + 1, checks=checks)
                    )
                    d.logprob += gen.logprobs[0]
                    d.num_tokens += gen.num_tokens[0]
                    continue
                d.rejections.append(
                    Rejection(
                        question_index=qi,
                        attempt=attempt,
                        kinds=review.kinds,
                        reasons=review.reasons,
                    )
                )
                if attempt < config.resample_budget:
                    retry.append((d, attempt + 1))
                else:
                    d.dropped = review.kinds
                    d.verdicts.append(TurnVerdict(question_index=qi, attempts=attempt + 1))
            pending = retry
        bar.update(1)
    bar.close()
    return [
        Backstory(
            slot=d.slot,
            style=config.style,
            turns=d.turns,
            logprob=d.logprob,
            num_tokens=d.num_tokens,
            verdicts=d.verdicts,
            rejections=d.rejections,
            dropped=d.dropped,
        )
        for d in drafts
    ]
