"""Whole studies SIGKILLed at seeded random points in each stage resume to the same results;
a second concurrent run is refused; a failed rerun leaves the published run untouched; stage
keys follow the engine actually used."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.reliability.kill import kill_study

# Target and match take a fraction of a second: a kill aimed at them lands after them, as a
# second kill in a later stage would, and costs a process start (model load) each. The suite
# kills the four stages with work to lose; `chorus bench reliability` kills all six.
KILLED = ["pool", "survey-backstory", "consensus", "publish"]


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    # the uninterrupted run comes first, with its own cache: its stage lengths place the kills
    return kill_study(tmp_path_factory.mktemp("kill"), seed=0, stages=KILLED)


def test_a_kill_in_every_stage_resumes_to_identical_outputs(killed):
    assert [k.stage for k in killed.kill_points] == KILLED
    # the kills land in the stages they aim at
    landed = {k.stage for k in killed.kill_points if k.landed == k.stage}
    assert {"pool", "survey-backstory", "consensus"} <= landed, killed.kill_points
    assert killed.differences == []
    assert killed.lost_rows == 0 and killed.duplicated_rows == 0


def test_a_second_run_of_the_same_study_is_refused(killed):
    assert killed.concurrent_refused, killed.concurrent_message


def test_a_failed_rerun_leaves_the_published_run_untouched(killed):
    assert killed.failed_rerun_untouched


def test_stage_keys_follow_the_engine_actually_used():
    """An override (--model, --dtype, --engine, --base-url) changes the engine's name or
    fingerprint, and with it every model stage's key; the target draw does not use it."""
    import tempfile
    from pathlib import Path

    from chorus.simulator.study import load_study
    from chorus.simulator.study.stages import stage_key
    from tests.reliability.kill import STUDY

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(STUDY)
        study = load_study(path)
    f32 = SimpleNamespace(name="transformers", fingerprint="abc:chat")
    bf16 = SimpleNamespace(name="transformers", fingerprint="abc:chat:bf16")
    served = SimpleNamespace(name="openai", fingerprint="abc:chat")
    keys = {stage_key(study, e, "seed", "pool") for e in (f32, bf16, served)}
    assert len(keys) == 3
    assert stage_key(study, f32, "seed", "pool") == stage_key(study, f32, "seed", "pool")
