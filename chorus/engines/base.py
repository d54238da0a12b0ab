"""The one small interface every engine implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from chorus.core.seeds import derive_seed
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceRequest,
    GenerateRequest,
    Generation,
    Loglik,
    LoglikRequest,
    Sample,
)

U = TypeVar("U")
T = TypeVar("T")


def sample_seed(seed: int, index: int) -> int:
    """The seed of one sample: independent of batch composition and of the request's n."""
    return derive_seed(seed, index)


def group_samples(
    requests: Sequence[GenerateRequest], samples: Sequence[Sample]
) -> list[Generation]:
    out, pos = [], 0
    for r in requests:
        chunk = samples[pos : pos + r.n]
        pos += r.n
        out.append(
            Generation(
                texts=[s.text for s in chunk],
                logprobs=[s.logprob for s in chunk],
                num_tokens=[s.num_tokens for s in chunk],
                finish_reasons=[s.finish_reason for s in chunk],
            )
        )
    return out


class Engine(ABC):
    """Three batched operations; everything else (caching, retries) wraps them."""

    name: str = "engine"
    # Whether prompts are rendered with the model's chat template (instruct models): callers
    # write chat turns for those and a raw "Question: ...\nAnswer:" transcript otherwise.
    chat: bool = False

    @property
    @abstractmethod
    def fingerprint(self) -> str:
        """Identifies the exact weights and tokenizer, for cache keys and run manifests."""

    @property
    def model_id(self) -> str:
        return self.fingerprint

    def generate(self, requests: Sequence[GenerateRequest]) -> list[Generation]:
        """Each request yields its n samples; sample i is seeded by sample_seed(seed, i)."""
        items = [(r, i) for r in requests for i in range(r.n)]
        return group_samples(requests, self.sample(items))

    @abstractmethod
    def sample(self, items: Sequence[tuple[GenerateRequest, int]]) -> list[Sample]:
        """Draw the given sample indices of the given requests (batched)."""

    @abstractmethod
    def choice(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]: ...

    @abstractmethod
    def loglik(self, requests: Sequence[LoglikRequest]) -> list[Loglik]: ...

    # engine replicas a `map` runs on at once (engines.replicas: Ray actors)
    replicas: int = 1

    def map(
        self,
        fn: Callable[[Engine, U], T],
        units: Sequence[U],
        done: Callable[[int], Any] | None = None,
    ) -> list[T]:
        """[fn(engine, unit) for unit in units]: the model-bound stages hand their work over in
        fixed units (a chunk of personas, a batch of slots) whose size never depends on how many
        replicas run them, so results are identical on one or many. `done(i)` is called as
        unit i finishes (a progress bar over all replicas)."""
        out = []
        for i, unit in enumerate(units):
            out.append(fn(self, unit))
            if done is not None:
                done(i)
        return out

    def describe(self) -> dict[str, str]:
        """What a run folder records about the engine."""
        return {"engine": self.name, "model": self.model_id, "fingerprint": self.fingerprint}
