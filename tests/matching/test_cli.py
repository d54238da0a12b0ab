from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from chorus.cli import app

CATEGORIES = {"gender": ["Male", "Female"], "party": ["Democrat", "Independent", "Republican"]}


def write_pool(folder, cols, demographics):
    """A pool as chorus personas writes it (the manifest inside personas.parquet), with the
    given persona_id and demo__ columns."""
    from chorus.backstories import BackstoryConfig
    from chorus.personas import PoolManifest
    from chorus.personas.store import write_pool as write

    n = len(cols["persona_id"])
    base = {"style": ["anthology"] * n, "backstory": ["..."] * n, "turns": [[]] * n,
            "verdicts": ["{}"] * n}  # fmt: skip
    manifest = PoolManifest(
        style="anthology", seed=0, batch_size=1, dedup_threshold=0.9,
        backstory=BackstoryConfig.for_style("anthology"), fingerprint="test", prompts_hash="test",
        model="test", engine={}, embedder="test", demographics=demographics,
    )  # fmt: skip
    folder.mkdir(exist_ok=True)
    write(folder, pa.table({**cols, **base}), manifest)
    return folder


def make_pool(folder, n=30, profiled=True, seed=0):
    rng = np.random.default_rng(seed)
    cols = {"persona_id": [f"p{i}" for i in range(n)]}
    if profiled:
        for trait, labels in CATEGORIES.items():
            cols[f"demo__{trait}"] = [list(p) for p in rng.dirichlet(np.ones(len(labels)), size=n)]
    return write_pool(folder, cols, CATEGORIES if profiled else None)


def make_people(path, n=10, seed=0, **override):
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(n)],
            "gender": rng.choice(["Male", "Female", ""], n),
            "party": rng.choice(CATEGORIES["party"], n),
        }
    )
    for column, values in override.items():
        if values is None:
            table = table.drop(columns=column)
        else:
            table[column] = values
    table.to_csv(path, index=False)
    return path


def run(*args):
    return CliRunner().invoke(app, ["match", *map(str, args)])


@pytest.mark.parametrize("method", ["hungarian", "greedy", "greedy-replace", "random"])
def test_match_writes_the_table_and_diagnostics(tmp_path, method):
    pool = make_pool(tmp_path / "pool")
    people = make_people(tmp_path / "people.csv")
    result = run(pool, "--humans", people, "--method", method, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "out" / "match.parquet")
    assert list(table.columns) == ["respondent_id", "persona_id", "log_weight"]
    assert table["respondent_id"].tolist() == [f"r{i}" for i in range(10)]
    assert table["persona_id"].str.startswith("p").all()
    diagnostics = json.loads((tmp_path / "out" / "diagnostics.json").read_text())
    assert diagnostics["method"] == method and diagnostics["n_pairs"] == 10
    assert diagnostics["total_log_weight"] == pytest.approx(table["log_weight"].sum())
    assert diagnostics["trait_answered"]["party"] == 10


def test_match_on_the_real_anes_descriptor(tmp_path):
    from chorus.surveys import demographic_traits

    traits = demographic_traits()
    rng = np.random.default_rng(1)
    n = 400
    cols = {"persona_id": [f"p{i}" for i in range(n)]}
    for trait, labels in traits.items():
        cols[f"demo__{trait}"] = [list(p) for p in rng.dirichlet(np.ones(len(labels)), size=n)]
    write_pool(tmp_path / "pool", cols, traits)
    result = run(
        tmp_path / "pool",
        "--humans",
        "anes2012",
        "--n",
        150,
        "--out",
        tmp_path / "out",
        "--per-respondent",
        2,
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "out" / "match.parquet")
    assert len(table) == 300 and table["persona_id"].is_unique
    diagnostics = json.loads((tmp_path / "out" / "diagnostics.json").read_text())
    assert diagnostics["certificate"]["certified"] is True
    assert set(diagnostics["trait_agreement"]) == set(traits)


@pytest.mark.parametrize(
    "pool_kw, people_kw, extra, message",
    [
        ({"profiled": False}, {}, [], "no demographic distributions"),
        ({}, {"party": None}, [], "no column for trait(s) ['party']"),
        (
            {},
            {"party": ["Democrat"] * 9 + ["Whig"]},
            [],
            "respondent 'r9' (row 10) has party = 'Whig'",
        ),
        ({"n": 5}, {}, [], "need 10 distinct personas, but the pool has 5"),
        ({}, {}, ["--trait-weight", "party"], "write TRAIT=NUMBER"),
    ],
)
def test_bad_input_fails_clearly_and_writes_nothing(tmp_path, pool_kw, people_kw, extra, message):
    pool = make_pool(tmp_path / "pool", **pool_kw)
    people = make_people(tmp_path / "people.csv", **people_kw)
    result = run(pool, "--humans", people, "--out", tmp_path / "out", *extra)
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out" / "match.parquet").exists()


def test_a_failed_write_keeps_the_previous_match_and_leaves_no_temp_files(tmp_path, monkeypatch):
    from chorus.matching import match_table, write_match
    from chorus.matching.diagnostics import MatchDiagnostics

    pool = make_pool(tmp_path / "pool")
    people = make_people(tmp_path / "people.csv")
    assert run(pool, "--humans", people, "--out", tmp_path / "out").exit_code == 0
    before = (tmp_path / "out" / "match.parquet").read_bytes()
    diagnostics = MatchDiagnostics.model_validate_json(
        (tmp_path / "out" / "diagnostics.json").read_text()
    )
    table = match_table(np.array([0]), np.array([0]), np.array([-1.0]), ["r0"], ["p0"])

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(MatchDiagnostics, "model_dump_json", broken)
    with pytest.raises(OSError, match="disk full"):
        write_match(tmp_path / "out", table, diagnostics)
    assert (tmp_path / "out" / "match.parquet").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "diagnostics.json",
        "match.parquet",
    ]


def test_a_persona_with_the_wrong_number_of_probabilities_is_named(tmp_path):
    pool = make_pool(tmp_path / "pool", n=12)
    table = pq.read_table(pool / "personas.parquet")
    rows = table.to_pydict()
    rows["demo__party"][7] = [0.5, 0.5]  # three categories in the manifest
    pq.write_table(pa.table(rows).replace_schema_metadata(table.schema.metadata),
                   pool / "personas.parquet")
    result = run(pool, "--humans", make_people(tmp_path / "people.csv"), "--out", tmp_path / "out")
    assert result.exit_code != 0
    assert "persona 'p7' has 2 demo__party probabilities" in " ".join(result.output.split())
