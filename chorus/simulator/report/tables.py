"""Every table of a study's report as a DataFrame, for the CSV exports (tables/NAME.csv in the
run folder, and download links in report.html)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import pandas as pd

from chorus.surveys.score_schema import Figure

if TYPE_CHECKING:
    from chorus.simulator.study.result import StudyScores
    from chorus.surveys import Score
    from chorus.surveys.score_schema import Floor

_STYLE_FIGURES = (
    "wd", "wd_raw", "frobenius", "alpha_sim", "representativeness", "dispersion_median"
)  # fmt: skip
_FLOOR_FIGURES = (("wd", "wd"), ("wd_raw", "wd_raw"), ("frobenius", "frobenius"),
                  ("alpha", "alpha_sim"))  # fmt: skip


def _spread(name: str, f: Figure) -> dict[str, Any]:
    return {name: f.value, f"{name}_lo": f.lo, f"{name}_hi": f.hi}


def _styles(rows: dict[str, Score], floor: Floor | None) -> pd.DataFrame:
    recs = []
    for name, r in rows.items():
        rec: dict[str, Any] = {"row": name, "n": r.n_personas}
        for key in _STYLE_FIGURES:
            rec |= _spread(key, getattr(r, key))
        rec |= {"beats_uniform": r.beats_uniform.beats} | _spread("margin", r.beats_uniform.margin)
        if r.equivalent_panel is not None:
            e = r.equivalent_panel
            rec |= {"wd_over_floor": e.wd_over_floor, "equivalent_panel_n": e.n}
        recs.append(rec)
    if floor:
        rec = {"row": "real panel (floor)", "n": floor.n}
        for key, col in _FLOOR_FIGURES:
            rec |= _spread(col, getattr(floor, key))
        recs.append(rec)
    return pd.DataFrame(recs)


def report_tables(scores: StudyScores) -> dict[str, pd.DataFrame]:
    """name -> table: the styles' headline figures (with uniform and the floor), the styles on
    a tuned model's in-sample questions (`in_sample`, when there are any), and per style
    the questions, subgroups, individual-level figures, gaps and perception errors, and every
    figure with its interval."""
    out = {"styles": _styles(scores.rows, scores.human_floor)}
    if scores.in_sample:  # a tuned model's trained-on questions, apart from every other table
        out["in_sample"] = _styles(scores.in_sample.rows, None)
    per_style: dict[str, list[pd.DataFrame]] = {}
    for name, score in scores.rows.items():
        for table, frame in score.tables().items():
            per_style.setdefault(table, []).append(frame.assign(row=name))
        per_style.setdefault("gaps", []).append(
            pd.DataFrame([_flat(g.model_dump()) for g in score.gaps]).assign(row=name)
        )
        per_style.setdefault("perceptions", []).append(
            pd.DataFrame([_flat(p.model_dump()) for p in score.perceptions]).assign(row=name)
        )
    for table, frames in per_style.items():
        out[table] = pd.concat(frames, ignore_index=True)
    return out


def _flat(rec: dict[str, Any]) -> dict[str, Any]:
    """Figures {value, lo, hi, method} spread into name, name_lo, name_hi columns."""
    out: dict[str, Any] = {}
    for k, v in rec.items():
        if isinstance(v, dict) and "value" in v:
            out |= {k: v["value"], f"{k}_lo": v.get("lo"), f"{k}_hi": v.get("hi")}
        else:
            out[k] = v
    return out


def csv_uri(table: pd.DataFrame) -> str:
    return "data:text/csv;base64," + base64.b64encode(table.to_csv(index=False).encode()).decode()
