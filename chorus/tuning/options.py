"""TuneOptions: every option of a tuning run, one model read by `chorus tune` (one flag per
field), `chorus.tune(...)` (one keyword per field), a study's `tune:` section and `chorus bench
tune`; recorded whole in the tuned folder's manifest. The data builders (tuning.data) read the
data fields, the trainer (tuning.train) the training ones."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chorus.surveys.crosstab import MIN_CELL_N

ExampleKind = Literal["subgroup", "individual"]
IndividualStyle = Literal["qa", "bio", "portray"]
# the data fields: what tuning.data's builders read
DATA_FIELDS = (
    "holdout_questions", "questions", "examples", "holdout_respondents", "validation_share",
    "traits", "pairs", "min_cell", "individual_conditioning", "max_individuals",
)  # fmt: skip


class TuneOptions(BaseModel):
    """The options of a tuning run. List fields also take a comma-separated string (what a
    command line gives)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # ---- what it trains on (tuning.data) ----
    holdout_questions: list[str] = Field(
        default=[], description="Question ids never trained on (never reach an example)"
    )
    questions: list[str] | None = Field(
        default=None, description="Question ids to train on (default: every mapped question)"
    )
    examples: list[ExampleKind] = Field(
        default=["subgroup"], description="Example kinds: subgroup, individual, or both"
    )
    holdout_respondents: float = Field(
        default=0.2, ge=0.0, le=0.9, description="Share of respondents never trained on"
    )
    validation_share: float = Field(
        default=0.2, ge=0.0, lt=1.0, description="Share of training questions for early stopping"
    )
    traits: list[str] | None = Field(
        default=None, description="Subgroup traits (default: every trait)"
    )
    pairs: bool = Field(default=False, description="Also subgroups of two traits")
    min_cell: int = Field(
        default=MIN_CELL_N, ge=1, description="Smallest subgroup cell trained on (respondents)"
    )
    individual_conditioning: IndividualStyle = Field(
        default="qa", description="How an individual example states the respondent: qa|bio|portray"
    )
    max_individuals: int = Field(
        default=200, ge=1, description="Respondents behind the individual examples"
    )
    # ---- how it trains (tuning.train) ----
    method: Literal["lora", "full"] = Field(
        default="lora", description="lora | full (every weight: tiny models only)"
    )
    lora_r: int = Field(default=16, ge=1, description="LoRA rank")
    lora_alpha: int | None = Field(default=None, ge=1, description="LoRA alpha (default: 2 x rank)")
    # adapters on the top N transformer layers only (0 = every layer): the backward pass then
    # stops at the lowest adapted layer, which is most of the cost on a CPU
    lora_layers: int = Field(
        default=0, ge=0, description="Adapt only the top N layers (0: every layer)"
    )
    lr: float = Field(default=2e-4, gt=0, description="AdamW learning rate")
    weight_decay: float = Field(default=0.0, ge=0, description="AdamW weight decay")
    batch_size: int = Field(default=16, ge=1, description="Examples per step (over all processes)")
    epochs: int = Field(default=2, ge=1, description="Passes over the examples")
    max_steps: int | None = Field(default=None, ge=1, description="Stop after N steps")
    patience: int = Field(
        default=2, ge=1, description="Validations without improvement before stopping"
    )
    eval_every: int = Field(
        default=0, ge=0, description="Steps between validations (0: once an epoch)"
    )
    checkpoint_every: int = Field(default=25, ge=1, description="Steps between checkpoints")
    max_minutes: float | None = Field(
        default=None, gt=0, description="Stop training after this long, and save"
    )
    seed: int = Field(default=0, description="Seed of the splits, the batch order and the init")

    @field_validator("holdout_questions", "questions", "examples", "traits", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("examples")
    @classmethod
    def _some_examples(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError("name subgroup, individual, or both, each once")
        return value

    @property
    def alpha(self) -> int:
        return self.lora_alpha or 2 * self.lora_r

    def resume_key(self) -> str:
        """What must match for a checkpoint to resume this run (the time limit may change)."""
        return self.model_copy(update={"max_minutes": None}).model_dump_json()
