"""Every table of a study's report as a DataFrame, for the CSV exports (tables/NAME.csv in the
run folder, and download links in report.html)."""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd

from chorus.surveys import Score


def _styles(metrics: dict[str, Any]) -> pd.DataFrame:
    recs = []
    for name, r in metrics["rows"].items():
        rec: dict[str, Any] = {"row": name, "n": r["n_personas"]}
        for key in ("wd", "wd_raw", "frobenius", "alpha_sim", "representativeness",
                    "dispersion_median"):  # fmt: skip
            rec |= {key: r[key]["value"], f"{key}_lo": r[key]["lo"], f"{key}_hi": r[key]["hi"]}
        margin = r["beats_uniform"]["margin"]
        rec |= {"beats_uniform": r["beats_uniform"]["beats"], "margin": margin["value"],
                "margin_lo": margin["lo"], "margin_hi": margin["hi"]}  # fmt: skip
        recs.append(rec)
    floor = metrics.get("human_floor")
    if floor:
        rec = {"row": "human floor", "n": floor["n"]}
        for key, col in (("wd", "wd"), ("wd_raw", "wd_raw"), ("frobenius", "frobenius"),
                         ("alpha", "alpha_sim")):  # fmt: skip
            rec |= {col: floor[key]["value"], f"{col}_lo": floor[key]["lo"],
                    f"{col}_hi": floor[key]["hi"]}  # fmt: skip
        recs.append(rec)
    return pd.DataFrame(recs)


def report_tables(metrics: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """name -> table: the styles' headline figures (with uniform and the floor), and per style
    the questions, subgroups, individual-level figures, gaps and perception errors, and every
    figure with its interval."""
    out = {"styles": _styles(metrics)}
    per_style: dict[str, list[pd.DataFrame]] = {}
    for name, r in metrics["rows"].items():
        score = Score.model_validate(r)
        for table, frame in score.tables().items():
            per_style.setdefault(table, []).append(frame.assign(row=name))
        per_style.setdefault("gaps", []).append(
            pd.DataFrame([_flat(g) for g in r["gaps"]]).assign(row=name)
        )
        per_style.setdefault("perceptions", []).append(
            pd.DataFrame([_flat(p) for p in r["perceptions"]]).assign(row=name)
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
