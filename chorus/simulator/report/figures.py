"""Plots for the report, each returned as a PNG data URI so report.html is self-contained."""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

if TYPE_CHECKING:
    from chorus.simulator.study.result import GroupMean

HUMAN, SIM = "#4c72b0", "#dd8452"


def _uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def distribution(
    text: str,
    options: list[str],
    human: tuple[list[float], list[float]],
    styles: list[tuple[str, list[float], list[float]]],
    note: str,
    chance: float | None = None,
) -> str:
    """Human and every style's answer shares with 95% error bars, chance dashed (the kind's:
    1/K of one-of-K shares by default, 1/2 for check-all-that-apply selection rates), the
    question's wording as the title and the options' wordings (the scale anchors) as ticks;
    `note` (distance, floor, uniform) under the title."""
    series = [("human (weighted)", *human)] + styles
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(4.6, 0.9 * len(options) + 2.4), 3.3))
    x = np.arange(len(options))
    colors = [HUMAN, SIM, "#55a868", "#8172b3", "#937860", "#da8bc3"]
    for i, (name, shares, err) in enumerate(series):
        ax.bar(x - 0.4 + width * (i + 0.5), shares, width, yerr=err, capsize=2, label=name,
               color=colors[i % len(colors)], error_kw={"elinewidth": 0.8})  # fmt: skip
    level = 1.0 / len(options) if chance is None else chance
    ax.axhline(level, color="#444", linestyle="--", linewidth=1, label="chance")
    ax.set_xticks(x, [textwrap.fill(o, 16) for o in options], fontsize=6)
    ax.set_ylabel("share")
    ax.set_title(textwrap.fill(text, 70) + "\n" + note, fontsize=7)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _uri(fig)


def cumulative(
    text: str,
    values: list[float],
    human: list[float],
    styles: list[tuple[str, list[float]]],
    note: str,
) -> str:
    """A numeric question: the human and every style's cumulative distribution over the values,
    each median as a dotted vertical line (the distance is the area between two curves)."""
    fig, ax = plt.subplots(figsize=(6.2, 3.3))
    colors = [HUMAN, SIM, "#55a868", "#8172b3", "#937860", "#da8bc3"]
    for i, (name, shares) in enumerate([("human (weighted)", human)] + styles):
        cdf = np.cumsum(shares) / np.sum(shares)
        color = colors[i % len(colors)]
        ax.step(values, cdf, where="post", color=color, label=name, linewidth=1.2)
        ax.axvline(values[int(np.searchsorted(cdf, 0.5))], color=color, linestyle=":")
    ax.set_xlabel("answer")
    ax.set_ylabel("cumulative share")
    ax.set_title(textwrap.fill(text, 70) + "\n" + note, fontsize=7)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _uri(fig)


def ranks(
    text: str,
    options: list[str],
    human: list[float],
    styles: list[tuple[str, list[float]]],
    note: str,
) -> str:
    """A ranking: each item's expected rank (1 = first) for the humans and every style, from the
    item-by-rank shares (K x K, item-major), chance ((K+1)/2) dashed."""
    k = len(options)
    series = [("human (weighted)", human)] + styles
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(4.6, 0.9 * k + 2.4), 3.3))
    x = np.arange(k)
    colors = [HUMAN, SIM, "#55a868", "#8172b3", "#937860", "#da8bc3"]
    for i, (name, flat) in enumerate(series):
        m = np.asarray(flat, dtype=float).reshape(k, k)
        expected = m @ np.arange(1, k + 1) / m.sum(axis=1)
        ax.bar(x - 0.4 + width * (i + 0.5), expected, width, label=name,
               color=colors[i % len(colors)])  # fmt: skip
    ax.axhline((k + 1) / 2, color="#444", linestyle="--", linewidth=1, label="uniform")
    ax.set_xticks(x, [textwrap.fill(o, 16) for o in options], fontsize=6)
    ax.set_ylim(k + 0.5, 0.5)  # rank 1 (first) at the top
    ax.set_ylabel("expected rank")
    ax.set_title(textwrap.fill(text, 70) + "\n" + note, fontsize=7)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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


def group_bars(question: str, text: str, rows: Sequence[GroupMean]) -> str:
    fig, ax = plt.subplots(figsize=(4.6, 2.6))
    groups = [r.group for r in rows]
    x = np.arange(len(groups))
    ax.bar(x - 0.2, [r.human or 0 for r in rows], 0.4, label="human", color=HUMAN)
    ax.bar(x + 0.2, [r.sim or 0 for r in rows], 0.4, label="simulated", color=SIM)
    ax.set_xticks(x, [f"{g}\nanswering" for g in groups], fontsize=8)
    ax.set_ylabel("mean answer")
    ax.set_title(f"{question}: " + textwrap.fill(text, 60), fontsize=7)
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
