"""Interrupting whole studies: `chorus run` SIGKILLed at seeded random points in each stage,
rerun, and compared with an uninterrupted run (byte for byte in float32, except timings).

One chain of processes walks through the stages: each is started, waits until the stage it is
meant to die in has begun (the previous stage's marker exists), lives a seeded random fraction of
that stage's length, and is killed; the next one resumes. `kill_study` returns what happened;
tests/reliability/test_kill.py asserts on it and `chorus bench reliability` reports it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

STUDY = """\
name: kt
seed: 1
pool: {n: 2, style: anthology, max_tokens: 24, min_words: 3, batch_size: 2, resample_budget: 0}
target: {dataset: anes2012, n: 2}
matching: {method: hungarian}
survey:
  questions: [gay_marry, libcpre_ptyd]
  conditioning: [backstory]
  perspectives: [self]
  n_boot: 5
consensus: {questions: 1, panel: 2, rounds: 1, candidates: 2, exclusions: 0,
            opinion_tokens: 8, critique_tokens: 8, statement_tokens: 12}
"""
NAME = "kt"
STAGES = ["pool", "target", "match", "survey-backstory", "consensus", "publish"]
# Stage lengths (s) on 2 cores, where no measured ones are given; a kill comes 5-40% of the way
# through, so it lands inside the stage even when the chain runs faster than the measurement.
# Target and match take a fraction of a second: a kill aimed at them may find them over.
DEFAULT_SECONDS = {"pool": 20.0, "target": 0.3, "match": 0.2, "survey-backstory": 5.0,
                   "consensus": 12.0, "publish": 2.0}  # fmt: skip
TIMING_KEYS = {"seconds", "finished", "stage_seconds"}
# report.html embeds the manifest's timings; the figures it shows come from the files compared
SKIP = {"report.html"}


@dataclass
class KillPoint:
    stage: str  # the stage it was meant to die in
    after: float  # seconds into that stage
    landed: str  # the stage actually in progress when it died ("done": it finished first)


@dataclass
class KillReport:
    kill_points: list[KillPoint] = field(default_factory=list)
    identical: bool = False
    differences: list[str] = field(default_factory=list)
    lost_rows: int = 0
    duplicated_rows: int = 0
    concurrent_refused: bool = False
    concurrent_message: str = ""
    failed_rerun_untouched: bool = False
    seconds: float = 0.0


def chorus(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = open(log, "ab")
    return subprocess.Popen(
        [sys.executable, "-m", "chorus.cli", *args], stdout=out, stderr=out, env=env
    )


def _run_args(study: Path, runs: Path, cache: Path, *extra: str) -> list[str]:
    return ["run", str(study), "--runs", str(runs), "--dtype", "float32",
            "--cache-file", str(cache), *extra]  # fmt: skip


def _entered(stage: str, runs: Path) -> bool:
    stages = runs / f"{NAME}.partial" / "stages"
    if stage == "pool":
        return stages.is_dir()
    before = STAGES[STAGES.index(stage) - 1]
    return (stages / f"{before}.json").exists()


def _in_progress(runs: Path) -> str:
    if (runs / NAME).is_dir() and not (runs / f"{NAME}.partial").exists():
        return "done"
    stages = runs / f"{NAME}.partial" / "stages"
    return next((s for s in STAGES[:-1] if not (stages / f"{s}.json").exists()), "publish")


def _finish(proc: subprocess.Popen, timeout: float = 900) -> int:
    return proc.wait(timeout=timeout)


def kill_study(
    tmp: Path, seed: int = 0, stage_seconds: dict[str, float] | None = None,
    independent_reference: bool = True, stages: list[str] = STAGES,
) -> KillReport:  # fmt: skip
    """Kill a tiny study once in each of `stages`, resume it, and compare with an uninterrupted
    run.
    `independent_reference`: the uninterrupted run comes first and computes everything with
    its own empty cache (its stage lengths place the kills); False: it comes last and reads the
    chain's cache (faster; it checks the run folder's resumption with the answers shared, and
    the kills are placed by `stage_seconds` or DEFAULT_SECONDS)."""
    started = time.monotonic()
    rng = random.Random(seed)
    study = tmp / "kt.yaml"
    study.write_text(STUDY)
    # one cache path for both runs: the engine's description (in manifests) names it
    runs, cache, log = tmp / "runs", tmp / "cache.sqlite", tmp / "chain.log"
    ref_runs = tmp / "ref"
    if independent_reference:  # first, so that its stage lengths place the kills
        _reference(study, ref_runs, cache, tmp)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{cache}{suffix}").unlink(missing_ok=True)
        stage_seconds = json.loads((ref_runs / NAME / "manifest.json").read_text())[
            "stage_seconds"
        ]
    lengths = {**DEFAULT_SECONDS, **(stage_seconds or {})}
    report = KillReport()
    for i, stage in enumerate(stages):
        proc = chorus(_run_args(study, runs, cache), log)
        while not _entered(stage, runs) and proc.poll() is None:
            time.sleep(0.02)
        if i == 0:
            report.concurrent_refused, report.concurrent_message = _second_run(study, runs)
        after = rng.uniform(0.05, 0.4) * lengths.get(stage, 1.0)
        time.sleep(after)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        report.kill_points.append(KillPoint(stage, round(after, 3), _in_progress(runs)))
    rc = _finish(chorus(_run_args(study, runs, cache), log))
    assert rc == 0, log.read_text()[-3000:]
    if not independent_reference:
        _reference(study, ref_runs, cache, tmp)
    report.differences = compare(ref_runs / NAME, runs / NAME)
    report.identical = not report.differences
    report.lost_rows, report.duplicated_rows = row_check(ref_runs / NAME, runs / NAME)
    report.failed_rerun_untouched = _failed_reruns_leave_it(study, runs, cache, tmp)
    report.seconds = round(time.monotonic() - started, 1)
    return report


def _reference(study: Path, runs: Path, cache: Path, tmp: Path) -> None:
    rc = _finish(chorus(_run_args(study, runs, cache), tmp / "ref.log"))
    assert rc == 0, (tmp / "ref.log").read_text()[-3000:]


def _second_run(study: Path, runs: Path) -> tuple[bool, str]:
    """A second `chorus run` of the same study while the first works: refused at once."""
    from typer.testing import CliRunner

    from chorus.cli import app

    began = time.monotonic()
    result = CliRunner().invoke(app, ["run", str(study), "--runs", str(runs), "--cache", "off"])
    quick = time.monotonic() - began < 10  # refused before any model work
    ok = (
        result.exit_code != 0
        and "another `chorus run`" in result.output
        and quick
        and isinstance(result.exception, (SystemExit, type(None)))
    )
    return ok, result.output.strip()


def _failed_reruns_leave_it(study: Path, runs: Path, cache: Path, tmp: Path) -> bool:
    """A rerun that dies (killed mid-pool with another precision; a model that cannot load)
    leaves the published run byte for byte as it was."""
    before = tree_hash(runs / NAME)
    proc = chorus(_run_args(study, runs, tmp / "other.sqlite", "--dtype", "bfloat16"), tmp / "x")
    while not _entered("pool", runs) and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_ok = tree_hash(runs / NAME) == before
    proc = chorus(_run_args(study, runs, cache, "--model", str(tmp / "no-model")), tmp / "y")
    failed = _finish(proc) != 0
    return killed_ok and failed and tree_hash(runs / NAME) == before


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def _strip(data: object) -> object:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in TIMING_KEYS}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def compare(ref: Path, got: Path) -> list[str]:
    """Files that differ (JSON compared without timing fields)."""
    files = {p.relative_to(ref).as_posix() for p in ref.rglob("*") if p.is_file()}
    other = {p.relative_to(got).as_posix() for p in got.rglob("*") if p.is_file()}
    diffs = [f"only in one run: {f}" for f in sorted(files ^ other) if not f.endswith(".lock")]
    for name in sorted(files & other):
        if name in SKIP:
            continue
        a, b = (ref / name).read_bytes(), (got / name).read_bytes()
        if name.endswith(".json"):
            if _strip(json.loads(a)) != _strip(json.loads(b)):
                diffs.append(name)
        elif a != b:
            diffs.append(name)
    return diffs


def row_check(ref: Path, got: Path) -> tuple[int, int]:
    """Rows of every Parquet table missing from the resumed run, and rows it holds twice."""
    lost = dup = 0
    for path in sorted(ref.rglob("*.parquet")):
        other = got / path.relative_to(ref)
        a = _rows(pd.read_parquet(path))
        b = _rows(pd.read_parquet(other)) if other.exists() else []
        lost += len(set(a) - set(b))
        dup += len(b) - len(set(b))
    return lost, dup


def _rows(table: pd.DataFrame) -> list[str]:
    return [json.dumps(r, sort_keys=True, default=str) for r in table.to_dict("records")]
