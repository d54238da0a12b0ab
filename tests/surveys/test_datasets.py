"""Human datasets: the vendored ANES 2012 respondents, descriptors, the Pew-style .sav loader."""

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


@pytest.fixture(scope="module")
def anes():
    return load_dataset("anes2012")


def test_respondents_have_canonical_traits_and_weights(anes):
    people = anes.respondents()
    assert len(people) == 5916
    assert list(people.columns[:11]) == ["respondent_id", "weight", *demographic_traits()]
    for trait, cats in demographic_traits().items():
        assert set(people[trait].dropna()) <= set(cats), trait
    # 24 respondents have no party id: NA, not a made-up category
    assert people["party"].isna().sum() == 24
    # 28 ANES income bands collapse to 5 (many-to-one); band 11 starts the second one
    row = people[people["inc_incgroup_pre"] == "11. $30,000-$34,999"].iloc[0]
    assert row["income"] == "$30,000 to $49,999"
    # the raw `gender` column clashes with the trait and is kept under a prefix
    assert "raw__gender" in people.columns and "weight_full" in people.columns
    assert np.allclose(people["weight"], people["weight_full"])


def test_weighted_draw_is_reproducible_and_follows_weights(anes):
    a = anes.respondents(200, seed=3)
    b = anes.respondents(200, seed=3)
    c = anes.respondents(200, seed=4)
    assert a["respondent_id"].tolist() == b["respondent_id"].tolist()
    assert a["respondent_id"].tolist() != c["respondent_id"].tolist()
    assert a["respondent_id"].is_unique and (a["weight"] == 1.0).all()
    big = anes.respondents(1500, seed=0)
    # drawn proportionally to weight: heavier respondents are over-represented vs uniform draws
    assert (
        big["weight_full"].mean() > anes.respondents(1500, seed=0, weighted=False)["weight"].mean()
    )
    with pytest.raises(DatasetError, match="cannot draw"):
        anes.respondents(10_000)


def test_answers_reproduce_the_known_party_pattern(anes):
    inst = load_instrument("anes2012")
    people = anes.respondents()
    answers = anes.answers(inst)
    q = inst.question("libcpre_ptyd")
    placed = answers["libcpre_ptyd"]
    means = {
        party: q.values[
            placed[(people["party"] == party) & placed.notna()].to_numpy(dtype=int)
        ].mean()
        for party in ("Democrat", "Republican")
    }
    # README: Republicans place the Democratic party at 1.93, Democrats at 3.19
    assert means["Republican"] == pytest.approx(1.93, abs=0.01)
    assert means["Democrat"] == pytest.approx(3.19, abs=0.01)
    # thermometers are numeric: the answer's position is the raw rating
    raw = anes.table["ft_dem"]
    placed = answers["ft_dem"]
    assert (placed[raw.notna()].to_numpy(dtype=float) == raw.dropna().to_numpy()).all()


