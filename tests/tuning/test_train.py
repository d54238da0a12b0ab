"""The trainer: it learns a known distribution, its folder loads as a model whose fingerprint
covers the manifest, a SIGKILL mid-training resumes to the same weights, and bad input fails
cleanly. All on a 2-layer random model (tests/tuning/conftest.py): seconds, not minutes."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from chorus.engines.transformers_engine import TransformersEngine
from chorus.engines.types import ChoiceRequest
from chorus.surveys import load_instrument
from chorus.surveys.prompts import Item, choice_request
from chorus.tuning import TuneOptions, TuningError, read_manifest, tune
from chorus.tuning.examples import Example
from chorus.tuning.train import Checkpoint, encode_examples, mean_kl, prepare_model, train

ROOT = Path(__file__).resolve().parents[2]
# lora_layers=1 of 2: the frozen-layer cache is in every tuning run below (resume included)
FAST = dict(
    batch_size=8, epochs=2, max_steps=4, checkpoint_every=1, lora_r=4, lr=1e-2, lora_layers=1
)


def test_training_on_a_known_distribution_lowers_the_kl(tiny_model, tiny_survey):
    """One prompt per question, target (0.7, 0.2, 0.1) / (0.9, 0.1): 30 full fine-tuning steps
    must cut the mean KL to below a third of the untrained model's."""
    inst = load_instrument(tiny_survey[0])
    engine = TransformersEngine(model=tiny_model, dtype="float32")
    examples = []
    for qid, target in (("q1", [0.7, 0.2, 0.1]), ("q2", [0.9, 0.1])):
        q = inst.question(qid)
        req = choice_request("", [], Item(q, "self"), list(range(len(target))))
        examples.append(Example(req, np.array(target), qid, "synthetic"))
    data = encode_examples(engine, examples)
    config = TuneOptions(method="full", lr=3e-3, batch_size=2, epochs=30, checkpoint_every=100)
    model = prepare_model(engine.model, config)
    before = mean_kl(model, data, 2, engine.pad_id)
    ckpt = Checkpoint(Path("/nonexistent-never-written"), "k")
    ckpt.save = lambda *a: None  # type: ignore[method-assign]  # no checkpoints in this test
    prog = train(model, data, [], config, engine.pad_id, ckpt)
    after = mean_kl(model, data, 2, engine.pad_id)
    assert prog.step == 30
    assert before > 0.05 and after < before / 3, (before, after)


def _run_tune(survey, model, out, **over):
    inst, data = survey
    # no validation questions: early stopping could keep the untrained weights, and these
    # tests need weights that moved
    return tune(inst, data, out, base=model, holdout_questions=["q4"], min_cell=10,
                validation_share=0.0, **{**FAST, **over})  # fmt: skip


def test_the_tuned_folder_loads_and_answers_differently(tiny_model, tiny_survey, tmp_path):
    out = _run_tune(tiny_survey, tiny_model, tmp_path / "tuned")
    assert not (tmp_path / "tuned.partial").exists()
    manifest = read_manifest(out)
    assert manifest is not None and manifest.heldout_questions == ["q4"]
    assert "q4" not in manifest.trained_questions + manifest.validation_questions
    assert manifest.steps == 4 and len(manifest.loss_curve) == 4
    assert (out / "adapter" / "adapter_config.json").is_file()
    base = TransformersEngine(model=tiny_model, dtype="float32")
    tuned = TransformersEngine(model=out, dtype="float32")
    assert tuned.chat and tuned.fingerprint != base.fingerprint
    q = load_instrument(tiny_survey[0]).question("q4")
    req: ChoiceRequest = choice_request("", [], Item(q, "self"), [0, 1])
    p0, p1 = base.choice([req])[0].probs, tuned.choice([req])[0].probs
    assert abs(p0[0] - p1[0]) > 1e-4
    # the fingerprint covers the manifest: the same weights with another manifest are another model
    fp = tuned.fingerprint
    (out / "chorus_tuning.json").write_text(json.dumps({**json.loads(manifest.model_dump_json()),
                                                        "seconds": 0.0}))  # fmt: skip
    assert TransformersEngine(model=out, dtype="float32").fingerprint != fp


KILLER = """
import os, signal, sys
from chorus.tuning import train as t
saved = []
real = t.Checkpoint.save
def save(self, *a):
    real(self, *a)
    saved.append(1)
    if len(saved) == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # killed right after the second checkpoint
t.Checkpoint.save = save
from tests.tuning.test_train import _run_tune
from pathlib import Path
_run_tune((Path(sys.argv[1]), Path(sys.argv[2])), Path(sys.argv[3]), Path(sys.argv[4]))
"""


def test_sigkill_then_resume_ends_with_the_same_weights(tiny_model, tiny_survey, tmp_path):
    whole = _run_tune(tiny_survey, tiny_model, tmp_path / "whole")
    out = tmp_path / "resumed"
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLER), *map(str, tiny_survey), str(tiny_model),
         str(out)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert (tmp_path / "resumed.partial" / "checkpoint.safetensors").is_file() and not out.exists()
    _run_tune(tiny_survey, tiny_model, out)
    a, b = load_file(whole / "model.safetensors"), load_file(out / "model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)
    curves = [np.array(read_manifest(f).loss_curve) for f in (out, whole)]
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-5)


def test_bad_input_fails_cleanly(tiny_model, tiny_survey, tmp_path, monkeypatch):
    (tmp_path / "exists").mkdir()
    with pytest.raises(TuningError, match="exists: choose another output folder"):
        _run_tune(tiny_survey, tiny_model, tmp_path / "exists")
    with pytest.raises(TuningError, match="non-finite loss"):
        _run_tune(tiny_survey, tiny_model, tmp_path / "nan", lr=float("inf"))
    assert not (tmp_path / "nan").exists()

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("chorus.tuning.train.write_atomic", full)
    with pytest.raises(OSError, match="No space left"):
        _run_tune(tiny_survey, tiny_model, tmp_path / "full")
    assert not (tmp_path / "full").exists()


def test_the_cli_reports_bad_questions(tiny_survey, tmp_path):
    inst, data = tiny_survey
    done = subprocess.run(
        [sys.executable, "-m", "chorus.cli", "tune", "--instrument", str(inst), "--dataset",
         str(data), "--out", str(tmp_path / "t"), "--holdout-questions", "q9"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1
    assert "unknown question id(s) ['q9']" in done.stderr and "Traceback" not in done.stderr
