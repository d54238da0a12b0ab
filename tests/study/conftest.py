"""One finished `chorus run` of a tiny study, made once per session and shared by every test that
inspects a run folder (copy it before changing it)."""

from __future__ import annotations

from pathlib import Path

import pytest

# As small as the tests' checks allow: two nominal and two ordinal questions (the report's
# metric split and one card each), both conditioning styles, every perspective (the groups
# section), two matched people (the consensus panel), one consensus round with one exclusion
# (the report renders it), and a pilot estimate of one question with one calibrating k* (4
# pilot respondents and 2 frame profiles, `qa`). Token limits only need text that passes the
# backstory checks.
TINY = """
name: tiny
seed: 3
pool: {n: 2, style: anthology, max_tokens: 32, min_words: 5, batch_size: 2}
target: {dataset: anes2012, n: 2}
matching: {method: hungarian}
survey:
  questions: [gay_marry, penalty_favdpen, trust_social, libcpre_ptyd]
  conditioning: [backstory, qa]
  perspectives: [self, ingroup, outgroup]
  n_boot: 20
consensus: {questions: 1, panel: 2, rounds: 1, candidates: 2, exclusions: 1,
            opinion_tokens: 12, statement_tokens: 16}
estimate: {pilot_n: 4, frame_n: 2, questions: [gay_marry], calibration: [trust_social]}
"""


@pytest.fixture(scope="session")
def finished(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(base folder, study file, run folder) of the finished tiny study; the engine is the
    study's default, behind a response cache of its own (not the user's)."""
    from typer.testing import CliRunner

    from chorus.cli import app

    base = tmp_path_factory.mktemp("study")
    study = base / "tiny.yaml"
    study.write_text(TINY)
    args = ["run", str(study), "--runs", str(base / "runs"), "--cache-file", str(base / "c.sqlite")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return base, study, base / "runs" / "tiny"
