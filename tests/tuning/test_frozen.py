"""The frozen-layer cache (tuning/frozen.py): running only the adapted top layers on the cached
states gives the full forward's label log-probs, loss gradients and trained weights; one cache
serves several runs; its byte bound keeps it exact. A 4-layer random model, LoRA on the top 2."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch

from chorus.engines.transformers_engine import TransformersEngine
from chorus.surveys import load_dataset, load_instrument
from chorus.tuning import TuneOptions, read_manifest, tune
from chorus.tuning.data import from_dataset
from chorus.tuning.frozen import FrozenLayers
from chorus.tuning.train import (
    Checkpoint,
    encode_examples,
    frozen_layers,
    kl_loss,
    label_log_probs,
    prepare_model,
    train,
)

OPTIONS = TuneOptions(lora_layers=2, lora_r=4, lr=1e-2, batch_size=8, epochs=1, max_steps=3,
                      eval_every=2, min_cell=10, holdout_questions=["q4"])  # fmt: skip


@pytest.fixture(scope="module")
def four_layers(tiny_model, tmp_path_factory) -> Path:
    """The tiny model's tokenizer on a 4-layer random Llama."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    config = LlamaConfig.from_pretrained(tiny_model)
    config.num_hidden_layers = 4
    torch.manual_seed(1)
    folder = tmp_path_factory.mktemp("four-layers")
    LlamaForCausalLM(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_model).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def data(four_layers, tiny_survey):
    engine = TransformersEngine(model=four_layers, dtype="float32")
    td = from_dataset(load_dataset(tiny_survey[1]), load_instrument(tiny_survey[0]), OPTIONS)
    return engine, encode_examples(engine, td.examples), encode_examples(engine, td.validation)


def _adapted(engine) -> torch.nn.Module:
    """LoRA on the top 2 layers, B made non-zero so the adapters change the answer."""
    model = prepare_model(copy.deepcopy(engine.model), OPTIONS)
    torch.manual_seed(2)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.05)
    return model


def test_top_layers_on_cached_states_match_the_full_forward(data):
    engine, train_set, _ = data
    model = _adapted(engine)
    frozen = frozen_layers(model, OPTIONS, engine.fingerprint)
    assert frozen is not None and frozen.split == 2
    frozen.fill(model, train_set, 8, engine.pad_id)
    assert len(frozen.states) == len({tuple(e.ids) for e in train_set})
    # a batch of different lengths: left padding differs per row
    batch = sorted(train_set, key=lambda e: len(e.ids))[:: max(1, len(train_set) // 6)]
    assert len({len(e.ids) for e in batch}) > 1
    grads = []
    for cache in (None, frozen):
        model.zero_grad()
        logq = label_log_probs(model, batch, engine.pad_id, cache)
        kl_loss(logq, batch).backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad})
        grads[-1]["logq"] = torch.cat(logq).detach()
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 1
    assert all(g.abs().sum() > 0 for g in grads[0].values())
    for n in grads[0]:
        torch.testing.assert_close(grads[1][n], grads[0][n], rtol=1e-4, atol=1e-6)
    # the stored state is the hidden state entering layer 2 of the full model
    e = batch[0]
    hs = model(input_ids=torch.tensor([e.ids]), output_hidden_states=True).hidden_states[2]
    torch.testing.assert_close(frozen.states[tuple(e.ids)], hs[0], rtol=1e-5, atol=1e-5)


def test_training_with_the_cache_ends_with_the_same_weights(data):
    engine, train_set, val_set = data
    assert val_set, "the validation passes go through the cache too"
    weights, curves = [], []
    for cache in (None, frozen_layers(engine.model, OPTIONS, engine.fingerprint)):
        model = prepare_model(copy.deepcopy(engine.model), OPTIONS)
        ckpt = Checkpoint(Path("/nonexistent-never-written"), "k")
        ckpt.save = lambda *a: None  # type: ignore[method-assign]
        prog = train(model, train_set, val_set, OPTIONS, engine.pad_id, ckpt, frozen=cache)
        weights.append({n: p.detach().clone() for n, p in model.named_parameters()})
        curves.append((prog.loss_curve, prog.val_curve))
    moved = [n for n in weights[0] if "lora_B" in n and weights[0][n].abs().max() > 0]
    assert moved
    # Adam divides by the root of the squared gradients, so a rounding difference of a
    # near-zero gradient moves a weight by up to ~lr x 1e-3: weights moved ~lr per step
    for n in weights[0]:
        torch.testing.assert_close(weights[1][n], weights[0][n], rtol=1e-4, atol=1e-4)
    for a, b in zip(curves[0], curves[1]):
        torch.testing.assert_close(torch.tensor(a), torch.tensor(b), rtol=1e-4, atol=1e-6)


def test_one_cache_serves_several_runs_and_stays_bounded(four_layers, tiny_survey, tmp_path):
    inst, data_yaml = tiny_survey
    cache = FrozenLayers()
    fields = OPTIONS.model_dump(exclude={"holdout_questions"})
    tune(inst, data_yaml, tmp_path / "a", base=four_layers, frozen=cache,
         holdout_questions=["q4"], **fields)  # fmt: skip
    held = dict(cache.states)
    assert held and cache.nbytes == sum(h.nbytes for h in held.values())
    tune(inst, data_yaml, tmp_path / "b", base=four_layers, frozen=cache,
         holdout_questions=["q3"], **fields)  # fmt: skip
    # the second run (other questions) adds its new prompts and recomputes none it shares
    assert all(cache.states[k] is h for k, h in held.items()) and len(cache.states) > len(held)
    # another split is another cache
    engine = TransformersEngine(model=four_layers, dtype="float32")
    other = OPTIONS.model_copy(update={"lora_layers": 1})
    assert frozen_layers(engine.model, other, engine.fingerprint, cache) is cache
    assert cache.split == 3 and not cache.states
    # every layer trained: no cache
    for every in ({"lora_layers": 0}, {"lora_layers": 4}, {"method": "full"}):
        assert frozen_layers(engine.model, OPTIONS.model_copy(update=every), "fp") is None
    # a cache too small to hold anything: the same tuned weights, states computed at each use
    small = tune(inst, data_yaml, tmp_path / "c", base=four_layers,
                 frozen=FrozenLayers(max_bytes=1), holdout_questions=["q4"], **fields)  # fmt: skip
    a = read_manifest(tmp_path / "a")
    c = read_manifest(small)
    assert a is not None and c is not None
    torch.testing.assert_close(torch.tensor(c.loss_curve), torch.tensor(a.loss_curve),
                               rtol=1e-4, atol=1e-6)  # fmt: skip
