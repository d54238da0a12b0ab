"""Build anes2012_whole.csv (400 respondents): one DERIVED table for a questionnaire of every
question kind, asked and scored in one run (tests/surveys/test_every_kind.py).

It joins, respondent by respondent, what the two derived test sets already hold with real ANES
2012 answers; nothing new is invented:

- real answers from the vendored ANES 2012 data: `owngun_owngun`, `gun_control`, `ft_dem` (the
  0-100 thermometer), `fedspend_poor`, `fedspend_crime`, and the respondent's demographics as
  anes2012's own descriptor maps them (`age`, `gender`, ... in chorus's canonical categories);
- `support` (check all that apply) as anes2012_support.csv derives it;
- `rank3_<item>`: the order of three of the four areas that anes2012_priorities.csv ranks
  (schools, crime, Social Security), renumbered 1-3 with the environment left out, and
  `spend_more`, its "open answer" (a fixed phrasing, not a person's words).

The 400 are the first 400 respondents of those two files (the same 1,500 people, the same
order). Run from the repository root:
    python tests/surveys/data/make_anes2012_whole.py
"""

from pathlib import Path

import pandas as pd

from chorus.surveys import demographic_traits, load_dataset

HERE = Path(__file__).parent
N = 400
REAL = ["owngun_owngun", "gun_control", "ft_dem", "fedspend_poor", "fedspend_crime"]
RANKED = ["schools", "crime", "social_security"]  # the environment is left out


def derive() -> pd.DataFrame:
    support = pd.read_csv(HERE / "anes2012_support.csv", dtype={"caseid": str}).head(N)
    priorities = pd.read_csv(HERE / "anes2012_priorities.csv", dtype={"caseid": str}).head(N)
    assert (support["caseid"] == priorities["caseid"]).all(), "the two files list other people"
    anes = load_dataset("anes2012").respondents().set_index("respondent_id")
    people = anes.loc[support["caseid"]].reset_index(drop=True)
    out = support[["caseid", "weight", "support"]].copy()
    full = priorities[[f"rank_{item}" for item in RANKED]]
    for item, rank in zip(RANKED, full.rank(axis=1).to_numpy().T, strict=True):
        out[f"rank3_{item}"] = pd.array(rank, dtype="Int64")  # NaN rows stay unanswered
    out["spend_more"] = priorities["spend_more"]
    out[REAL] = people[REAL]
    out[list(demographic_traits())] = people[list(demographic_traits())]
    return out


if __name__ == "__main__":
    derive().to_csv(HERE / "anes2012_whole.csv", index=False)
