"""Answer shares of a population from a human pilot and simulated answers: for each question x
option, overall and per subgroup, the human-only survey-weighted share with its 95% interval, the
simulation-only share, and the PPI++ share with its interval, lambda and effective sample size.

The simulated answer of a person is their option *distribution*, so the prediction PPI rectifies
is the expectation over the persona's distribution (the probability on the option), never a
sampled answer.

Each kind's per-option figure is a mean of one number per person (`QuestionKind.share_rows`), so
the same estimators hold for all (the table's `measure` says which): the share of an option
(`share`, one answer per person: one-of-K kinds and the themes of open answers), the selection
rate of each option of a check-all-that-apply question (`selection_rate`, from 0/1 selections
and the personas' inclusion probabilities; the rates do not sum to 1), and the share ranking
each item first for a ranking (`top1_share`, from the item-by-rank rows' first column)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chorus.surveys.estimates.ppi import classical_mean, ppi_mean, simulation_mean
from chorus.surveys.metrics.responses import ResponseSet
from chorus.surveys.schema import Question

MIN_SUBGROUP_PILOT = 20  # below this many pilot respondents a subgroup's estimate is flagged


def _known(rows: np.ndarray) -> np.ndarray:
    return ~np.isnan(rows).any(axis=1)


def _cells(
    q: Question,
    y: np.ndarray,
    yhat: np.ndarray,
    w: np.ndarray,
    frame: np.ndarray,
    wf: np.ndarray,
    scope: dict,
) -> list[dict]:
    human, sim = classical_mean(y, w), simulation_mean(frame, wf)
    ppi = ppi_mean(y, yhat, frame, w, wf)  # every option at once, each tuned on its own

    def at(e, k: int) -> dict:
        return {"": float(e.value[k]), "_lo": float(e.lo[k]), "_hi": float(e.hi[k])}

    out = []
    for k, opt in enumerate(q.substantive_options):
        row = scope | {"question": q.id, "option": opt.label, "measure": q.spec.share_measure,
                       "n_pilot": len(y), "n_frame": len(frame)}  # fmt: skip
        for name, e in (("human", human), ("sim", sim), ("ppi", ppi)):
            row |= {name + suffix: v for suffix, v in at(e, k).items()}
        row |= {"lam": float(ppi.lam[k]), "n_eff": float(ppi.n_eff[k])}  # type: ignore[index]
        out.append(row)
    return out


def estimate_shares(
    pilot: ResponseSet,
    pilot_sim: ResponseSet,
    frame_sim: ResponseSet,
    questions: list[Question],
    traits: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, list[str]]:
    """(table, warnings). `pilot` holds the pilot respondents' real answers (one-hot rows),
    `pilot_sim` their simulated distributions in the same order, `frame_sim` the frame's; the
    frame's weights describe the population. Subgroups by each trait in `traits`."""
    rows: list[dict] = []
    warnings: list[str] = []
    scopes: list[tuple[str, str, np.ndarray, np.ndarray]] = [
        ("all", "all", np.ones(pilot.n, bool), np.ones(frame_sim.n, bool))
    ]
    for t in traits:
        p_t, f_t = pilot.traits.get(t), frame_sim.traits.get(t)
        if p_t is None or f_t is None:
            raise ValueError(f"subgroup trait {t!r} is missing from the pilot or the frame")
        for g in sorted({str(v) for v in np.concatenate([p_t, f_t]) if v is not None}):
            scopes.append((t, g, p_t == g, f_t == g))
    for q in questions:
        got = [pilot.self_rows(q.id), pilot_sim.self_rows(q.id), frame_sim.self_rows(q.id)]
        if any(rows is None for rows in got):
            warnings.append(f"{q.id}: no pilot answers or no simulated answers: not estimated")
            continue
        k = len(q.substantive_options)
        y_all, yhat_all, f_all = (q.spec.share_rows(rows, k) for rows in got if rows is not None)
        for trait, group, p_in, f_in in scopes:
            ok = p_in & _known(y_all) & _known(yhat_all)
            f_ok = f_in & _known(f_all)
            if ok.sum() < 2 or f_ok.sum() < 1:
                warnings.append(
                    f"{q.id} [{trait}={group}]: {int(ok.sum())} pilot respondents answered: "
                    "not estimated"
                )
                continue
            if trait != "all" and ok.sum() < MIN_SUBGROUP_PILOT:
                warnings.append(
                    f"{q.id} [{trait}={group}]: only {int(ok.sum())} pilot respondents (fewer "
                    f"than {MIN_SUBGROUP_PILOT}): the estimate is reported, read it as rough"
                )
            rows += _cells(
                q, y_all[ok], yhat_all[ok], pilot.weights[ok], f_all[f_ok],
                frame_sim.weights[f_ok], {"trait": trait, "group": group},
            )  # fmt: skip
    return pd.DataFrame(rows), warnings
