"""Plots for the report, each returned as a PNG data URI so report.html is self-contained."""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HUMAN, SIM = "#4c72b0", "#dd8452"


def _uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def distribution(qid: str, labels: list[str], human: list[float], sim: list[float]) -> str:
    fig, ax = plt.subplots(figsize=(4.2, 2.4))
    x = np.arange(len(labels))
    ax.bar(x - 0.2, human, 0.4, label="human (weighted)", color=HUMAN)
    ax.bar(x + 0.2, sim, 0.4, label="simulated", color=SIM)
    ax.set_xticks(x, [lab[:14] for lab in labels], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("share")
    ax.set_title(qid, fontsize=9)
    ax.legend(fontsize=7)
    return _uri(fig)


def heatmaps(
    questions: list[str], human: list[list[Any]], sim: list[list[Any]], frobenius: float
) -> str:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for ax, mat, title in zip(axes, (human, sim), ("human", "simulated")):
        m = np.array([[np.nan if v is None else v for v in row] for row in mat], dtype=float)
        im = ax.imshow(m, vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_xticks(range(len(questions)), questions, rotation=90, fontsize=6)
        ax.set_yticks(range(len(questions)), questions, fontsize=6)
        ax.set_title(f"{title} correlations", fontsize=9)
    fig.colorbar(im, ax=axes, shrink=0.7)
    fig.suptitle(f"Frobenius distance {frobenius:.3f}", fontsize=10)
    return _uri(fig)


def group_bars(question: str, rows: list[dict[str, Any]]) -> str:
    fig, ax = plt.subplots(figsize=(4.6, 2.6))
    groups = [r["group"] for r in rows]
    x = np.arange(len(groups))
    ax.bar(x - 0.2, [r["human"] or 0 for r in rows], 0.4, label="human", color=HUMAN)
    ax.bar(x + 0.2, [r["sim"] or 0 for r in rows], 0.4, label="simulated", color=SIM)
    ax.set_xticks(x, [f"{g}\nanswering" for g in groups], fontsize=8)
    ax.set_ylabel("mean answer")
    ax.set_title(question, fontsize=9)
    ax.legend(fontsize=7)
    return _uri(fig)


def bars(
    title: str,
    names: list[str],
    values: list[float],
    ylabel: str,
    ylim: tuple[float, float] | None = None,
) -> str:
    fig, ax = plt.subplots(figsize=(max(3.5, 0.5 * len(names) + 1.5), 2.6))
    ax.bar(range(len(names)), values, color=SIM)
    ax.set_xticks(range(len(names)), [n[:16] for n in names], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel(ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_title(title, fontsize=9)
    return _uri(fig)