def _descriptor(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "d.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_mapping_errors_name_the_descriptor_line(tmp_path):
    pd.DataFrame({"id": [1, 2, 3], "sex": ["M", "F", "X"]}).to_csv(tmp_path / "t.csv", index=False)
    base = "name: t\nfile: t.csv\nid_column: id\ndemographics:\n  gender:\n"
    missing_col = _descriptor(tmp_path, base + "    column: gender\n    values: {M: Male}\n")
    with pytest.raises(DatasetError, match=r"d\.yaml:5: .*no column 'gender'"):
        load_dataset(missing_col).respondents()
    unmapped = _descriptor(tmp_path, base + "    column: sex\n    values: {M: Male, F: Female}\n")
    with pytest.raises(DatasetError, match=r"d\.yaml:5: .*does not cover: 'X'"):
        load_dataset(unmapped).respondents()
    typo = _descriptor(
        tmp_path,
        base + "    column: sex\n    values: {M: Male, F: Female, Q: Male}\n    missing: [X]\n",
    )
    with pytest.raises(DatasetError, match=r"d\.yaml:5: .*\['Q'\] that never occur.*allow_unseen"):
        load_dataset(typo).respondents()
    # a small pilot file may lack a value: allowed explicitly
    pilot = _descriptor(
        tmp_path,
        base + "    column: sex\n    values: {M: Male, F: Female, Q: Male}\n    missing: [X]\n"
        "    allow_unseen: true\n",
    )
    assert list(load_dataset(pilot).respondents()["gender"].fillna("-")) == ["Male", "Female", "-"]
    bad_category = _descriptor(tmp_path, base + "    column: sex\n    values: {M: Man}\n")
    with pytest.raises(SurveyFileError, match=r"d\.yaml:7: .*'Man'"):
        load_dataset(bad_category)


def test_instrument_mapping_errors_point_at_the_instrument(tmp_path, anes):
    inst_path = tmp_path / "i.yaml"
    inst_path.write_text(
        "name: i\nquestions:\n  - id: q\n    text: Favor?\n    kind: single_choice\n"
        "    options: [{label: favor}, {label: oppose}]\n"
        "    sources:\n      anes2012: {column: penalty_favdpen, values: {'1. Favor': favor}}\n"
    )
    with pytest.raises(DatasetError, match=r"i\.yaml:8: .*'2\. Oppose'"):
        anes.answers(load_instrument(inst_path))


def test_sav_loader_uses_value_labels_and_weights(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    table = pd.DataFrame(
        {
            "QKEY": [101.0, 102.0, 103.0, 104.0],
            "F_PARTYSUM_FINAL": [1.0, 2.0, 9.0, 1.0],
            "F_AGECAT": [1.0, 4.0, 2.0, 99.0],
            "DEATHPEN": [1.0, 2.0, 2.0, 1.0],
            "WEIGHT_W1": [0.5, 1.5, 1.0, 2.0],
        }
    )
    labels = {
        "F_PARTYSUM_FINAL": {1.0: "Rep/Lean Rep", 2.0: "Dem/Lean Dem", 9.0: "DK/Refused/No lean"},
        "F_AGECAT": {1.0: "18-29", 2.0: "30-49", 4.0: "65+", 99.0: "DK/REF"},
        "DEATHPEN": {1.0: "Favor", 2.0: "Oppose"},
    }
    pyreadstat.write_sav(table, str(tmp_path / "w1.sav"), variable_value_labels=labels)
    desc = _descriptor(
        tmp_path,
        """\
        name: pew_w1
        file: w1.sav
        id_column: QKEY
        weight_column: WEIGHT_W1
        demographics:
          party:
            column: F_PARTYSUM_FINAL
            values: {"Rep/Lean Rep": Republican, "Dem/Lean Dem": Democrat}
            missing: ["DK/Refused/No lean"]
          age:
            column: F_AGECAT
            values: {"18-29": "18-29", "65+": "70 or older", "30-49": "30-39"}
            missing: ["DK/REF"]
        """,
    )
    ds = load_dataset(desc)
    people = ds.respondents()
    assert people["respondent_id"].tolist() == ["101", "102", "103", "104"]
    assert people["weight"].tolist() == [0.5, 1.5, 1.0, 2.0]
    assert people["party"].tolist()[:2] == ["Republican", "Democrat"]
    assert pd.isna(people["party"].iloc[2]) and pd.isna(people["age"].iloc[3])
    assert people["DEATHPEN"].tolist() == ["Favor", "Oppose", "Oppose", "Favor"]


def test_dta_loader_uses_value_labels(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    table = pd.DataFrame(
        {"id": [1, 2, 3], "partyid": [1, 2, 9], "cappun": [1, 2, 1], "wtssall": [1.0, 0.5, 2.0]}
    )
    labels = {
        "partyid": {1: "strong democrat", 2: "strong republican", 9: "no answer"},
        "cappun": {1: "favor", 2: "oppose"},
    }
    pyreadstat.write_dta(table, str(tmp_path / "gss.dta"), variable_value_labels=labels)
    desc = _descriptor(
        tmp_path,
        """\
        name: gss_dta
        file: gss.dta
        id_column: id
        weight_column: wtssall
        demographics:
          party:
            column: partyid
            values: {"strong democrat": Democrat, "strong republican": Republican}
            missing: ["no answer"]
        """,
    )
    ds = load_dataset(desc)
    people = ds.respondents()
    assert list(ds.table["cappun"]) == ["favor", "oppose", "favor"]
    assert list(people["party"].fillna("-")) == ["Democrat", "Republican", "-"]
    assert list(people["weight"]) == [1.0, 0.5, 2.0]
    (tmp_path / "bad.dta").write_text("not stata")
    bad = _descriptor(tmp_path, "name: b\nfile: bad.dta\nid_column: id\ndemographics: {}\n")
    with pytest.raises(DatasetError, match=r"bad\.dta: not a readable Stata \.dta file"):
        load_dataset(bad).respondents()


def test_survey_init_writes_a_loadable_skeleton_from_labels(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    from typer.testing import CliRunner

    from chorus.cli.app import app

    table = pd.DataFrame({"id": [1, 2], "cappun": [1, 2], "natfare": [1, 3], "age": [30, 41]})
    labels = {
        "cappun": {1: "favor", 2: "oppose"},
        "natfare": {1: "too little", 2: "about right", 3: "too much"},
    }
    pyreadstat.write_dta(
        table, str(tmp_path / "gss.dta"), variable_value_labels=labels,
        column_labels=["id", "Death penalty for murder?", "Spending on welfare", "Age"],
    )  # fmt: skip
    out = tmp_path / "inst.yaml"
    res = CliRunner().invoke(app, ["survey", "init", str(tmp_path / "gss.dta"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    inst = load_instrument(out)
    assert [q.id for q in inst.questions] == ["cappun", "natfare"]  # unlabelled `age` is left out
    cappun, natfare = inst.questions
    assert cappun.kind == "single_choice" and cappun.text == "Death penalty for murder?"
    assert natfare.kind == "ordinal" and [o.text for o in natfare.options] == list(
        labels["natfare"].values()
    )
    assert natfare.sources["gss"].values == {"too little": "too_little",
                                             "about right": "about_right", "too much": "too_much"}
    assert out.read_text().count("# REVIEW") == 2
    plain = tmp_path / "plain.csv"
    plain.write_text("a\n1\n")
    bad = CliRunner().invoke(app, ["survey", "init", str(plain), "--out", str(tmp_path / "x.yaml")])
    assert bad.exit_code != 0 and "give an SPSS .sav or a Stata .dta" in bad.output
    assert not (tmp_path / "x.yaml").exists()
