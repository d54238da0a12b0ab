"""Render report.html from a finished run's metrics, match diagnostics and episodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chorus.core import Templates
from chorus.simulator.consensus import Episode, Estimate
from chorus.simulator.report import figures
from chorus.simulator.report.tables import csv_uri
from chorus.simulator.study.result import GroupMean, StudyResult
from chorus.surveys import Score, kind_spec
from chorus.surveys.score_schema import Figure, Floor, QuestionScore

TEMPLATES = Templates(Path(__file__).resolve().parent / "templates", html=True)
SWFS = ("utilitarian", "nash", "rawlsian", "alpha=0.5")


def _fig(f: Figure | None) -> str:
    if f is None or f.value is None:
        return "–"
    if f.lo is None or f.hi is None:
        return f"{f.value:.3f}"
    return f"{f.value:.3f} [{f.lo:.3f}, {f.hi:.3f}]"


def _est(e: Estimate | None) -> str:
    return "–" if e is None else f"{e.value:.2f} [{e.ci_low:.2f}, {e.ci_high:.2f}]"


def _num(x: float | None, fmt: str = "{:.3f}") -> str:
    return "–" if x is None else fmt.format(x)


def _style_rows(rows: dict[str, Score], floor: Floor | None) -> list[dict[str, Any]]:
    out = []
    for name, r in rows.items():
        chance = name != "uniform"
        out.append(
            {
                "name": name, "n": r.n_personas, "wd": r.wd, "wd_raw": r.wd_raw,
                "frobenius": r.frobenius, "alpha": r.alpha_sim,
                "margin": r.beats_uniform.margin if chance else None,
                "beats": r.beats_uniform.beats if chance else None,
                "r": r.representativeness, "dispersion": r.dispersion_median,
                "equivalent": _equivalent(r),
            }
        )  # fmt: skip
    if floor:
        out.append(
            {"name": "real panel (floor)", "n": floor.n, "wd": floor.wd,
             "wd_raw": floor.wd_raw, "frobenius": floor.frobenius, "alpha": floor.alpha,
             "margin": None, "beats": None, "r": None, "dispersion": None,
             "equivalent": f"{floor.n} (1.00)"}
        )  # fmt: skip
    return out


def _equivalent(r: Score) -> str:
    """The row's equivalent real panel size and its WD / floor ratio, in words."""
    e = r.equivalent_panel
    if e is None:
        return "–"
    size = f"{e.n:.0f}" if e.n is not None else e.note
    return size if e.wd_over_floor is None else f"{size} ({e.wd_over_floor:.2f})"


def _questions(styles: dict[str, Score]) -> list[dict[str, Any]]:
    """One card per question: the plot of every style against the humans, and its numbers."""
    by_style = {name: {q.id: q for q in s.questions} for name, s in styles.items()}
    cards = []
    for q in styles["backstory"].questions:
        per: list[tuple[str, QuestionScore]] = [
            (name, by_style[name][q.id]) for name in styles if q.id in by_style[name]
        ]
        note = (
            f"backstory {q.metric.upper()} {_fig(q.wd)} · real-panel floor "
            f"{_num(q.floor)} · uniform {_num(q.uniform)}"
        )
        if q.ask_if:  # weighted by each persona's probability of meeting the condition
            note += f"\nasked if {q.ask_if} (simulated: {_num(q.sim_asked)} expected to be asked)"
        cards.append(
            {
                "q": q,
                "note": note,
                "styles": per,
                "img": _plot(q, per, note),
            }
        )
    return cards


def _plot(q: QuestionScore, per: list[tuple[str, QuestionScore]], note: str) -> str:
    """Shares per option for one-of-K kinds; for kinds that summarise a distribution over many
    values (numbers), the cumulative distributions with the medians marked; for rankings, each
    item's expected rank."""
    if kind_spec(q.kind).plot == "ranks":
        return figures.ranks(q.text, q.options, q.human, [(n, sq.sim) for n, sq in per], note)
    if q.human_summary:
        return figures.cumulative(
            q.text, [float(x) for x in q.labels], q.human, [(n, sq.sim) for n, sq in per], note
        )
    chance = float(np.mean(kind_spec(q.kind).chance(len(q.labels))))  # 1/2: inclusion rates
    return figures.distribution(
        q.text, q.options, (q.human, q.human_err), [(n, sq.sim, sq.sim_err) for n, sq in per], note,
        chance,
    )


def _open_answers(themes: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Each open question with its themes, shares and example answers (the panel's own)."""
    if themes is None or themes.empty:
        return []
    return [
        {"id": qid, "text": group["question"].iloc[0], "themes": group.to_dict("records")}
        for qid, group in themes.groupby("question_id", sort=False)
    ]


def _episode(e: Episode) -> dict[str, Any]:
    from chorus.simulator.consensus import SocialWelfare

    final = np.array([e.agreement[p] for p in e.participants])
    return {
        "question": e.question.text,
        "opinions": e.opinions,
        "statement": e.statement,
        "img": figures.bars(
            "final agreement (1-7)", e.participants, final.tolist(), "agreement", (1, 7)
        ),
        "welfare": [(s, float(SocialWelfare.parse(s).scores(final[:, None])[0])) for s in SWFS],
        "exclusions": e.exclusions,
        "flags": e.flags,
    }


def render(
    result: StudyResult, tables: dict[str, pd.DataFrame], themes: pd.DataFrame | None = None
) -> str:
    """report.html; `themes` (Results.themes of the backstory panel) lists the open questions'
    themes with example answers."""
    scores = result.scores
    backstory = scores.styles["backstory"]
    corr = scores.correlations
    by_q: dict[str, list[GroupMean]] = {}
    for g in scores.groups:
        by_q.setdefault(g.question, []).append(g)
    trait_agreement = result.matching.trait_agreement
    return TEMPLATES.render(
        "report.html.j2",
        study=result.study,
        manifest=result.manifest,
        scores=scores,
        backstory=backstory,
        style_rows=_style_rows(scores.rows, scores.human_floor),
        in_sample=scores.in_sample,
        in_sample_rows=_style_rows(scores.in_sample.rows, None) if scores.in_sample else [],
        fig=_fig,
        num=_num,
        est=_est,
        questions=_questions(scores.styles),
        grids=[(name, g) for name, s in scores.styles.items() for g in s.grids],
        open_answers=_open_answers(themes),
        individual=[(n, r.individual) for n, r in scores.rows.items() if r.individual],
        subgroups=backstory.subgroups,
        csv={name: csv_uri(t) for name, t in tables.items()},
        heatmap=figures.heatmaps(
            corr.questions, corr.human, corr.sim, corr.frobenius or float("nan")
        ),
        group_imgs=[
            {"question": q, "img": figures.group_bars(q, g[0].text, g)} for q, g in by_q.items()
        ],
        gaps=backstory.gaps,
        perceptions=backstory.perceptions,
        matching=result.matching,
        trait_img=figures.bars(
            "share of pairs whose persona's likeliest category is the respondent's",
            list(trait_agreement),
            [v or 0.0 for v in trait_agreement.values()],
            "share",
            (0, 1),
        ),
        episodes=[_episode(e) for e in result.episodes],
        consensus=result.consensus,
        estimates=result.estimates,
        estimate_rows=[r for r in result.estimates.rows if r["trait"] == "all"]
        if result.estimates
        else [],
    )
