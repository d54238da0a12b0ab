"""The dequantised embedded model is a standard checkpoint that any tool (vLLM, llama.cpp's
converters) loads: architectures in config.json, tied embeddings saved as the embedding."""

from __future__ import annotations

import json

import torch
from safetensors import safe_open

from chorus.engines.model_files import FOLDER_FORMAT, materialise, resolve_model


def test_embedded_folder_is_a_standard_checkpoint(transformers_engine):
    folder, fp = materialise(*resolve_model(None))
    assert folder.name == f"{fp}-v{FOLDER_FORMAT}"
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert config["tie_word_embeddings"] is True
    assert "quantization_config" not in config
    with safe_open(str(folder / "model.safetensors"), "pt") as f:
        keys = set(f.keys())
        embed = f.get_tensor("model.embed_tokens.weight")
    assert "lm_head.weight" not in keys  # tied: saved once, under the embedding's name
    assert (folder / "tokenizer.json").is_file() and (folder / "tokenizer_config.json").is_file()
    # the engine runs on exactly these weights, its output layer being the saved embedding
    head = transformers_engine.model.get_output_embeddings().weight
    assert torch.equal(head, embed.to(head.dtype))
    assert json.loads((folder / "chorus_source.json").read_text())["format"] == FOLDER_FORMAT
