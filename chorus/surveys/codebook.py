"""Draft a free-text codebook from people's own answers: themes found by clustering them.

The answers of one text column are embedded with the shipped sentence-embedding model and
grouped by k-means (scikit-learn; each distinct answer weighted by how often it was given, the
clustering seeded); each cluster becomes a theme whose examples are its answers nearest the
centre. The result is a DRAFT, written as a `free_text` question to paste into an instrument:
clusters are not themes until someone names them and checks their examples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from chorus.core import write_atomic
from chorus.surveys.errors import DatasetError
from chorus.surveys.free_text import embed


def draft_themes(
    texts: Sequence[str], k: int, seed: int = 0, examples: int = 4
) -> list[tuple[list[str], int]]:
    """k clusters of the answers, largest first: each its answers nearest the centre and how
    many answers (with repeats) it holds."""
    from sklearn.cluster import KMeans

    counts = Counter(t.strip() for t in texts if t.strip())
    unique = sorted(counts)
    if len(unique) < k:
        raise ValueError(f"{len(unique)} distinct answers cannot make {k} themes: ask for fewer")
    vecs = embed(unique)
    weight = np.array([counts[u] for u in unique], dtype=float)
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(vecs, sample_weight=weight)
    out = []
    for c in range(k):
        members = np.flatnonzero(km.labels_ == c)
        nearest = members[np.argsort(-(vecs[members] @ km.cluster_centers_[c]), kind="stable")]
        out.append(([unique[i] for i in nearest[:examples]], int(weight[members].sum())))
    return sorted(out, key=lambda theme: -theme[1])


def write_draft(dataset: str, column: str, k: int, out: Path, seed: int = 0) -> int:
    """Write a draft `free_text` question whose codebook has `k` themes clustered from the
    answers in `column` of `dataset` (a name or descriptor YAML); returns the answers used."""
    from chorus.surveys.datasets import load_dataset

    ds = load_dataset(dataset)
    if column not in ds.table.columns:
        raise DatasetError(f"dataset {ds.name!r} has no column {column!r}")
    said = [str(v) for v in ds.table[column].dropna()]
    themes = draft_themes(said, k, seed)
    total = sum(n for _, n in themes)
    question = {
        "id": column,
        "text": "REVIEW: the question's wording",
        "kind": "free_text",
        "codebook": {
            "threshold": 0.4,
            "themes": [
                {"label": f"theme_{i + 1}", "text": ex[0], "examples": ex}
                for i, (ex, _) in enumerate(themes)
            ],
        },
        "sources": {ds.source_key: {"column": column, "coded": True}},
    }
    sizes = ", ".join(f"theme_{i + 1} {n / total:.0%}" for i, (_, n) in enumerate(themes))
    header = (
        f"# DRAFT codebook: {k} clusters (k-means on all-MiniLM-L6-v2 embeddings, seed {seed}) "
        f"of {total} answers in column {column!r} of {ds.name!r}.\n# Shares: {sizes}.\n"
        "# REVIEW: rename each theme, check its examples, then paste this question under an "
        "instrument's `questions:`.\n"
    )
    text = header + yaml.safe_dump([question], sort_keys=False, allow_unicode=True, width=100)
    write_atomic(out, lambda tmp: tmp.write_text(text))
    return total
