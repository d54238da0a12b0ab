"""A tuned model folder (`chorus tune`) loads in the vllm engine with `--model DIR` and answers
as the transformers engine does with the same folder. Collected only where vLLM is installed
(`make test-vllm`); one training step of the embedded model, top layer only."""

from __future__ import annotations

import numpy as np

from chorus.engines import EngineSpec
from chorus.engines.build import build_engine
from chorus.engines.transformers_engine import TransformersEngine
from chorus.surveys import load_instrument
from chorus.surveys.conditioning import render_context
from chorus.surveys.crosstab import subgroup_persona
from chorus.surveys.prompts import Item, choice_request
from chorus.tuning import tune


def test_a_tuned_folder_loads_in_vllm(tmp_path):
    out = tune(
        "anes2012", "anes2012", tmp_path / "tuned", questions=["gay_marry", "gun_control"],
        traits=["party"], validation_share=0.0, lora_layers=1, max_steps=1, batch_size=2,
        lr=1e-2,
    )  # fmt: skip
    q = load_instrument("anes2012").question("gay_marry")
    context = render_context("subgroup", subgroup_persona((("party", "Democrat"),)))
    reqs = [choice_request(context, [], Item(q, "self"), [0, 1])]
    engine = build_engine(
        EngineSpec(engine="vllm", model=str(out), dtype="float32",
                   vllm_args={"max_model_len": 2048})
    )  # fmt: skip
    try:
        got = engine.choice(reqs)[0].probs
    finally:
        engine.close()
    ref = TransformersEngine(model=out, dtype="float32").choice(reqs)[0].probs
    assert np.max(np.abs(np.array(got) - np.array(ref))) < 0.02
