"""The critic: deterministic frame checks on every answer, then the LLM consistency critic.

The consistency critic compares the new answer with the persona's fact table topic by topic.
Only topics that both the fact table and the new answer speak about are asked, each as a yes/no
question read with `engine.choice` (a probability, not parsed free text); the verdict keeps the
topic, the quotes and P(contradiction) as its reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from chorus.backstories.facts import TOPICS, fact_table, topic_sentences
from chorus.backstories.frame import check_frame
from chorus.backstories.prompting import yes_no_prompt
from chorus.backstories.schema import ConsistencyCheck, FrameIssue, Turn
from chorus.backstories.templates import render
from chorus.engines import ChoiceRequest, Engine

VERDICT_LABELS = ("Yes", "No")
MAX_NEW_QUOTES = 2


class ConsistencyVerdict(BaseModel):
    checks: list[ConsistencyCheck]
    threshold: float

    @property
    def contradiction(self) -> ConsistencyCheck | None:
        """The most likely contradiction, when its probability passes the threshold."""
        worst = max(self.checks, key=lambda c: c.p_contradiction, default=None)
        return worst if worst is not None and worst.p_contradiction > self.threshold else None


class Review(BaseModel):
    frame: list[FrameIssue]
    consistency: ConsistencyVerdict | None  # None when the frame checks already failed

    @property
    def kinds(self) -> list[str]:
        """Rejection kinds (empty = accepted)."""
        out = [i.kind for i in self.frame]
        if self.consistency is not None and self.consistency.contradiction is not None:
            out.append("contradiction")
        return out

    @property
    def reasons(self) -> list[str]:
        out = [f"{i.kind}: {i.detail}" for i in self.frame]
        c = self.consistency.contradiction if self.consistency is not None else None
        if c is not None:
            out.append(
                f"contradiction on {c.topic}: {' / '.join(c.earlier)!r} vs {c.new!r} "
                f"(p={c.p_contradiction:.2f})"
            )
        return out


class ReviewItem(BaseModel):
    earlier: list[Turn]  # accepted turns so far
    question: str
    answer: str


class ConsistencyCritic:
    """Asks the engine, per shared topic, whether the new answer contradicts earlier answers."""

    def __init__(self, engine: Engine, threshold: float = 0.5) -> None:
        self.engine = engine
        self.threshold = threshold
        self.chat = engine.chat

    def _pairs(self, earlier: Sequence[str], answer: str) -> list[tuple[str, list[str], str]]:
        facts = fact_table(earlier)
        new = topic_sentences(answer)
        pairs = []
        for topic in TOPICS:
            quotes = [f.quote for f in facts if f.topic == topic]
            if quotes and topic in new:
                pairs.append((topic, quotes, " ".join(new[topic][:MAX_NEW_QUOTES])))
        return pairs

    def judge(self, items: Sequence[tuple[Sequence[str], str]]) -> list[ConsistencyVerdict]:
        """items: (earlier answers, new answer). All questions go to the engine in one call."""
        plans = [self._pairs(earlier, answer) for earlier, answer in items]
        requests = [
            ChoiceRequest(
                prompt=yes_no_prompt(
                    render("consistency.j2", topic=TOPICS[topic], earlier=quotes, new=new),
                    self.chat,
                ),
                labels=VERDICT_LABELS,
            )
            for plan in plans
            for topic, quotes, new in plan
        ]
        dists = iter(self.engine.choice(requests) if requests else [])
        verdicts = []
        for plan in plans:
            checks = [
                ConsistencyCheck(
                    topic=topic, earlier=quotes, new=new, p_contradiction=next(dists).probs[0]
                )
                for topic, quotes, new in plan
            ]
            verdicts.append(ConsistencyVerdict(checks=checks, threshold=self.threshold))
        return verdicts


class Critic:
    """Frame checks on every answer; the LLM consistency critic on those inside the frame."""

    def __init__(self, engine: Engine, min_words: int, threshold: float = 0.5) -> None:
        self.consistency = ConsistencyCritic(engine, threshold)
        self.min_words = min_words

    def review(self, items: Sequence[ReviewItem]) -> list[Review]:
        frames = [
            check_frame(it.answer, it.question, [t.question for t in it.earlier], self.min_words)
            for it in items
        ]
        clean = [i for i, f in enumerate(frames) if not f]
        verdicts = self.consistency.judge(
            [([t.answer for t in items[i].earlier], items[i].answer) for i in clean]
        )
        by_item = dict(zip(clean, verdicts))
        return [Review(frame=f, consistency=by_item.get(i)) for i, f in enumerate(frames)]
