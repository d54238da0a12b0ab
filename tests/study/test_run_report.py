"""`chorus run` end to end on the embedded model (tiny sizes), the run folder, resumption,
reproducibility, and the report in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import metadata

import pytest
from typer.testing import CliRunner

from chorus.cli import app


def test_run_folder_is_complete_and_recorded(finished):
    _, _, run = finished
    assert not (run.parent / "tiny.partial").exists()
    for f in (
        "report.html",
        "metrics.json",
        "manifest.json",
        "study.json",
        "match/match.parquet",
        "survey/backstory/answers.parquet",
        "survey/qa/answers.parquet",
        "consensus/episodes.json",
        "tables/styles.csv",
        "tables/questions.csv",
        "tables/subgroups.csv",
        "tables/individual.csv",
    ):
        assert (run / f).is_file(), f
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["engine"]["fingerprint"]
    assert manifest["versions"]["torch"].startswith("2.13") and manifest["prompts"]["backstories"]
    assert manifest["versions"]["chorus"] == metadata.version("chorus-sim")  # the report shows it
    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics["rows"]) == {"backstory", "qa", "uniform"}
    assert 0.0 <= metrics["rows"]["backstory"]["wd"]["value"] <= 1.0
    assert metrics["human_floor"]["n"] == 2
    # the chance row and the verdict; the matched panel's individual-level block
    backstory = metrics["rows"]["backstory"]
    assert backstory["uniform"]["value"] > 0
    # the verdict, re-derived from each row's figures: the margin is uniform's WD minus the
    # row's, and a row beats chance only when the margin's whole interval is above 0
    beating = []
    for name in ("backstory", "qa"):
        row = metrics["rows"][name]
        margin = row["beats_uniform"]["margin"]
        assert margin["value"] == pytest.approx(
            row["uniform"]["value"] - row["wd"]["value"], abs=2e-6
        )
        beats = margin["lo"] is not None and margin["lo"] > 0
        assert row["beats_uniform"]["beats"] == beats
        beating += [name] if beats else []
    assert metrics["verdict"]["beating"] == beating
    assert metrics["verdict"]["any_beats_uniform"] == bool(beating)
    # each row read against a real panel of its size: WD / the floor's mean WD
    floor_wd = metrics["human_floor"]["wd"]["value"]
    assert backstory["equivalent_panel"]["wd_over_floor"] == pytest.approx(
        backstory["wd"]["value"] / floor_wd, abs=1e-5
    )
    assert backstory["individual"]["n"] == 2 and backstory["subgroups"]
    assert backstory["metrics_used"] == {"tvd": 2, "wasserstein": 2}
    assert metrics["consensus"]["episodes"] == 1
    # the consensus panel is drawn from the survey's matched stand-ins: the same people
    from chorus.simulator.consensus import read_episodes
    from chorus.surveys import read_survey

    stand_ins, _ = read_survey(run / "survey" / "backstory")
    (episode,) = read_episodes(run / "consensus")
    assert len(episode.participants) == 2
    assert set(episode.participants) <= set(stand_ins.traits["persona_id"])


@pytest.fixture
def no_model(monkeypatch):
    """Any generation fails the test: a finished stage must not be recomputed."""
    import chorus.engines.transformers_engine as te

    def sample(*a, **k):
        raise AssertionError("a finished stage was recomputed")

    monkeypatch.setattr(te.TransformersEngine, "sample", sample)


def test_second_run_reuses_everything_and_metrics_repeat(finished, no_model):
    base, study, run = finished
    before = (run / "metrics.json").read_text()
    result = CliRunner().invoke(app, ["run", str(study), "--runs", str(base / "runs")])
    assert result.exit_code == 0, result.output
    assert (run / "metrics.json").read_text() == before


def test_a_study_survey_folder_rescores_with_survey_score(finished):
    """Each survey/<style>/ is a survey folder: `chorus survey score` on it, with the study's
    seed and n_boot, repeats the study's figures for that style."""
    _, _, run = finished
    folder = run / "survey" / "qa"
    result = CliRunner().invoke(
        app, ["survey", "score", str(folder), "--human", "anes2012", "--n-boot", "20",
              "--seed", "3", "--no-floor"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    again = json.loads((folder / "metrics.json").read_text())
    study = json.loads((run / "metrics.json").read_text())["rows"]["qa"]
    assert again["run"]["conditioning"] == "qa"
    for key in ("wd", "wd_raw", "frobenius", "alpha_sim", "questions"):
        assert again[key] == study[key], key


def test_every_file_of_a_run_is_written_the_same_way(finished):
    """One atomic writer: pool, match, survey, consensus and report files all come out 0644."""
    _, _, run = finished
    modes = {
        p.relative_to(run).as_posix(): p.stat().st_mode & 0o777
        for p in run.rglob("*")
        if p.is_file()
    }
    assert {"pool/personas.parquet", "match/match.parquet", "consensus/episodes.json"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if mode != 0o644} == {}


def test_run_study_from_python_is_chorus_run(finished, no_model):
    """chorus.run_study(path) loads the study's engine itself and finds every stage done."""
    import chorus

    base, study, run = finished
    before = (run / "metrics.json").read_text()
    assert chorus.run_study(study, base / "runs", progress=False) == run
    assert (run / "metrics.json").read_text() == before


def test_report_renders_in_headless_chromium(finished, tmp_path):
    _, _, run = finished
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    probe = (
        "<script>window.addEventListener('load',()=>{const i=[...document.images];"
        "document.body.setAttribute('data-images',i.length);"
        "document.body.setAttribute('data-loaded',i.filter(x=>x.complete&&x.naturalWidth>0).length);"
        "document.body.setAttribute('data-sections',[...document.querySelectorAll('section')].map(s=>s.id).join(','));"
        "document.body.setAttribute('data-csv',document.querySelectorAll('a.csv[download]').length);"
        "document.body.setAttribute('data-verdict',document.getElementById('verdict').innerText.length);"
        "document.body.setAttribute('data-cards',document.querySelectorAll('p.wording').length);});</script>"
    )
    page = tmp_path / "report.html"
    page.write_text((run / "report.html").read_text().replace("</body>", probe + "</body>"))
    dom = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    import re

    images = int(re.search(r'data-images="(\d+)"', dom).group(1))
    loaded = int(re.search(r'data-loaded="(\d+)"', dom).group(1))
    sections = re.search(r'data-sections="([^"]*)"', dom).group(1).split(",")
    assert images >= 6 and loaded == images
    assert sections == [
        "styles", "questions", "individual", "subgroups", "correlations", "groups", "matching",
        "estimate", "consensus",
    ]  # fmt: skip
    # the verdict in words at the top, one card per question with its wording, a CSV per table
    assert int(re.search(r'data-verdict="(\d+)"', dom).group(1)) > 40
    assert int(re.search(r'data-cards="(\d+)"', dom).group(1)) == 4
    assert int(re.search(r'data-csv="(\d+)"', dom).group(1)) == 7
    assert "Do you favor or oppose the death penalty" in dom  # a wording shown whole
    assert "No conditioning style beats chance" in dom or "beat uniform chance" in dom


def test_the_estimate_stage_writes_its_table_metrics_and_the_worth_sentence(finished):
    """The study's `estimate:` section: estimate/estimates.json, the summary in metrics.json,
    the k* sentence in the report; the human-only share is the weighted share of the pilot
    drawn with the study's seed (recomputed here from the dataset)."""
    import numpy as np

    from chorus.surveys import load_dataset, load_instrument
    from chorus.surveys.estimates import draw_pilot
    from chorus.surveys.metrics.responses import from_human

    _, _, run = finished
    est = json.loads((run / "estimate" / "estimates.json").read_text())
    metrics = json.loads((run / "metrics.json").read_text())
    assert (est["n_pilot"], est["n_frame"], est["calibration"]) == (4, 2, ["trust_social"])
    assert metrics["estimate"]["worth"] == est["worth"] and "rows" not in metrics["estimate"]
    assert f"worth about {est['k_star']} real respondents" in (run / "report.html").read_text()
    ds = load_dataset("anes2012")
    pilot, _ = draw_pilot(ds.respondents(), 4, None, 3)
    human = from_human(ds, load_instrument("anes2012").subset(["gay_marry"]))
    at = {str(r): i for i, r in enumerate(human.ids)}
    rows = human.self_answers("gay_marry")[[at[str(r)] for r in pilot.respondent_id]]
    ok = ~np.isnan(rows).any(axis=1)
    share = np.average(rows[ok], axis=0, weights=pilot.weight.to_numpy(float)[ok])
    overall = [r for r in est["rows"] if r["trait"] == "all"]
    assert [r["human"] for r in overall] == pytest.approx(share)
    assert all(r["human_lo"] < r["human"] < r["human_hi"] or r["human"] in (0, 1) for r in overall)
