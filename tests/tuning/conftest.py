"""A tiny synthetic survey (instrument, dataset) and a tiny random model folder that carries the
embedded model's tokenizer and chat template, so training tests take seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chorus.tuning.data import split_respondents

MARKER_Q = "PLANTEDQUESTIONMARKER"
N_PEOPLE = 240

INSTRUMENT = f"""\
name: tiny
title: A tiny synthetic survey
questions:
  - id: q1
    text: Should the town build a new park?
    kind: single_choice
    options: [{{label: "yes"}}, {{label: "no"}}, {{label: "unsure"}}]
    sources: {{tiny: {{column: q1, values: {{"1": "yes", "2": "no", "3": "unsure"}}}}}}
  - id: q2
    text: Should the town raise the bus fare?
    kind: single_choice
    options: [{{label: "yes"}}, {{label: "no"}}]
    sources: {{tiny: {{column: q2, values: {{"1": "yes", "2": "no"}}}}}}
  - id: q3
    text: Should the town plant more trees?
    kind: single_choice
    options: [{{label: "yes"}}, {{label: "no"}}]
    sources: {{tiny: {{column: q3, values: {{"1": "yes", "2": "no"}}}}}}
  - id: q4
    text: {MARKER_Q} Should the town open a library?
    kind: single_choice
    options: [{{label: "yes"}}, {{label: "no"}}]
    sources: {{tiny: {{column: q4, values: {{"1": "yes", "2": "no"}}}}}}
"""

DESCRIPTOR = """\
name: tiny
file: tiny.csv
id_column: rid
weight_column: w
instruments: [tiny]
demographics:
  party: {column: party, values: {D: Democrat, R: Republican}}
  gender: {column: sex, values: {M: Male, F: Female}}
"""


@pytest.fixture(scope="session")
def tiny_survey(tmp_path_factory) -> tuple[Path, Path]:
    """(instrument.yaml, dataset.yaml). Planted markers: q4's text, and q1's third option
    ("unsure"), which only held-out respondents (split seed 0, share 0.2) ever choose."""
    folder = tmp_path_factory.mktemp("tiny")
    rng = np.random.default_rng(0)
    ids = [f"r{i}" for i in range(N_PEOPLE)]
    held = split_respondents(ids, 0.2, 0)
    party = rng.choice(["D", "R"], N_PEOPLE)
    dem = party == "D"
    table = pd.DataFrame(
        {
            "rid": ids,
            "w": rng.uniform(0.5, 2.0, N_PEOPLE).round(3),
            "party": party,
            "sex": rng.choice(["M", "F"], N_PEOPLE),
            "q1": np.where(held, 3, np.where(dem, 1, 2)),
            "q2": np.where(rng.random(N_PEOPLE) < np.where(dem, 0.8, 0.2), 1, 2),
            "q3": rng.choice([1, 2], N_PEOPLE),
            "q4": rng.choice([1, 2], N_PEOPLE),
        }
    )
    table.to_csv(folder / "tiny.csv", index=False)
    (folder / "tiny.yaml").write_text(DESCRIPTOR)
    (folder / "instrument.yaml").write_text(INSTRUMENT)
    return folder / "instrument.yaml", folder / "tiny.yaml"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A 2-layer random Llama with the embedded model's tokenizer and chat template."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from chorus.engines.model_files import materialise, resolve_model

    source, _ = materialise(*resolve_model(None))
    tok = AutoTokenizer.from_pretrained(source)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
        tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tiny-model")
    LlamaForCausalLM(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder
