"""`chorus run STUDY.yaml`: the whole pipeline into one run folder."""

from __future__ import annotations

import json
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from simulator.study import stages
from simulator.study.metrics import score_study
from simulator.study.runfolder import RunFolder, write_bytes, write_json
from simulator.study.schema import Study
from surveys import incomplete_answers

PACKAGES = ("chorus", "torch", "transformers", "numpy", "scipy", "pandas", "pyarrow", "pydantic")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_study(study: Study, runs: Path, engine, progress: bool = True) -> Path:
    """Run every stage (reusing finished ones) and publish the run folder atomically."""
    from matching import DIAGNOSTICS_FILE
    from simulator.consensus import measure
    from simulator.report import render

    started = time.time()
    rf = RunFolder(runs, study.name)
    work = rf.open()
    write_json(work / "study.json", study.model_dump(mode="json"))
    pool_dir = stages.pool(study, rf, engine, progress)
    dataset, respondents = stages.target(study, rf)
    matched = stages.match(study, rf, pool_dir, respondents, str(dataset.path))
    inst = stages.instrument(study)
    people = stages.panels(pool_dir, respondents, matched)
    answers = stages.survey(study, rf, engine, inst, people, progress)
    traits = {s: people["backstory" if s == "backstory" else "demographic"][1] for s in answers}
    metrics = score_study(study, dataset, inst, answers, traits)
    matching = json.loads((work / "match" / DIAGNOSTICS_FILE).read_text())
    episodes = stages.consensus(study, rf, engine, pool_dir, matched, progress) if study.consensus else []
    consensus = measure(episodes, seed=study.seed).model_dump(mode="json") if episodes else None
    metrics["matching"] = matching
    metrics["consensus"] = consensus
    write_json(work / "metrics.json", metrics)
    manifest = _manifest(study, engine, inst, work, started)
    # answers resting on labels outside a server's top-K (engines.top_logprobs)
    manifest["incomplete_answers"] = {s: incomplete_answers(t) for s, t in answers.items()}
    manifest["stage_seconds"] = rf.stage_seconds()
    write_json(work / "manifest.json", manifest)
    html = render(study, manifest, metrics, matching, episodes, consensus)
    write_bytes(work / "report.html", html.encode())
    return rf.finish()


def _manifest(study: Study, engine, inst, work: Path, started: float) -> dict[str, Any]:
    """What produced this run: study, engine and model fingerprint, prompts' hashes, seeds,
    versions (the pool's own manifest has its generation settings and rejection stats)."""
    from backstories import prompts_hash

    pool = json.loads((work / "pool" / "manifest.json").read_text())
    return {
        "study": study.name,
        "study_digest": study.digest(),
        "seed": study.seed,
        "engine": engine.describe(),
        "prompts": {"backstories": prompts_hash(), "instrument": inst.name},
        "versions": versions(),
        "seconds": round(time.time() - started, 1),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "pool": {k: pool.get(k) for k in ("counts", "rejections", "settings", "profile") if k in pool},
    }
