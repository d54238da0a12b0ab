"""`chorus tune` / `chorus.tune`: examples from an instrument and human data, training, and the
tuned model folder.

The folder is a standard transformers checkpoint (LoRA merged, `save_pretrained`, tokenizer and
chat template), so every engine loads it with `--model DIR`; the adapter sits beside the weights
in `adapter/`, and `chorus_tuning.json` is the manifest (base fingerprint, data digests, the
question and respondent splits, hyper-parameters, loss curves). The engines' model fingerprint
hashes every top-level JSON file, so it covers the manifest: a cache never mixes a base model's
answers with a tuned one's. Work happens in DIR.partial (which also holds the checkpoint a
killed run resumes from) and is renamed to DIR at the end.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from chorus.core import write_atomic
from chorus.surveys import Instrument, load_dataset, load_instrument
from chorus.surveys.crosstab import MIN_CELL_N, read_crosstab
from chorus.tuning.data import TrainingData, from_crosstab, from_dataset
from chorus.tuning.errors import TuningError
from chorus.tuning.train import (
    Checkpoint,
    Progress,
    TuneConfig,
    encode_examples,
    prepare_model,
    train,
)

MANIFEST = "chorus_tuning.json"
ADAPTER = "adapter"
CHECKPOINT = "checkpoint.safetensors"


class TuningManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: int = 1
    base_model: str
    base_fingerprint: str
    base_parameters: int
    instrument: str
    instrument_digest: str
    data: str
    data_digest: str  # of every training and validation example (prompt and target)
    examples: list[str]
    n_examples: int
    n_validation_examples: int
    trained_questions: list[str]
    validation_questions: list[str]
    heldout_questions: list[str]
    train_respondents: int
    heldout_respondents: list[str]  # the respondents an evaluation may use
    heldout_respondent_share: float
    config: TuneConfig
    steps: int
    seconds: float
    examples_per_s: float
    tokens_per_example: float
    stopped: str
    loss_curve: list[tuple[int, float]]
    val_curve: list[tuple[int, float]]


def read_manifest(folder: Path) -> TuningManifest | None:
    """The manifest of a tuned model folder (None for any other model)."""
    path = Path(folder) / MANIFEST
    return TuningManifest.model_validate_json(path.read_text()) if path.is_file() else None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_training_data(
    instrument: Instrument,
    data: str | Path,
    holdout_questions: Sequence[str],
    *,
    questions: Sequence[str] | None,
    examples: Sequence[str],
    holdout_respondents: float,
    validation_share: float,
    traits: Sequence[str] | None,
    pairs: bool,
    min_n: int,
    individual_conditioning: str,
    max_individuals: int,
    seed: int,
) -> TrainingData:
    """A crosstab CSV (aggregate data: subgroup examples) or a dataset (microdata)."""
    if str(data).endswith(".csv"):
        if "individual" in examples:
            raise TuningError(
                f"{data}: an aggregate table has no respondents, so no individual examples; "
                "use --examples subgroup (or give the microdata's dataset)"
            )
        table = read_crosstab(Path(data), instrument)
        return from_crosstab(
            table, instrument, holdout_questions, questions=questions,
            validation_share=validation_share, min_n=min_n, seed=seed,
        )  # fmt: skip
    return from_dataset(
        load_dataset(data), instrument, holdout_questions, questions=questions, kinds=examples,
        holdout_respondents=holdout_respondents, validation_share=validation_share,
        traits=traits, pairs=pairs, min_n=min_n, individual_conditioning=individual_conditioning,
        max_individuals=max_individuals, seed=seed,
    )  # fmt: skip


def tune(
    instrument: str | Path | Instrument,
    data: str | Path,
    out: str | Path,
    *,
    holdout_questions: Sequence[str] = (),
    questions: Sequence[str] | None = None,
    examples: Sequence[str] = ("subgroup",),
    base: str | Path | None = None,
    config: TuneConfig | None = None,
    holdout_respondents: float = 0.2,
    validation_share: float = 0.2,
    traits: Sequence[str] | None = None,
    pairs: bool = False,
    min_n: int = MIN_CELL_N,
    individual_conditioning: str = "qa",
    max_individuals: int = 200,
    progress: bool = False,
) -> Path:
    """Fine-tune `base` (None: the embedded model) on `data` (a dataset name, a descriptor YAML
    or a crosstab CSV) answering `instrument`, holding `holdout_questions` out; write the tuned
    model folder `out` and return it. Re-running the same call after a kill resumes it."""
    config = config or TuneConfig()
    out = Path(out)
    if out.exists():
        raise TuningError(f"{out} exists: choose another output folder or delete it")
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    td = load_training_data(
        inst, data, list(holdout_questions), questions=questions, examples=list(examples),
        holdout_respondents=holdout_respondents, validation_share=validation_share,
        traits=traits, pairs=pairs, min_n=min_n, individual_conditioning=individual_conditioning,
        max_individuals=max_individuals, seed=config.seed,
    )  # fmt: skip
    from chorus.engines.transformers_engine import TransformersEngine

    engine = TransformersEngine(model=base, dtype="float32")
    train_set = encode_examples(engine, td.examples)
    val_set = encode_examples(engine, td.validation)
    partial = out.with_name(out.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    key = _digest(f"{config.resume_key()}|{td.digest()}|{engine.fingerprint}")
    model = prepare_model(engine.model, config)
    checkpoint = Checkpoint(partial / CHECKPOINT, key)
    prog = train(model, train_set, val_set, config, int(engine.pad_id), checkpoint, progress)
    manifest = TuningManifest(
        base_model=engine.model_id,
        base_fingerprint=engine.fingerprint,
        base_parameters=engine.num_parameters,
        instrument=inst.name,
        instrument_digest=_digest(inst.model_dump_json()),
        data=str(data),
        data_digest=td.digest(),
        examples=list(examples),
        n_examples=len(td.examples),
        n_validation_examples=len(td.validation),
        trained_questions=td.trained_questions,
        validation_questions=td.validation_questions,
        heldout_questions=td.heldout_questions,
        train_respondents=len(td.train_respondents),
        heldout_respondents=td.heldout_respondents,
        heldout_respondent_share=holdout_respondents,
        config=config,
        **_summary(prog),
    )
    _write_folder(model, engine.tokenizer, config, manifest, partial)
    (partial / CHECKPOINT).unlink(missing_ok=True)
    os.replace(partial, out)
    return out


def _summary(prog: Progress) -> dict:
    return {
        "steps": prog.step,
        "seconds": round(prog.seconds, 2),
        "examples_per_s": round(prog.examples_seen / prog.seconds, 3) if prog.seconds else 0.0,
        "tokens_per_example": prog.tokens_seen / prog.examples_seen if prog.examples_seen else 0.0,
        "stopped": prog.stopped,
        "loss_curve": prog.loss_curve,
        "val_curve": prog.val_curve,
    }


def _write_folder(
    model, tokenizer, config: TuneConfig, manifest: TuningManifest, folder: Path
) -> None:
    """Adapter, merged weights, tokenizer (with its chat template), then the manifest."""
    if config.method == "lora":
        adapter = folder / ADAPTER
        shutil.rmtree(adapter, ignore_errors=True)
        model.save_pretrained(adapter)
        model = model.merge_and_unload()
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    write_atomic(folder / MANIFEST, lambda tmp: tmp.write_text(manifest.model_dump_json(indent=1)))
