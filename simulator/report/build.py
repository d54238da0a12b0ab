"""Render report.html from a finished run's metrics, match diagnostics and episodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from chorus.engines import Templates
from chorus.simulator.report import figures

TEMPLATES = Templates(Path(__file__).resolve().parent / "templates", html=True)
SWFS = ("utilitarian", "nash", "rawlsian", "alpha=0.5")


def _fig(f: dict[str, Any] | None) -> str:
    if not f or f.get("value") is None:
        return "–"
    if f.get("lo") is None or f.get("hi") is None:
        return f"{f['value']:.3f}"
    return f"{f['value']:.3f} [{f['lo']:.3f}, {f['hi']:.3f}]"


def _est(e: dict[str, Any] | None) -> str:
    if not e:
        return "–"
    return (
        f"{e['value']:.2f} [{e['lo']:.2f}, {e['hi']:.2f}]"
        if e.get("lo") is not None
        else f"{e['value']:.2f}"
    )


def render(
    study, manifest: dict, metrics: dict, matching: dict, episodes: list, consensus: dict | None
) -> str:
    from chorus.simulator.consensus import SocialWelfare

    rows = metrics["rows"]
    style_rows = [
        (
            name,
            {
                "wd": r["wd"],
                "wd_raw": r["wd_raw"],
                "frobenius": r["frobenius"],
                "alpha": r["alpha_sim"],
            },
        )
        for name, r in rows.items()
    ]
    floor = metrics.get("human_floor")
    if floor:
        style_rows.append(("human floor (split halves)", floor))
    backstory = rows["backstory"]
    questions = [
        {
            "id": q["id"],
            "wd": q["wd"],
            "img": figures.distribution(q["id"], q["labels"], q["human"], q["sim"]),
        }
        for q in backstory["questions"]
    ]
    corr = metrics["correlations"]
    by_q: dict[str, list] = {}
    for g in metrics["groups"]:
        by_q.setdefault(g["question"], []).append(g)
    eps = []
    for e in episodes:
        final = np.array([e.agreement[p] for p in e.participants])
        eps.append(
            {
                "question": e.question.text,
                "opinions": e.opinions,
                "statement": e.statement,
                "img": figures.bars(
                    "final agreement (1-7)", e.participants, final.tolist(), "agreement", (1, 7)
                ),
                "welfare": [
                    (s, float(SocialWelfare.parse(s).scores(final[:, None])[0])) for s in SWFS
                ],
                "exclusions": e.exclusions,
                "flags": e.flags,
            }
        )
    return TEMPLATES.render(
        "report.html.j2",
        study=study,
        manifest=manifest,
        metrics=metrics,
        style_rows=style_rows,
        fig=_fig,
        est=_est,
        questions=questions,
        heatmap=figures.heatmaps(
            corr["questions"], corr["human"], corr["sim"], corr["frobenius"] or float("nan")
        ),
        group_imgs=[{"question": q, "img": figures.group_bars(q, g)} for q, g in by_q.items()],
        gaps=backstory["gaps"],
        perceptions=backstory["perceptions"],
        matching=matching,
        trait_img=figures.bars(
            "share of pairs whose persona's likeliest category is the respondent's",
            list(matching["trait_agreement"]),
            [v or 0.0 for v in matching["trait_agreement"].values()],
            "share",
            (0, 1),
        ),
        episodes=eps,
        consensus=consensus,
    )
