"""`chorus tune` / `chorus.tune`: examples from an instrument and human data, training, and the
tuned model folder.

The folder is a standard transformers checkpoint (LoRA merged, `save_pretrained`, tokenizer and
chat template), so every engine loads it with `--model DIR`; the adapter sits beside the weights
in `adapter/`, and `chorus_tuning.json` is the manifest (base fingerprint, data digests, the
question and respondent splits, hyper-parameters, loss curves). The engines' model fingerprint
hashes every top-level JSON file, so it covers the manifest: a cache never mixes a base model's
answers with a tuned one's. Work happens in DIR.partial (which also holds the checkpoint a
killed run resumes from) and is renamed to DIR at the end. Under `accelerate launch` every
process trains its share of each batch (train.py) and the main process writes the folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from chorus.core import write_atomic
from chorus.surveys import Instrument, load_dataset, load_instrument
from chorus.surveys.crosstab import read_crosstab
from chorus.tuning.data import TrainingData, from_crosstab, from_dataset
from chorus.tuning.errors import TuningError
from chorus.tuning.options import TuneOptions

if TYPE_CHECKING:
    from chorus.tuning.frozen import FrozenLayers
    from chorus.tuning.train import Progress

MANIFEST = "chorus_tuning.json"
ADAPTER = "adapter"
CHECKPOINT = "checkpoint.safetensors"


class TuningManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: int = 2  # 2: `options` (every option) replaced `config`, `examples`, shares
    base_model: str
    base_fingerprint: str
    base_parameters: int
    instrument: str
    instrument_digest: str
    data: str
    data_digest: str  # of every training and validation example (prompt and target)
    n_examples: int
    n_validation_examples: int
    trained_questions: list[str]
    validation_questions: list[str]
    heldout_questions: list[str]
    train_respondents: int
    heldout_respondents: list[str]  # the respondents an evaluation may use
    options: TuneOptions  # every option of the run (data and training)
    steps: int
    seconds: float
    frozen_seconds: float = 0.0  # of seconds: the frozen lower layers' states, computed once
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
    instrument: Instrument, data: str | Path, options: TuneOptions
) -> TrainingData:
    """A crosstab CSV (aggregate data: subgroup examples) or a dataset (microdata)."""
    if str(data).endswith(".csv"):
        try:
            return from_crosstab(read_crosstab(Path(data), instrument), instrument, options)
        except TuningError as exc:
            raise TuningError(f"{data}: {exc}") from None
    return from_dataset(load_dataset(data), instrument, options)


def tune(
    instrument: str | Path | Instrument,
    data: str | Path,
    out: str | Path,
    options: TuneOptions | None = None,
    *,
    base: str | Path | None = None,
    progress: bool = False,
    frozen: FrozenLayers | None = None,
    **fields: Any,
) -> Path:
    """Fine-tune `base` (None: the embedded model) on `data` (a dataset name, a descriptor YAML
    or a crosstab CSV) answering `instrument`; write the tuned model folder `out` and return
    it. The options are `options` or TuneOptions' fields as keywords
    (`holdout_questions=["gay_marry"], lora_layers=2`). Re-running the same call after a kill
    resumes it. `frozen`: a cache of the frozen lower layers' states to use and fill (several
    runs on the same base model and prompts, e.g. folds, share one); by default a new one."""
    if options is not None and fields:
        raise TypeError("tune takes a TuneOptions or its fields as keywords, not both")
    o = options or TuneOptions(**fields)
    out = Path(out)
    if out.exists():
        raise TuningError(f"{out} exists: choose another output folder or delete it")
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    td = load_training_data(inst, data, o)
    from chorus.engines.transformers_engine import TransformersEngine
    from chorus.tuning.train import Checkpoint, encode_examples, frozen_layers, prepare_model
    from chorus.tuning.train import train as run_training

    engine = TransformersEngine(model=base, dtype="float32")
    train_set = encode_examples(engine, td.examples)
    val_set = encode_examples(engine, td.validation)
    partial = out.with_name(out.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    key = _digest(f"{o.resume_key()}|{td.digest()}|{engine.fingerprint}")
    cache = frozen_layers(engine.model, o, engine.fingerprint, frozen)
    model = prepare_model(engine.model, o)
    checkpoint = Checkpoint(partial / CHECKPOINT, key)
    prog = run_training(
        model, train_set, val_set, o, int(engine.pad_id), checkpoint, progress, frozen=cache
    )
    from accelerate import PartialState

    if not PartialState().is_main_process:  # under `accelerate launch`: one process writes
        return out
    manifest = TuningManifest(
        base_model=engine.model_id,
        base_fingerprint=engine.fingerprint,
        base_parameters=engine.num_parameters,
        instrument=inst.name,
        instrument_digest=_digest(inst.model_dump_json()),
        data=str(data),
        data_digest=td.digest(),
        n_examples=len(td.examples),
        n_validation_examples=len(td.validation),
        trained_questions=td.trained_questions,
        validation_questions=td.validation_questions,
        heldout_questions=td.heldout_questions,
        train_respondents=len(td.train_respondents),
        heldout_respondents=td.heldout_respondents,
        options=o,
        **_summary(prog),
    )
    _write_folder(model, engine.tokenizer, o, manifest, partial)
    (partial / CHECKPOINT).unlink(missing_ok=True)
    os.replace(partial, out)
    return out


def _summary(prog: Progress) -> dict:
    return {
        "steps": prog.step,
        "seconds": round(prog.seconds, 2),
        "frozen_seconds": round(prog.frozen_seconds, 2),
        "examples_per_s": round(prog.examples_seen / prog.seconds, 3) if prog.seconds else 0.0,
        "tokens_per_example": prog.tokens_seen / prog.examples_seen if prog.examples_seen else 0.0,
        "stopped": prog.stopped,
        "loss_curve": prog.loss_curve,
        "val_curve": prog.val_curve,
    }


def _write_folder(
    model, tokenizer, config: TuneOptions, manifest: TuningManifest, folder: Path
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
