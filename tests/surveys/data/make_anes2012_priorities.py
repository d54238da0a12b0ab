"""Build anes2012_priorities.csv (1,500 respondents): a DERIVED ranking and open-answer test set.

Nobody was asked these: ANES 2012 as shipped has no ranking question and no open answers. Both
are derived from each real respondent's own answers to four separate items of the vendored
ANES 2012 data (federal spending on public schools, crime, Social Security, the environment:
increased / kept the same / decreased):

- `rank_<item>`: the four areas ranked by the respondent's own answers, increased first, then
  kept the same, then decreased; ties broken at random (seeded, the same for every run).
- `spend_more`: an "open answer" to "What should the federal government spend more on?",
  written from a fixed list of phrasings (one drawn at random, seeded) for the area ranked
  first if the respondent wanted its spending increased, else a phrasing of "nothing".

Respondents missing any of the four items have no answer. The respondents' demographic columns
are copied as they are (the descriptor maps them as anes2012's does), so the file can also be a
study's target population. Run from the repository root:
    python tests/surveys/data/make_anes2012_priorities.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
SOURCE = HERE.parents[2] / "chorus" / "surveys" / "data" / "anes2012" / "anes2012_respondents.csv"
ITEMS = {  # rank column -> ANES column
    "schools": "fedspend_schools",
    "crime": "fedspend_crime",
    "social_security": "fedspend_ss",
    "environment": "fedspend_enviro",
}
DEMOGRAPHICS = ["dem_age6", "gender", "dem_raceeth", "dem_edugroup", "inc_incgroup_pre",
                "relig_4cat", "sample_state", "pid_x", "libcpre_self"]  # fmt: skip
SCORE = {"1. Increased": 2, "3. [Kept about the same/ Kept the same]": 1, "2. Decreased": 0}
SAID = {  # how a respondent's top priority is written as an open answer
    "schools": ["More money for public schools", "Education and our schools",
                "Teachers and public education"],
    "crime": ["Fighting crime", "More police to deal with crime", "Crime and public safety"],
    "social_security": ["Social Security", "Keeping Social Security for retirees",
                        "Pensions for older people through Social Security"],
    "environment": ["Protecting the environment", "Clean air and water",
                    "The environment and pollution"],
    "nothing": ["Nothing, they spend too much already", "Nothing, cut spending instead",
                "Nothing more"],
}  # fmt: skip


def derive(anes: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    ranks: dict[str, list[float]] = {f"rank_{item}": [] for item in ITEMS}
    said: list[str | None] = []
    for _, row in anes.iterrows():
        answers = [row[col] for col in ITEMS.values()]
        if any(pd.isna(a) for a in answers):
            for col in ranks.values():
                col.append(np.nan)
            said.append(None)
            continue
        tie_break = rng.permutation(len(ITEMS))  # the seeded random order among equals
        order = sorted(range(len(ITEMS)), key=lambda i: (-SCORE[answers[i]], tie_break[i]))
        for rank, i in enumerate(order, start=1):
            ranks[f"rank_{list(ITEMS)[i]}"].append(rank)
        top = list(ITEMS)[order[0]] if SCORE[answers[order[0]]] == 2 else "nothing"
        said.append(SAID[top][int(rng.integers(len(SAID[top])))])
    out = pd.DataFrame(
        {"caseid": anes["caseid"].to_numpy(), "weight": anes["weight_full"].to_numpy()}
    )
    for name, col in ranks.items():
        out[name] = pd.array(col, dtype="Int64")
    out["spend_more"] = said
    return pd.concat([out, anes[DEMOGRAPHICS].reset_index(drop=True)], axis=1)


if __name__ == "__main__":
    anes = pd.read_csv(SOURCE).sample(1500, random_state=0).sort_index()  # small: 1,500 people
    derive(anes, np.random.default_rng(0)).to_csv(HERE / "anes2012_priorities.csv", index=False)
