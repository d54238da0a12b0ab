"""`chorus run STUDY.yaml`: the whole pipeline into one run folder."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from chorus.engines import Engine, EngineSpec, load_engine
from chorus.personas import versions
from chorus.simulator.study import stages
from chorus.simulator.study.checks import check_inputs
from chorus.simulator.study.metrics import score_study
from chorus.simulator.study.result import RunManifest, StudyResult
from chorus.simulator.study.runfolder import RunFolder, RunFolderError, write_bytes, write_json
from chorus.simulator.study.schema import Study, load_study
from chorus.surveys import Instrument, Results, incomplete_answers

PACKAGES = ("torch", "transformers", "numpy", "scipy", "pandas", "pyarrow", "pydantic")


def run_study(
    study: Study | str | Path,
    runs: str | Path = "runs",
    engine: Engine | Callable[[], Engine] | None = None,
    progress: bool = True,
    spec: EngineSpec | None = None,
) -> Path:
    """Run every stage (reusing finished ones) and publish the run folder atomically; returns
    it. `study`: a Study or its YAML file; `engine`: an engine, or a function that loads one
    (called once the run folder is locked and the inputs are checked); default, the engine the
    study names. `spec`: that engine's spec (default: the study's engine section): a `tune:`
    section tunes its model and asks the survey with the same spec on the tuned folder. A
    published run is replaced only when this run succeeds."""
    if not isinstance(study, Study):
        study = load_study(study)
    rf = RunFolder(Path(runs), study.name)
    rf.lock()
    try:
        check_inputs(study)
        spec = spec or study.engine
        if engine is None:
            engine = load_engine(spec)
        elif not isinstance(engine, Engine):
            engine = engine()
        return _run(study, rf, engine, spec, progress)
    finally:
        rf.release()


def _run(study: Study, rf: RunFolder, engine: Engine, spec: EngineSpec, progress: bool) -> Path:
    from chorus.matching import DIAGNOSTICS_FILE, MatchDiagnostics
    from chorus.simulator.consensus import measure
    from chorus.simulator.report import render, report_tables

    started = time.time()
    work = rf.open()
    write_json(work / "study.json", study.model_dump(mode="json"))
    pool_dir = stages.pool(study, rf, engine, progress)
    dataset, respondents = stages.target(study, rf)
    matched = stages.match(study, rf, engine, pool_dir, respondents, str(dataset.path))
    inst = stages.instrument(study)
    people = stages.panels(pool_dir, respondents, matched)
    if "answers" in study.survey.conditioning:
        from chorus.surveys import with_answers

        people["answers"] = with_answers(people["demographic"], dataset, inst)
    asker, tuned, in_sample = engine, None, []
    if study.tune is not None:
        from chorus.tuning import read_manifest

        if spec.engine == "openai":  # the study file was checked; an override was not
            raise RunFolderError("tune: tuning trains a local model, not an openai server's")
        folder = stages.tune(study, rf, engine, spec.model, progress)
        asker = load_engine(spec.model_copy(update={"model": str(folder)}))
        m = read_manifest(folder)
        assert m is not None
        where = study.tune.out or "tune/model"  # (the run folder's path, once published)
        tuned = {
            "folder": where,
            "engine": asker.describe() | {"model": where},
            "trained_questions": m.trained_questions,
            "validation_questions": m.validation_questions,
            "heldout_questions": m.heldout_questions,
            "steps": m.steps,
            "stopped": m.stopped,
            "seconds": m.seconds,
        }
        # early stopping chose the weights on the validation questions: in-sample too
        in_sample = m.trained_questions + m.validation_questions
    results = stages.survey(study, rf, asker, inst, people, progress)
    scores = score_study(study, dataset, inst, results, in_sample)
    matching = MatchDiagnostics.model_validate_json(
        (work / "match" / DIAGNOSTICS_FILE).read_text()
    )
    episodes = (
        stages.consensus(
            study, rf, engine, people["backstory"], results["backstory"], dataset, progress,
            asker.fingerprint if tuned else "",
        )
        if study.consensus
        else []
    )
    estimates = stages.estimate(study, rf, engine, inst, progress) if study.estimate else None
    result = StudyResult(
        study=study,
        manifest=_manifest(study, engine, inst, results, rf, started).model_copy(
            update={"tune": tuned}
        ),
        scores=scores,
        matching=matching,
        episodes=episodes,
        consensus=measure(episodes, seed=study.seed) if episodes else None,
        estimates=estimates,
    )
    write_json(work / "metrics.json", result.metrics())
    write_json(work / "manifest.json", result.manifest.model_dump(mode="json"))
    tables = report_tables(result.scores)
    for name, table in tables.items():
        write_bytes(work / "tables" / f"{name}.csv", table.to_csv(index=False).encode())
    themes = results["backstory"].themes() if "backstory" in results else None
    write_bytes(work / "report.html", render(result, tables, themes).encode())
    return rf.finish()


def _manifest(
    study: Study,
    engine: Engine,
    inst: Instrument,
    results: dict[str, Results],
    rf: RunFolder,
    started: float,
) -> RunManifest:
    """What produced this run: study, engine and model fingerprint, prompts' hashes, seeds,
    versions (the pool's own manifest has its generation settings and rejection stats)."""
    from chorus.backstories import prompts_hash
    from chorus.personas import read_pool

    pool = read_pool(rf.work / "pool").manifest
    return RunManifest(
        study=study.name,
        study_digest=study.digest(),
        seed=study.seed,
        engine=engine.describe(),
        workers=engine.replicas,
        prompts={"backstories": prompts_hash(), "instrument": inst.name},
        versions=versions(PACKAGES),
        seconds=round(time.time() - started, 1),
        finished=time.strftime("%Y-%m-%d %H:%M:%S"),
        pool=pool.model_dump(mode="json", include={"counts", "rejections", "profile"}),
        incomplete_answers={s: incomplete_answers(r.answers) for s, r in results.items()},
        stage_seconds=rf.stage_seconds(),
    )
