"""Requests and results that cross the engine boundary (pydantic, so they hash and serialise)."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["system", "user", "assistant"]
DType = Literal["auto", "float32", "bfloat16"]  # transformers engine weights and activations
Api = Literal["auto", "chat", "completions"]  # which endpoint the openai engine uses


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)
    role: Role
    content: str


class Prompt(BaseModel):
    """Raw text, chat messages, or token ids (already tokenised, e.g. by a server's client).

    Chat messages are rendered with the model's chat template when it has one (instruct models)
    and as plain "Role: content" text otherwise (base models). `answer_prefix` is appended after
    the assistant turn opens, so that the next token is the answer (e.g. "Answer: (").
    """

    model_config = ConfigDict(frozen=True)
    text: str | None = None
    messages: tuple[Message, ...] | None = None
    token_ids: tuple[int, ...] | None = None
    answer_prefix: str = ""

    @model_validator(mode="after")
    def _one_form(self) -> Prompt:
        forms = [self.text, self.messages, self.token_ids]
        if sum(f is not None for f in forms) != 1:
            raise ValueError("a Prompt needs exactly one of `text`, `messages` or `token_ids`")
        if self.token_ids is not None and self.answer_prefix:
            raise ValueError("a token-id Prompt cannot have an answer_prefix; tokenise it in")
        return self

    @classmethod
    def raw(cls, text: str) -> Prompt:
        return cls(text=text)

    @classmethod
    def chat(cls, *turns: tuple[Role, str], answer_prefix: str = "") -> Prompt:
        return cls(
            messages=tuple(Message(role=r, content=c) for r, c in turns),
            answer_prefix=answer_prefix,
        )


class GenerateRequest(BaseModel):
    model_config = ConfigDict(frozen=True)
    prompt: Prompt
    max_tokens: int = Field(default=128, ge=1)
    temperature: float = Field(default=1.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop: tuple[str, ...] = ()
    seed: int = 0
    n: int = Field(default=1, ge=1)


class Generation(BaseModel):
    """The n samples of one request, in sample-index order."""

    texts: list[str]
    logprobs: list[float]  # total log-probability of each sample's tokens
    num_tokens: list[int]
    finish_reasons: list[Literal["stop", "length"]]


class ChoiceRequest(BaseModel):
    model_config = ConfigDict(frozen=True)
    prompt: Prompt
    labels: tuple[str, ...]

    @model_validator(mode="after")
    def _labels_ok(self) -> ChoiceRequest:
        if not self.labels:
            raise ValueError("a choice needs at least one option label")
        empty = [i for i, lab in enumerate(self.labels) if not lab.strip()]
        if empty:
            raise ValueError(f"option label(s) at position(s) {empty} are empty")
        dups = sorted(lab for lab, n in Counter(self.labels).items() if n > 1)
        if dups:
            raise ValueError(f"duplicate option labels {dups}: every option needs its own label")
        return self


ChoiceMethod = Literal[
    "next_token", "loglik", "mixed", "top_k_partial", "top_k_none", "non_finite", "sampled"
]
# sampled: shares of sampled answers coded into options (surveys.free_text), not probabilities
#   read from the model
# top_k_partial: some label spellings were outside the server's top-K, the server cannot score
#   them (no echo), and they could move a probability by more than the tolerance
#   (engines.top_logprobs): the distribution is renormalised over the spellings seen.
# top_k_none: no label was in the top-K; the distribution is uniform and carries no information.
# non_finite: the model's label log-probabilities were not finite (NaN/inf logits, e.g. an
#   overflow in half precision); the distribution is uniform and carries no information.
INCOMPLETE_METHODS: frozenset[str] = frozenset({"top_k_partial", "top_k_none", "non_finite"})


class ChoiceDistribution(BaseModel):
    labels: list[str]
    probs: list[float]  # renormalised over the labels; sums to 1
    raw_mass: float  # total probability the labels had before renormalising
    method: ChoiceMethod
    unseen: list[str] = []  # labels outside the top-K that could not be scored
    # the most probability each unseen label can have had: the K-th (smallest) top probability
    unseen_max_prob: float = 0.0
    # the most any of `probs` can differ from the exact distribution (spellings outside the
    # top-K left unscored: engines.top_logprobs); 0 = exact
    error_bound: float = 0.0

    @property
    def complete(self) -> bool:
        return self.method not in INCOMPLETE_METHODS

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.labels, self.probs))


class LoglikRequest(BaseModel):
    model_config = ConfigDict(frozen=True)
    prompt: Prompt
    continuation: str = Field(min_length=1)


class Loglik(BaseModel):
    logprob: float
    num_tokens: int
    is_greedy: bool  # whether every continuation token was the argmax


class Sample(BaseModel):
    """One sample (one sample index) of a GenerateRequest."""

    text: str
    logprob: float  # the model's log-probability of the sampled tokens (before temperature/top_p)
    num_tokens: int
    finish_reason: Literal["stop", "length"]
