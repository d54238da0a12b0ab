"""Build anes2012_support.csv (1,500 respondents): a DERIVED check-all-that-apply test set.

Nobody was asked it: ANES 2012 has no check-all-that-apply question. This file derives one
from each real respondent's own answers to five separate items of the vendored ANES 2012 data:
"Which of these do you support?" selects an option where the respondent gave the supporting
answer to its item, and "none of these" where they supported none. Respondents missing any of
the five items have no answer. Run from the repository root:
    python tests/surveys/data/make_anes2012_support.py
"""

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
SOURCE = HERE.parents[2] / "chorus" / "surveys" / "data" / "anes2012" / "anes2012_respondents.csv"
ITEMS = {  # option label -> (ANES column, the supporting answer)
    "same_sex_marriage": ("gay_marry", "Yes"),
    "death_penalty": ("penalty_favdpen", "1. Favor"),
    "stricter_gun_laws": ("gun_control", "1. More difficult"),
    "legal_marijuana": ("pot_legal", "1. Favor"),
    "more_environment_spending": ("fedspend_enviro", "1. Increased"),
}


def support(row: pd.Series) -> str | None:
    if any(pd.isna(row[col]) for col, _ in ITEMS.values()):
        return None
    chosen = [label for label, (col, yes) in ITEMS.items() if row[col] == yes]
    return ";".join(chosen) if chosen else "none"


if __name__ == "__main__":
    anes = pd.read_csv(SOURCE).sample(1500, random_state=0).sort_index()  # small: 1,500 people
    out = pd.DataFrame(
        {"caseid": anes["caseid"], "weight": anes["weight_full"],
         "support": anes.apply(support, axis=1)}
    )  # fmt: skip
    out.to_csv(HERE / "anes2012_support.csv", index=False)
