"""The study file: one YAML that names everything a run needs (docs/formats.md, "Study")."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chorus.backstories import Style
from chorus.engines import EngineSpec  # the engine section: engines' own model
from chorus.matching import Method
from chorus.simulator.consensus import ConsensusOptions, QuestionFileError, Split, bank_questions
from chorus.surveys import Conditioning, Debias, Instrument, LocatedError, Perspective
from chorus.tuning import TuneOptions


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PLACEMENT = ("workers", "ray_address")


class PoolSpec(_Section):
    """Generate `n` personas with `style`, or load the profiled/unprofiled pool at `path`."""

    path: str | None = None
    n: int = Field(default=40, ge=1)
    style: Style = "anthology"
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
    method: Method = "hungarian"


class SurveySpec(_Section):
    instrument: str = "anes2012"  # a shipped instrument name or a YAML path
    questions: list[str] | None = None  # a subset of the instrument's question ids
    conditioning: list[Conditioning] = [
        "backstory",
        "qa",
        "bio",
        "portray",
    ]
    # None = the instrument's declared perspectives. `perspectives` is what the matched
    # (backstory) panel is asked; the demographic reference styles ask `reference_perspectives`
    # (None = the same); [self] keeps them to the distribution metrics they exist to calibrate.
    perspectives: list[Perspective] | None = None
    reference_perspectives: list[Perspective] | None = None
    debias: Debias = "reverse"
    n_boot: int = Field(default=200, ge=0)
    # personas per engine call (one unit of work for the Ray workers); raise it for GPU engines
    batch_personas: int = Field(default=1, ge=1)

    @field_validator("conditioning")
    @classmethod
    def _has_backstory(cls, v: list[Conditioning]) -> list[Conditioning]:
        if "backstory" not in v:
            raise ValueError("conditioning must include `backstory` (the matched personas)")
        if len(set(v)) != len(v):
            raise ValueError("conditioning lists a style twice")
        return v


class ConsensusSpec(ConsensusOptions):
    """Every option of `chorus consensus run` (ConsensusOptions, the same pipeline), and where
    the questions come from when there is no `question_file`: the debate question bank."""

    questions: int = Field(default=2, ge=1)  # drawn from the debate question bank
    question_ids: list[str] | None = None  # or named explicitly
    split: Split = "iid_test"
    # drawn from the matched stand-ins; with `reward: trained:DIR`, `panel` participants of the
    # model's conversation, and the question is its own
    panel: int = Field(default=4, ge=2)

    @model_validator(mode="after")
    def _questions_exist(self) -> ConsensusSpec:
        if self.question_file is not None:
            try:
                self.file_questions()
            except (QuestionFileError, OSError) as exc:
                raise LocatedError(("question_file",), str(exc)) from None
            return self
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


class EstimateSpec(_Section):
    """`chorus estimate`'s pipeline as a study stage (surveys/estimates/pilot.py): a pilot of
    the target dataset's respondents, a frame (default: its other respondents), rectified shares
    of the survey's questions and k* on `calibration` (docs/estimates.md)."""

    pilot_n: int | None = Field(default=None, ge=2)
    pilot_fraction: float | None = Field(default=None, gt=0, lt=1)
    frame: str | None = None  # a frame CSV (respondent_id, weight, the trait columns)
    frame_n: int | None = Field(default=None, ge=1)  # simulate a seeded subsample of the frame
    questions: list[str] | None = None  # default: the survey's scored questions not calibrating
    calibration: list[str] = []
    subgroups: list[str] = ["party"]
    conditioning: Conditioning = "qa"
    allow_overlap: bool = True  # False: a frame profile that is a pilot respondent is an error

    @model_validator(mode="after")
    def _one_pilot_size(self) -> EstimateSpec:
        if (self.pilot_n is None) == (self.pilot_fraction is None):
            raise LocatedError(("pilot_n",), "give exactly one of pilot_n and pilot_fraction")
        return self
class TuneSpec(TuneOptions):
    """`tune:`: fine-tune the engine's model on real answers to the survey's instrument before
    the survey (chorus.tuning; every option of `chorus tune`), then ask the survey with the
    tuned model. The questions it trained on are scored apart, as in-sample."""

    data: str | None = None  # dataset name, descriptor YAML or crosstab CSV (None: target's)
    out: str | None = None  # the tuned model folder (None: tune/model inside the run folder)


