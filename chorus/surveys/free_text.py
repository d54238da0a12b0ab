"""Open answers: sampled texts, kept verbatim, coded into the themes of a codebook.

A free-text question is answered by sampling `samples` answers per persona (`engine.generate`,
temperature 1, one line each, seeded by the run seed and the prompt, so the engine cache keeps
them and a rerun repeats them). Each answer is coded into the question's codebook: embedded
with the shipped sentence-embedding model (all-MiniLM-L6-v2, `chorus.engines.embeddings`) and
assigned the theme whose closest example answer is the most similar (cosine), or `other`
when no example reaches the codebook's `threshold`. The question's options are the themes
plus `other`, so a persona's row is the share of its answers in each theme, compared with the
humans' coded answers (the same coder on a text column) by TVD like any nominal question.

What this measures: whether the simulated panel raises the same themes, as often, as people
do, by the codebook's definition of a theme. What it does not: the wording, length, tone or
quality of the answers, anything a theme does not capture, or whether the coder agrees with a
human coder (its nearest-example rule is only as good as the examples).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chorus.core import derive_seed
from chorus.engines import ChoiceDistribution, ChoiceRequest, Engine, GenerateRequest
from chorus.surveys.errors import DatasetError, LocatedError
from chorus.surveys.operation import Operation

if TYPE_CHECKING:
    from chorus.engines.embeddings import SentenceEmbedder

OTHER = "other"  # the option of answers no theme claims
MAX_TOKENS = 48  # one short answer


class Theme(BaseModel):
    """One theme of a codebook: its label, the wording a report shows, and example answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = Field(min_length=1)
    text: str = ""
    examples: list[str] = []

    @model_validator(mode="after")
    def _examples(self) -> Theme:
        if not [e for e in self.examples if e.strip()]:
            raise LocatedError(
                ("examples",),
                f"theme {self.label!r} has no examples: give it a few answers that belong to it "
                "(answers are coded by their similarity to the examples)",
            )
        if self.label == OTHER:
            raise LocatedError(("label",), f"{OTHER!r} is the option of uncoded answers")
        return self


class Codebook(BaseModel):
    """The themes answers are coded into, and the similarity below which an answer is `other`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    themes: list[Theme] = []
    threshold: float = Field(default=0.4, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _themes(self) -> Codebook:
        if not self.themes:
            raise LocatedError(
                ("themes",), "the codebook has no themes: list `themes` with examples"
            )
        return self


class TextAnswers(ChoiceDistribution):
    """A persona's sampled answers and their themes, with the share of each theme as `probs`."""

    texts: list[str] = []
    themes: list[str] = []


@cache
def _embedder() -> SentenceEmbedder:
    from chorus.engines.embeddings import SentenceEmbedder

    return SentenceEmbedder()


_EXAMPLES: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # codebook (as JSON) -> embeddings


def _examples(codebook: Codebook) -> tuple[np.ndarray, np.ndarray]:
    """Unit embeddings of every example answer, and the theme index of each (once per
    codebook)."""
    key = codebook.model_dump_json()
    if key not in _EXAMPLES:
        _EXAMPLES[key] = _embed_examples(codebook)
    return _EXAMPLES[key]


def _embed_examples(codebook: Codebook) -> tuple[np.ndarray, np.ndarray]:
    texts = [e for t in codebook.themes for e in t.examples if e.strip()]
    owner = [i for i, t in enumerate(codebook.themes) for e in t.examples if e.strip()]
    return embed(texts), np.array(owner)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit sentence embeddings (all-MiniLM-L6-v2) of `texts`, the model loaded once."""
    return _embedder().embed(texts)


def code(codebook: Codebook, texts: Sequence[str]) -> list[int]:
    """Each text's theme index (len(themes) = other): the theme of the most similar example,
    if that similarity reaches the threshold. Empty answers are other; repeats embedded once."""
    k = len(codebook.themes)
    unique = sorted({t.strip() for t in texts if t.strip()})
    if not unique:
        return [k] * len(texts)
    vecs, owner = _examples(codebook)
    sims = embed(unique) @ vecs.T
    best = sims.argmax(axis=1)
    theme = np.where(sims.max(axis=1) >= codebook.threshold, owner[best], k)
    by_text = dict(zip(unique, theme.tolist()))
    return [by_text.get(t.strip(), k) for t in texts]


def sampler(question: Any, seed: int) -> Operation:
    """The engine operation of one free-text question: `samples` answers per request, coded."""

    def answer_texts(engine: Engine, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
        asked = [
            GenerateRequest(
                prompt=r.prompt,
                n=question.samples,
                temperature=1.0,
                max_tokens=MAX_TOKENS,
                stop=("\n",),
                seed=derive_seed(seed, "free_text", r.prompt.model_dump_json()),
            )
            for r in requests
        ]
        texts = [[t.strip() for t in g.texts] for g in engine.generate(asked)]
        themes = iter(code(question.codebook, [t for each in texts for t in each]))
        labels = [o.label for o in question.options]
        out: list[ChoiceDistribution] = []
        for r, said in zip(requests, texts):
            coded = [next(themes) for _ in said]
            shares = np.bincount(coded, minlength=len(labels)) / len(coded)
            out.append(
                TextAnswers(
                    labels=list(r.labels),
                    probs=shares.tolist(),
                    raw_mass=1.0,
                    method="sampled",
                    texts=said,
                    themes=[labels[c] for c in coded],
                )
            )
        return out

    return answer_texts


def map_texts(
    table: pd.DataFrame, column: str, missing: list[str], codebook: Codebook, where: str,
    dataset: str,
) -> pd.Series:  # fmt: skip
    """Each row's theme position (the coder on the human answer), NA where there is none."""
    if column not in table.columns:
        raise DatasetError(
            f"{where}: dataset {dataset!r} has no column {column!r}; fix the mapping's `column`"
        )
    raw = table[column]
    answered = raw.notna() & ~raw.astype(str).isin(missing) & (raw.astype(str).str.strip() != "")
    out = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    out[answered] = code(codebook, raw[answered].astype(str).tolist())
    return out
