"""The vendored GSS 2006-2008-2010 panel: waves as subsets, its instrument, test-retest reach."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chorus.surveys import (
    DatasetError,
    SurveyFileError,
    demographic_traits,
    load_dataset,
    load_instrument,
)
from chorus.surveys.datasets import DATA_DIR

CSV = DATA_DIR / "gss2006panel" / "gss2006panel_respondents.csv"
WAVES = {
    "gss2006panel": (2006, 2000),
    "gss2006panel:2008": (2008, 1536),
    "gss2006panel:2010": (2010, 1276),
}


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The CSV read independently of chorus (the way the data's notes say to read it)."""
    return pd.read_csv(CSV, dtype=str, keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def inst():
    return load_instrument("gss2006panel")


@pytest.fixture(scope="module")
def answers(inst) -> dict[str, pd.DataFrame]:
    """Every wave's answers to the whole instrument (computed once: ~150 columns x 3 waves)."""
    return {name: load_dataset(name).answers(inst) for name in WAVES}


@pytest.mark.parametrize("name", list(WAVES))
def test_each_wave_is_one_row_per_person_with_canonical_traits(name, raw):
    wave, n = WAVES[name]
    people = load_dataset(name).respondents()
    assert len(people) == n and people["respondent_id"].is_unique
    assert (people["wave"] == wave).all()
    # ids stay zero-padded text, as in the file
    assert set(people["respondent_id"]) == set(raw.loc[raw["wave"] == str(wave), "respondent_id"])
    for trait, cats in demographic_traits().items():
        assert set(people[trait].dropna()) <= set(cats), trait
        assert people[trait].notna().mean() > 0.8, trait


def test_weights_per_wave(raw):
    assert (load_dataset("gss2006panel").respondents()["weight"] == 1.0).all()
    w08 = load_dataset("gss2006panel:2008").respondents().set_index("respondent_id")["weight"]
    r08 = raw[raw["wave"] == "2008"].set_index("respondent_id")["wtpannr12"].astype(float)
    assert np.allclose(w08.sort_index(), r08.sort_index())
    w10 = load_dataset("gss2006panel:2010").respondents()["weight"]
    assert w10.sum() == pytest.approx(
        raw.loc[raw["wave"] == "2010", "wtpannr123"].astype(float).sum()
    )


def test_demographics_follow_the_documented_rules(raw):
    people = load_dataset("gss2006panel").respondents().set_index("respondent_id")
    r = raw[raw["wave"] == "2006"].set_index("respondent_id")
    # race_ethnicity (added by chorus) = Hispanic where `hispanic` names an origin, else `race`
    hispanic = r["hispanic"].notna() & (r["hispanic"] != "Not Hispanic")
    expected = r["race"].where(~hispanic, "Hispanic").replace({"Other": "Other race"})
    assert (people["race"] == expected.loc[people.index]).all()
    assert (people.loc[r.index[r["age"] == "89 or Older"], "age"] == "70 or older").all()
    assert people.loc[r.index[r["region"] == "Pacific"], "region"].eq("West").all()
    assert people.loc[r.index[r["relig"] == "None"], "religion"].eq("Not religious").all()
    assert people.loc[r.index[r["partyid"] == "Other Party"], "party"].isna().all()


def test_every_question_maps_and_is_answered(inst, answers):
    assert len(inst.questions) >= 60
    for q in inst.questions:
        assert "gss2006panel" in q.sources, q.id
        # letin1a was first asked in 2008: the 2006 wave has no answers to it
        waves = ["gss2006panel:2008", "gss2006panel:2010"] if q.id == "letin1a" else list(WAVES)
        for name in waves:
            share = answers[name][q.id].notna().mean()
            assert share > 0.25, (name, q.id, share)
    assert answers["gss2006panel"]["letin1a"].isna().all()


def test_weighted_distribution_matches_pandas(raw, inst, answers):
    q = next(q for q in inst.questions if q.id == "natfare")
    a = answers["gss2006panel:2008"].dropna(subset=["natfare"])
    labels = [o.label for o in q.substantive_options]
    ours = a.groupby(a["natfare"].astype(int))["weight"].sum() / a["weight"].sum()
    w = raw[(raw["wave"] == "2008") & raw["natfare"].notna()]
    theirs = w.groupby("natfare")["wtpannr12"].apply(lambda s: s.astype(float).sum())
    theirs = theirs / theirs.sum()
    assert labels == ["too little", "about right", "too much"]
    for pos, raw_label in enumerate(["Too Little", "About Right", "Too Much"]):
        assert ours[pos] == pytest.approx(theirs[raw_label])


def test_a_person_is_reachable_in_both_waves_for_test_retest(answers):
    a06 = answers["gss2006panel"].set_index("respondent_id")
    a08 = answers["gss2006panel:2008"].set_index("respondent_id")
    both = a06.index.intersection(a08.index)
    assert len(both) == 1536
    ok = a06.loc[both, "cappun"].notna() & a08.loc[both, "cappun"].notna()
    agree = (a06.loc[both, "cappun"][ok] == a08.loc[both, "cappun"][ok]).mean()
    # the data's notes: cappun 2006->2008, n=1382, exact agreement 0.847
    assert ok.sum() == 1382 and agree == pytest.approx(0.847, abs=0.001)


def test_row_filter_and_subset_errors_name_the_line(tmp_path: Path):
    data = tmp_path / "d.csv"
    data.write_text("pid,wave,w\n01,1,1.0\n01,2,\n02,1,2.0\n")

    def descriptor(body: str) -> Path:
        path = tmp_path / "d.yaml"
        path.write_text(textwrap.dedent(body))
        return path

    ok = descriptor("""\
        name: d
        file: d.csv
        id_column: pid
        weight_column: w
        rows: {wave: [1]}
        subsets:
          two: {rows: {wave: 2}}
        """)
    assert load_dataset(ok).respondents()["respondent_id"].tolist() == ["01", "02"]
    assert load_dataset(f"{ok}:two").respondents()["respondent_id"].tolist() == ["01"]
    with pytest.raises(SurveyFileError, match="no subset 'three'"):
        load_dataset(f"{ok}:three")
    bad_col = descriptor("name: d\nfile: d.csv\nid_column: pid\nrows: {year: [1]}\n")
    with pytest.raises(DatasetError, match=r"d\.yaml:4: .*no column 'year'"):
        load_dataset(bad_col).respondents()
    bad_value = descriptor("name: d\nfile: d.csv\nid_column: pid\nrows:\n  wave: [3]\n")
    with pytest.raises(DatasetError, match=r"d\.yaml:5: no row of d\.csv has wave = \['3'\]"):
        load_dataset(bad_value).respondents()
    unweighted = descriptor(
        "name: d\nfile: d.csv\nid_column: pid\nweight_column: w\nrows: {wave: [2]}\n"
    )
    with pytest.raises(DatasetError, match=r"file line\(s\) \[3\]"):
        load_dataset(unweighted).respondents()


def test_a_subset_without_a_rare_answer_still_maps():
    """The mapping is checked against the whole column: respondents who never gave an answer
    the mapping names (here intlwhts' rarest) map as they do among everyone."""
    from chorus.surveys import load_dataset, load_instrument

    ds, inst = load_dataset("gss2006panel"), load_instrument("gss2006panel").subset(["intlwhts"])
    people = ds.respondents()
    everyone = ds.answers(inst, people)["intlwhts"]
    rarest = everyone.value_counts().idxmin()
    without = (everyone != rarest).fillna(True).to_numpy()
    part = ds.answers(inst, people[without])["intlwhts"]
    assert not (part == rarest).any()
    assert part.astype("float").fillna(-1).tolist() == (
        everyone[without].astype("float").fillna(-1).tolist()
    )
