"""The study file: one YAML that names everything a run needs (docs/formats.md, "Study")."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chorus.simulator.consensus import (
    ConsensusConfig,
    MediatorSettings,
    SocialWelfare,
    bank_questions,
)
from chorus.surveys import LocatedError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PLACEMENT = ("workers", "ray_address")


class EngineSpec(_Section):
    engine: Literal["transformers", "openai", "vllm"] = "transformers"
    model: str | None = None  # None: the embedded SmolLM2-135M-Instruct
    base_url: str | None = None
    api: Literal["auto", "chat", "completions"] = "auto"  # openai engine endpoint
    api_key_env: str = "OPENAI_API_KEY"  # the variable holding the key (never the key itself)
    tokenizer: str | None = None
    chat_template: Literal["auto", "on", "off"] = "auto"
    concurrency: int = Field(default=16, ge=1)  # openai engine: requests in flight
    timeout: float = Field(default=120.0, gt=0)  # openai engine: seconds per request
    dtype: Literal["auto", "float32", "bfloat16"] = "auto"  # transformers/vllm precision
    # vllm: GPUs per engine, and any further vllm.LLM argument (gpu_memory_utilization, ...)
    tensor_parallel_size: int | None = Field(default=None, ge=1)
    vllm_args: dict[str, Any] | None = None
    # engine replicas on Ray (engines.replicas): how a run is spread, never what it computes
    workers: int = Field(default=1, ge=1)
    ray_address: str | None = None


class PoolSpec(_Section):
    """Generate `n` personas with `style`, or load the profiled/unprofiled pool at `path`."""

    path: str | None = None
    n: int = Field(default=40, ge=1)
    style: Literal["anthology", "interview"] = "anthology"
    max_tokens: int | None = Field(default=None, ge=8)
    min_words: int | None = Field(default=None, ge=1)
    n_questions: int | None = Field(default=None, ge=1, le=10)
    resample_budget: int | None = Field(default=None, ge=0)
    batch_size: int = Field(default=40, ge=1)
    # slots per unit of work spread over engine.workers (None: the whole batch, one unit)
    unit_slots: int | None = Field(default=None, ge=1)


class TargetSpec(_Section):
    dataset: str = "anes2012"
    n: int = Field(default=40, ge=2)
    weighted: bool = True  # draw respondents with probability proportional to the survey weight


class MatchingSpec(_Section):
    method: Literal["hungarian", "greedy", "greedy-replace", "random", "networkx"] = "hungarian"


class SurveySpec(_Section):
    instrument: str = "anes2012"  # a shipped instrument name or a YAML path
    questions: list[str] | None = None  # a subset of the instrument's question ids
    conditioning: list[Literal["backstory", "qa", "bio", "portray", "none"]] = [
        "backstory",
        "qa",
        "bio",
        "portray",
    ]
    # None = the instrument's declared perspectives. `perspectives` is what the matched
    # (backstory) panel is asked; the demographic reference styles ask `reference_perspectives`
    # (None = the same); [self] keeps them to the distribution metrics they exist to calibrate.
    perspectives: list[Literal["self", "ingroup", "outgroup", "meta"]] | None = None
    reference_perspectives: list[Literal["self", "ingroup", "outgroup", "meta"]] | None = None
    debias: Literal["reverse", "permute", "none"] = "reverse"
    n_boot: int = Field(default=200, ge=0)
    # personas per engine call (one unit of work for the Ray workers); raise it for GPU engines
    batch_personas: int = Field(default=1, ge=1)

    @field_validator("conditioning")
    @classmethod
    def _has_backstory(cls, v: list[str]) -> list[str]:
        if "backstory" not in v:
            raise ValueError("conditioning must include `backstory` (the matched personas)")
        if len(set(v)) != len(v):
            raise ValueError("conditioning lists a style twice")
        return v


_CONSENSUS = ConsensusConfig()  # one set of defaults for `chorus consensus run` and studies


class ConsensusSpec(_Section):
    questions: int = Field(default=2, ge=1)  # drawn from the debate question bank
    question_ids: list[str] | None = None  # or named explicitly
    split: Literal["train", "iid_test", "ood_test"] = "iid_test"
    panel: int = Field(default=4, ge=2)
    rounds: int = Field(default=_CONSENSUS.rounds, ge=1)
    candidates: int = Field(default=_CONSENSUS.candidates, ge=1)
    swf: str = _CONSENSUS.swf
    exclusions: int = Field(default=_CONSENSUS.exclusions, ge=0)
    opinion_tokens: int = Field(default=_CONSENSUS.opinion_tokens, ge=8)
    critique_tokens: int = Field(default=_CONSENSUS.critique_tokens, ge=8)
    statement_tokens: int = Field(default=_CONSENSUS.mediator.max_tokens, ge=8)
    # `representative`, or `trained:DIR` (`chorus consensus train-reward`): then the panel is
    # `panel` participants of the model's conversation and the question is its own
    reward: str = Field(default="representative", pattern=r"^(representative|trained:.+)$")

    @field_validator("swf")
    @classmethod
    def _known_swf(cls, v: str) -> str:
        SocialWelfare.parse(v)
        return v

    @model_validator(mode="after")
    def _questions_exist(self) -> ConsensusSpec:
        try:
            bank_questions(self.questions, self.split, 0, self.question_ids)
        except ValueError as exc:
            if self.question_ids:
                raise LocatedError(("question_ids",), str(exc)) from None
            raise LocatedError(
                ("questions",),
                f"the {self.split} split of the debate question bank has fewer than "
                f"{self.questions} questions; ask for fewer or use another split",
            ) from None
        return self

    def config(self, seed: int) -> ConsensusConfig:
        return ConsensusConfig(
            candidates=self.candidates, rounds=self.rounds, swf=self.swf,
            exclusions=self.exclusions, seed=seed, opinion_tokens=self.opinion_tokens,
            critique_tokens=self.critique_tokens,
            mediator=MediatorSettings(max_tokens=self.statement_tokens),
        )  # fmt: skip


class Study(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    seed: int = 0
    engine: EngineSpec = EngineSpec()
    pool: PoolSpec = PoolSpec()
    target: TargetSpec = TargetSpec()
    matching: MatchingSpec = MatchingSpec()
    survey: SurveySpec = SurveySpec()
    consensus: ConsensusSpec | None = ConsensusSpec()

    @model_validator(mode="after")
    def _sections_fit_together(self) -> Study:
        """Checks across sections, so that a typo fails here and not after hours of model work
        (each error points at the field to fix)."""
        from chorus.surveys import SurveyError, load_dataset, load_instrument, shipped_datasets

        try:
            dataset = load_dataset(self.target.dataset)
        except SurveyError as exc:
            raise LocatedError(
                ("target", "dataset"), f"{exc} (shipped: {', '.join(shipped_datasets())})"
            ) from None
        size = len(dataset.respondents())
        if self.target.n > size:
            raise LocatedError(
                ("target", "n"),
                f"dataset {dataset.name!r} has {size} respondents; target.n must be at most that",
            )
        one_to_one = self.matching.method in ("hungarian", "greedy", "networkx")
        if self.pool.path is None and one_to_one and self.pool.n < self.target.n:
            raise LocatedError(
                ("pool", "n"),
                f"{self.pool.n} personas cannot be matched one-to-one to target.n="
                f"{self.target.n} respondents; raise pool.n or use matching.method: greedy-replace",
            )
        try:
            inst = load_instrument(self.survey.instrument)
        except SurveyError as exc:
            raise LocatedError(("survey", "instrument"), str(exc)) from None
        known = [q.id for q in inst.questions]
        for i, qid in enumerate(self.survey.questions or []):
            if qid not in known:
                raise LocatedError(
                    ("survey", "questions", i),
                    f"instrument {inst.name!r} has no question {qid!r}; its questions: "
                    + ", ".join(known),
                )
        if self.consensus is not None and self.consensus.panel > self.target.n:
            raise LocatedError(
                ("consensus", "panel"),
                f"a panel of {self.consensus.panel} is drawn from the target.n="
                f"{self.target.n} matched personas; make it at most target.n",
            )
        return self

    def digest(self, *sections: str) -> str:
        """Hash of the named sections (all when none): a stage reruns when its inputs change."""
        # where it runs is not what it computes: results are identical on any number of workers
        data = self.model_dump(mode="json", exclude={"engine": set(PLACEMENT)})
        picked = {k: data[k] for k in (sections or tuple(data))}
        return hashlib.sha256(json.dumps(picked, sort_keys=True).encode()).hexdigest()[:16]


def load_study(path: Path) -> Study:
    """Validate a study file; errors name the file and line (surveys' YAML loader)."""
    from chorus.core import load_model as load_yaml_model

    study, _ = load_yaml_model(path, Study)
    return study
