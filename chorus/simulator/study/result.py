"""What a finished study hands the report and writes to metrics.json and manifest.json: one
typed object, so the report reads attributes rather than string keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from chorus.matching import MatchDiagnostics
from chorus.simulator.consensus import ConsensusMeasures, Episode
from chorus.simulator.study.schema import Study
from chorus.surveys import Score
from chorus.surveys.estimates import Estimates
from chorus.surveys.score_schema import Floor


class Verdict(BaseModel):
    """Which conditioning styles beat uniform chance, in plain words for the report's top."""

    any_beats_uniform: bool
    beating: list[str]
    text: str


class Correlations(BaseModel):
    """Weighted inter-question correlations of the expected answers, human and simulated
    (backstory), and the Frobenius distance between them (the report's heatmaps)."""

    questions: list[str]
    human: list[list[float | None]]
    sim: list[list[float | None]]
    frobenius: float


class GroupMean(BaseModel):
    """The mean answer of one group on one question, human and simulated (self answers grouped
    by the answerer's group), and the simulated means from the other perspectives asked."""

    question: str
    text: str
    group: str
    human: float | None
    sim: float | None
    # "sim_<perspective>_about_<group>" -> mean, as metrics.json spells them
    perceived: dict[str, float | None] = {}

    def record(self) -> dict[str, Any]:
        """The metrics.json form: the perspectives' means flat beside the others."""
        return self.model_dump(mode="json", exclude={"perceived"}) | self.perceived


class InSample(BaseModel):
    """The questions a tuned model was trained on (or early-stopped on) that the survey asked:
    scored apart, never in a headline figure, because a model that learnt a question's answers
    says nothing there about questions it never saw."""

    questions: list[str]
    held_out: list[str]  # the questions every other figure is computed on
    rows: dict[str, Score]  # each style and uniform, on the in-sample questions only
    note: str = (
        "in-sample: the tuned model was trained on these questions; not evidence of how it "
        "answers questions it never saw, and left out of every other figure"
    )


class StudyScores(BaseModel):
    """Every conditioning style scored against the human data (surveys' Score), the uniform
    chance row, the human floor, the verdict and the figures the report draws."""

    styles: dict[str, Score]  # in the study's conditioning order, backstory included
    uniform: Score
    human_floor: Floor | None
    verdict: Verdict
    correlations: Correlations
    groups: list[GroupMean]
    in_sample: InSample | None = None  # with a `tune:` section: its trained-on questions

    @property
    def rows(self) -> dict[str, Score]:
        """The styles then the uniform row: the rows of the report's table."""
        return {**self.styles, "uniform": self.uniform}


class RunManifest(BaseModel):
    """manifest.json: what produced the run (the pool's own manifest has its generation
    settings)."""

    model_config = ConfigDict(protected_namespaces=())
    study: str
    study_digest: str
    seed: int
    engine: dict[str, Any]  # Engine.describe(): engine, model, fingerprint, ...
    workers: int
    prompts: dict[str, str]
    versions: dict[str, str]
    seconds: float
    finished: str
    pool: dict[str, Any]  # the pool manifest's counts, rejections and profile
    # answers resting on labels outside a server's top-K (engines.top_logprobs), per style
    incomplete_answers: dict[str, int]
    stage_seconds: Mapping[str, float | None]
    # with a `tune:` section: the tuned folder, its engine, and the manifest's question split
    tune: dict[str, Any] | None = None


class StudyResult(BaseModel):
    """A finished study: its file, how it ran, the scores, the match and the consensus pilot."""

    study: Study
    manifest: RunManifest
    scores: StudyScores
    matching: MatchDiagnostics
    episodes: list[Episode]
    consensus: ConsensusMeasures | None
    estimates: Estimates | None = None  # the study's `estimate:` section, when it has one

    def metrics(self) -> dict[str, Any]:
        """metrics.json."""
        s = self.scores
        return {
            "rows": {name: score.model_dump(mode="json") for name, score in s.rows.items()},
            "human_floor": s.human_floor.model_dump(mode="json") if s.human_floor else None,
            "verdict": s.verdict.model_dump(mode="json"),
            "correlations": s.correlations.model_dump(mode="json"),
            "groups": [g.record() for g in s.groups],
            "matching": self.matching.model_dump(mode="json"),
            "consensus": self.consensus.model_dump(mode="json") if self.consensus else None,
            # the whole table is estimate/estimates.json; here what the report states
            "estimate": self.estimates.model_dump(mode="json", exclude={"rows", "engine"})
            if self.estimates
            else None,
        } | ({"in_sample": s.in_sample.model_dump(mode="json")} if s.in_sample else {})