class Study(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    seed: int = 0
    engine: EngineSpec = EngineSpec()
    pool: PoolSpec = PoolSpec()
    target: TargetSpec = TargetSpec()
    matching: MatchingSpec = MatchingSpec()
    survey: SurveySpec = SurveySpec()
    consensus: ConsensusSpec | None = ConsensusSpec()
    estimate: EstimateSpec | None = None
    # left out of the dump when absent: studies without it keep their digests
    tune: TuneSpec | None = Field(default=None, exclude_if=lambda v: v is None)

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
        if self.tune is not None:
            self._tuning_fits(inst)
        if self.consensus is not None and self.consensus.panel > self.target.n:
            raise LocatedError(
                ("consensus", "panel"),
                f"a panel of {self.consensus.panel} is drawn from the target.n="
                f"{self.target.n} matched personas; make it at most target.n",
            )
        asked = inst.subset(self.survey.questions) if self.survey.questions else inst
        if self.consensus is not None:
            self._survey_feeds_consensus(asked)
        if self.estimate is not None:
            self._estimate_fits(asked, dataset)
        return self

    def _estimate_fits(self, inst: Instrument, dataset) -> None:
        """The estimate section's questions are the survey's, its subgroups traits, its pilot
        leaves a frame, and its frame file reads (and does not overlap the pilot when told)."""
        from chorus.surveys import demographic_traits
        from chorus.surveys.estimates import EstimateError, draw_pilot, read_frame

        spec = self.estimate
        assert spec is not None
        asked = [q.id for q in inst.scored_questions]
        for field in ("questions", "calibration"):
            for i, qid in enumerate(getattr(spec, field) or []):
                if qid not in asked:
                    raise LocatedError(
                        ("estimate", field, i),
                        f"the survey does not ask {qid!r}; its questions: {', '.join(asked)}",
                    )
        both = set(spec.questions or []) & set(spec.calibration)
        if both:
            raise LocatedError(
                ("estimate", "calibration"), f"{sorted(both)} are both estimated and calibration"
            )
        traits = demographic_traits()
        for i, t in enumerate(spec.subgroups):
            if t not in traits:
                raise LocatedError(
                    ("estimate", "subgroups", i), f"unknown trait {t!r} (traits: {sorted(traits)})"
                )
        try:
            pilot, _ = draw_pilot(
                dataset.respondents(), spec.pilot_n, spec.pilot_fraction, self.seed
            )
            if spec.frame is not None:
                frame = read_frame(Path(spec.frame))
                shared = set(frame.respondent_id.astype(str)) & set(
                    pilot.respondent_id.astype(str)
                )
                if shared and not spec.allow_overlap:
                    raise LocatedError(
                        ("estimate", "frame"),
                        f"{spec.frame}: {len(shared)} frame profile(s) are pilot respondents "
                        f"(e.g. {sorted(shared)[:3]}) and allow_overlap is false",
                    )
        except EstimateError as exc:
            where = "frame" if spec.frame and str(spec.frame) in str(exc) else "pilot_n"
            if where == "pilot_n" and spec.pilot_n is None:
                where = "pilot_fraction"
            raise LocatedError(("estimate", where), str(exc)) from None
        except OSError as exc:
            raise LocatedError(("estimate", "frame"), f"{spec.frame}: {exc}") from None
    def _tuning_fits(self, inst: Instrument) -> None:
        """Known question ids, no held-out question trained on, data that loads, and at least
        one surveyed question left out of training (the headline figures' questions)."""
        spec = self.tune
        assert spec is not None
        known = [q.id for q in inst.scored_questions]
        for field in ("questions", "holdout_questions"):
            for i, qid in enumerate(getattr(spec, field) or []):
                if qid not in known:
                    raise LocatedError(
                        ("tune", field, i),
                        f"instrument {inst.name!r} has no scored question {qid!r}; its "
                        f"questions: {', '.join(known)}",
                    )
        for i, qid in enumerate(spec.holdout_questions):
            if qid in (spec.questions or []):
                raise LocatedError(
                    ("tune", "holdout_questions", i),
                    f"{qid!r} is both held out and trained on (tune.questions): a held-out "
                    "question must never reach training; remove it from one of the two",
                )
        if self.engine.engine == "openai":
            raise LocatedError(
                ("tune",),
                "tuning trains a local model: use engine transformers or vllm (the served "
                "model of an openai engine cannot be tuned here)",
            )
        self._tuning_data_loads(inst)
        trained = set(spec.questions or known) - set(spec.holdout_questions)
        asked = self.survey.questions or [q.id for q in inst.questions]
        if not [q for q in asked if q in known and q not in trained]:
            raise LocatedError(
                ("tune", "holdout_questions"),
                "every question the survey asks would be trained on, so nothing is left to "
                "report as held out; hold some out here or ask others in survey.questions",
            )

    def _tuning_data_loads(self, inst: Instrument) -> None:
        from chorus.surveys import SurveyError, load_dataset
        from chorus.surveys.crosstab import read_crosstab

        spec = self.tune
        assert spec is not None
        if spec.data is None:
            return  # the target dataset, checked above
        try:
            if spec.data.endswith(".csv"):
                read_crosstab(Path(spec.data), inst)
            else:
                load_dataset(spec.data)
        except (SurveyError, OSError) as exc:
            raise LocatedError(("tune", "data"), str(exc)) from None

    def _survey_feeds_consensus(self, inst: Instrument) -> None:
        """The survey must ask what the representatives are to carry: `opinion_questions` from
        the self perspective, and in-group/out-group items when M is named."""
        spec = self.consensus
        assert spec is not None
        asked = [q.id for q in inst.scored_questions if "self" in q.perspectives]
        for i, qid in enumerate(spec.opinion_questions or []):
            if qid not in asked:
                raise LocatedError(
                    ("consensus", "opinion_questions", i),
                    f"the survey does not ask {qid!r} (self); its questions: {', '.join(asked)}",
                )
        persp = set(self.survey.perspectives or ("self", "ingroup", "outgroup", "meta"))
        has_groups = any(
            set(q.perspectives) & persp & {"ingroup", "outgroup"} for q in inst.scored_questions
        )
        if spec.wants_perceptions() and not has_groups:
            raise LocatedError(
                ("consensus", "sections"),
                "M (perceptions) needs survey questions asked from the ingroup/outgroup "
                "perspectives; add them to survey.perspectives or leave M out",
            )

    def digest(self, *sections: str) -> str:
        """Hash of the named sections (all when none): a stage reruns when its inputs change."""
        # where it runs is not what it computes: results are identical on any number of workers
        data = self.model_dump(mode="json", exclude={"engine": set(PLACEMENT)})
        picked = {k: data[k] for k in (sections or tuple(data))}
        return hashlib.sha256(json.dumps(picked, sort_keys=True).encode()).hexdigest()[:16]


def load_study(path: str | Path) -> Study:
    """Validate a study file; errors name the file and line (surveys' YAML loader)."""
    from chorus.core import load_model as load_yaml_model

    study, _ = load_yaml_model(Path(path), Study)
    return study
