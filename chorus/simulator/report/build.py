"""Render report.html from a finished run's metrics, match diagnostics and episodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from chorus.core import Templates
from chorus.simulator.report import figures
from chorus.simulator.report.tables import csv_uri

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


def _num(x: float | None, fmt: str = "{:.3f}") -> str:
    return "–" if x is None else fmt.format(x)


def _style_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, r in metrics["rows"].items():
        out.append(
            {
                "name": name,
                "n": r["n_personas"],
                "wd": r["wd"],
                "wd_raw": r["wd_raw"],
                "frobenius": r["frobenius"],
                "alpha": r["alpha_sim"],
                "margin": r["beats_uniform"]["margin"] if name != "uniform" else None,
                "beats": r["beats_uniform"]["beats"] if name != "uniform" else None,
                "r": r["representativeness"],
                "dispersion": r["dispersion_median"],
            }
        )
    floor = metrics.get("human_floor")
    if floor:
        out.append(
            {"name": "human floor (split halves)", "n": floor["n"], "wd": floor["wd"],
             "wd_raw": floor["wd_raw"], "frobenius": floor["frobenius"], "alpha": floor["alpha"],
             "margin": None, "beats": None, "r": None, "dispersion": None}
        )  # fmt: skip
    return out


def _questions(rows: dict[str, Any]) -> list[dict[str, Any]]:
    """One card per question: the plot of every style against the humans, and its numbers."""
    styles = [name for name in rows if name != "uniform"]
    by_style = {name: {q["id"]: q for q in rows[name]["questions"]} for name in styles}
    cards = []
    for q in rows["backstory"]["questions"]:
        per = [(name, by_style[name].get(q["id"])) for name in styles]
        per = [(name, sq) for name, sq in per if sq is not None]
        note = (
            f"backstory {q['metric'].upper()} {_fig(q['wd'])} · human floor "
            f"{_num(q['floor'])} · uniform {_num(q['uniform'])}"
        )
        cards.append(
            {
                "q": q,
                "note": note,
                "styles": per,
                "img": figures.distribution(
                    q["text"],
                    q["options"],
                    (q["human"], q["human_err"]),
                    [(name, sq["sim"], sq["sim_err"]) for name, sq in per],
                    note,
                ),
            }
        )
    return cards


def render(
    study,
    manifest: dict,
    metrics: dict,
    matching: dict,
    episodes: list,
    consensus: dict | None,
    tables: dict[str, Any],
) -> str:
    from chorus.simulator.consensus import SocialWelfare

    rows = metrics["rows"]
    backstory = rows["backstory"]
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
        style_rows=_style_rows(metrics),
        fig=_fig,
        num=_num,
        est=_est,
        questions=_questions(rows),
        individual=[(n, r["individual"]) for n, r in rows.items() if r.get("individual")],
        subgroups=backstory["subgroups"],
        csv={name: csv_uri(t) for name, t in tables.items()},
        heatmap=figures.heatmaps(
            corr["questions"], corr["human"], corr["sim"], corr["frobenius"] or float("nan")
        ),
        group_imgs=[
            {"question": q, "img": figures.group_bars(q, g[0]["text"], g)}
            for q, g in by_q.items()
        ],
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
