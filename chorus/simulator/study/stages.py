"""The stages of a study, each resumable: pool -> profiles -> target -> match -> tune (with a
`tune:` section) -> survey -> metrics -> consensus. Each returns what the next needs and leaves
its files in the run folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from chorus.engines import Engine
from chorus.simulator.consensus import Episode
from chorus.simulator.study.runfolder import RunFolder, write_bytes
from chorus.simulator.study.schema import Study
from chorus.surveys import HumanDataset, Instrument, Persona, Results


def stage_key(study: Study, engine: Engine | None, *sections: str) -> str:
    """A stage's key: the study sections it reads and, for stages that use the model, the engine
    actually used (after command-line overrides; its fingerprint covers weights, tokenizer,
    chat template and precision), so a different model never reuses another's results."""
    used = f"|{engine.name}|{engine.fingerprint}" if engine is not None else ""
    return hashlib.sha256((study.digest(*sections) + used).encode()).hexdigest()[:16]


def _parquet(path: Path, table: pd.DataFrame) -> None:
    import io

    buf = io.BytesIO()
    table.to_parquet(buf, index=False)
    write_bytes(path, buf.getvalue())


def pool(study: Study, rf: RunFolder, engine: Engine, progress: bool) -> Path:
    """Generate (or copy in) the persona pool and profile its demographics."""
    import shutil

    from chorus.backstories import BackstoryConfig
    from chorus.personas import generate_pool, profile_pool

    folder = rf.work / "pool"
    key = _pool_key(study, engine)
    if rf.done("pool", key):
        return folder
    rf.reset("pool", "pool")
    spec = study.pool
    if spec.path:
        # a readable pool, checked (by read_pool) before the model loaded: checks.check_inputs
        shutil.copytree(Path(spec.path), folder)
    else:
        config = BackstoryConfig.for_style(
            spec.style,
            max_tokens=spec.max_tokens,
            min_words=spec.min_words,
            n_questions=spec.n_questions,
            resample_budget=spec.resample_budget,
        )
        generate_pool(
            folder,
            spec.n,
            engine,
            config,
            seed=study.seed,
            batch_size=spec.batch_size,
            unit_slots=spec.unit_slots,
            progress=progress,
        )
    profile_pool(folder, engine, progress=progress)
    rf.mark("pool", key)
    return folder


def _pool_key(study: Study, engine: Engine) -> str:
    from chorus.backstories import prompts_hash

    return stage_key(study, engine, "seed", "pool") + prompts_hash()[:8]


def target(study: Study, rf: RunFolder) -> tuple[HumanDataset, pd.DataFrame]:
    """The real respondents the panel stands in for (a survey-weighted draw)."""
    from chorus.surveys import load_dataset

    dataset = load_dataset(study.target.dataset)
    path = rf.work / "target" / "respondents.parquet"
    key = stage_key(study, None, "seed", "target")
    if not rf.done("target", key):
        people = dataset.respondents(
            n=study.target.n, seed=study.seed, weighted=study.target.weighted
        )
        _parquet(path, people)
        rf.mark("target", key)
    return dataset, pd.read_parquet(path)


def match(
    study: Study,
    rf: RunFolder,
    engine: Engine,
    pool_dir: Path,
    respondents: pd.DataFrame,
    source: str,
) -> pd.DataFrame:
    from chorus.matching import MATCH_FILE, match_pool

    folder = rf.work / "match"
    key = stage_key(study, engine, "seed", "pool", "target", "matching")
    if not rf.done("match", key):
        match_pool(pool_dir, respondents, source, folder, study.matching.method, seed=study.seed)
        rf.mark("match", key)
    return pd.read_parquet(folder / MATCH_FILE)


def tune(study: Study, rf: RunFolder, engine: Engine, base: str | None, progress: bool) -> Path:
    """Fine-tune the engine's model (`base`) on the `tune:` section's data answering the
    survey's whole instrument (chorus.tuning); returns the tuned model folder: `tune/model` in
    the run folder, or the section's `out`. A killed run resumes from the folder's checkpoint;
    a named `out` that already holds this tuning is reused (several studies can share one)."""
    import json
    import shutil

    from chorus.simulator.study.runfolder import RunFolderError, write_json
    from chorus.tuning import TuneOptions, TuningError, read_manifest
    from chorus.tuning import tune as run_tune

    spec = study.tune
    assert spec is not None
    options = TuneOptions(**spec.model_dump(include=set(TuneOptions.model_fields)))
    data = spec.data or study.target.dataset
    recipe = f"{options.model_dump_json()}|{study.survey.instrument}|{data}|{engine.fingerprint}"
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    folder = Path(spec.out) if spec.out else rf.work / "tune" / "model"
    if rf.done("tune", key) and folder.is_dir():
        return folder
    if spec.out and folder.is_dir():
        m = read_manifest(folder)
        wanted = (options, instrument(study).name, data, engine.model_id)
        if m is None or (m.options, m.instrument, m.data, m.base_model) != wanted:
            raise RunFolderError(
                f"tune.out: {folder} exists and holds another model or another tuning (its "
                "options, instrument, data or base model differ); delete it or name another "
                "folder"
            )
    else:
        if not spec.out:  # leftovers of a tuning with other settings go; the same one resumes
            started = rf.work / "tune" / "key.json"
            if not (started.is_file() and json.loads(started.read_text())["key"] == key):
                shutil.rmtree(rf.work / "tune", ignore_errors=True)
            write_json(started, {"key": key})
        if not folder.is_dir():  # (a folder finished but not yet marked is kept)
            try:
                run_tune(
                    study.survey.instrument, data, folder, options, base=base, progress=progress
                )
            except TuningError as exc:
                raise RunFolderError(f"tune: {exc}") from None
    rf.mark("tune", key, {"folder": spec.out or "tune/model"})
    return folder


def instrument(study: Study) -> Instrument:
    from chorus.surveys import load_instrument

    inst = load_instrument(study.survey.instrument)
    return inst.subset(study.survey.questions) if study.survey.questions else inst


def panels(
    pool_dir: Path, respondents: pd.DataFrame, matched: pd.DataFrame
) -> dict[str, list[Persona]]:
    """Per kind of panel, the personas to ask.

    `backstory` personas are the matched pool personas, standing in for their respondents: they
    carry the respondent's demographics for group membership (party for the in-group/out-group
    picture), and an id per matched pair so a persona reused by greedy-replace stays two people.
    The demographic styles ask the respondents themselves, from their own demographics.
    """
    from chorus.personas import read_pool
    from chorus.surveys import personas_from_respondents

    by_id = {p.persona_id: p for p in read_pool(pool_dir).personas()}
    own = {p.persona_id: p for p in personas_from_respondents(respondents)}
    stand_ins = []
    for rec in matched.itertuples(index=False):
        rid, pid = str(rec.respondent_id), str(rec.persona_id)
        stand_ins.append(
            Persona(
                persona_id=f"{rid}~{pid}",
                demographics=own[rid].demographics,
                backstory=by_id[pid].backstory,
            )
        )
    return {"backstory": stand_ins, "demographic": list(own.values())}


def survey(
    study: Study,
    rf: RunFolder,
    engine: Engine,
    inst: Instrument,
    people: dict[str, list[Persona]],
    progress: bool,
) -> dict[str, Results]:
    """Per conditioning style, the Results; each style's folder is a survey folder that
    `chorus survey score` can score again."""
    from chorus.surveys import RunInfo, ask, incomplete_answers, read_survey, write_survey

    out: dict[str, Results] = {}
    spec = study.survey
    for style in spec.conditioning:
        folder = rf.work / "survey" / style
        key = stage_key(study, engine, "seed", "pool", "target", "matching", "survey") + style
        if not rf.done(f"survey-{style}", key):
            # `answers` personas are the respondents with their own answers (runner.py)
            personas = people.get(style, people["demographic"])
            asked = (
                spec.perspectives
                if style == "backstory"
                else spec.reference_perspectives or spec.perspectives
            )
            results = ask(
                engine,
                personas,
                inst,
                conditioning=style,
                debias=spec.debias,
                perspectives=asked,
                seed=study.seed,
                batch_personas=spec.batch_personas,
                progress=progress,
            )
            run = RunInfo(
                instrument=inst.name,
                conditioning=style,
                personas={"study": study.name},
                n_personas=len(personas),
                seed=study.seed,
                debias=spec.debias,
                perspectives=asked,
                engine=engine.describe(),
                rows=len(results.answers),
                incomplete_answers=incomplete_answers(results.answers),
            )
            write_survey(folder, results, run)
            rf.mark(f"survey-{style}", key)
        out[style] = read_survey(folder)[0]
    return out


def consensus(
    study: Study,
    rf: RunFolder,
    engine: Engine,
    stand_ins: list[Persona],
    answers: Results,
    dataset: HumanDataset,
    progress: bool,
    answered_by: str = "",
) -> list[Episode]:
    """Consensus pilot, the pipeline of `chorus consensus run` with the section's options: the
    questions file's questions, else debate-bank questions; the panel is drawn from the survey's
    matched stand-ins (the same people: backstory and respondent's demographics) as
    representatives, each carrying its own survey `answers` (O and M items), with the perception
    pre-test against `dataset`'s real respondents (survey_pilot.py). With a trained reward, the
    panel is real participants of the model's Polis conversation (their vote histories) and the
    question, without a file, the conversation's own. `answered_by`: the tuned model's
    fingerprint when a tuned model answered the survey (the base `engine` still debates)."""
    from chorus.simulator.consensus import (
        bank_questions,
        draw_panel,
        read_episodes,
        run_consensus,
        write_episodes,
    )
    from chorus.simulator.consensus.representatives import ParticipantProfile
    from chorus.simulator.consensus.survey_pilot import run_survey_consensus
    from chorus.simulator.polis import (
        TrainedReward,
        conversation_panel,
        load_conversation,
        load_reward,
    )

    spec = study.consensus
    assert spec is not None
    folder = rf.work / "consensus"
    reward = load_reward(spec.reward, engine, debias=spec.debias)
    key = stage_key(study, engine, "seed", "pool", "target", "matching", "survey", "consensus")
    key += answered_by
    if isinstance(reward, TrainedReward):
        key += reward.digest
    if rf.done("consensus", key):
        return read_episodes(folder)
    rf.reset("consensus", "consensus")
    if isinstance(reward, TrainedReward):
        questions = spec.file_questions() or [reward.question()]
        conv = load_conversation(reward.conversation)
        panel = conversation_panel(conv, spec.panel, seed=study.seed)
        episodes = run_consensus(
            engine,
            questions,
            panel,
            spec.config(study.seed),
            sections=spec.section_set(),
            progress=progress,
            reward=reward,
        )
    else:
        questions = spec.file_questions() or bank_questions(
            spec.questions, spec.split, study.seed, spec.question_ids
        )
        profiles = [ParticipantProfile.from_persona(p) for p in stand_ins]
        episodes = run_survey_consensus(
            engine,
            questions,
            draw_panel(profiles, spec.panel, study.seed),
            spec,
            answers,
            dataset,
            seed=study.seed,
            debias=study.survey.debias,
            progress=progress,
            reward=reward,
        )
    write_episodes(folder, episodes)
    rf.mark("consensus", key)
    return episodes


def estimate(study: Study, rf: RunFolder, engine: Engine, inst: Instrument, progress: bool):
    """Rectified pilot estimates of the survey's questions, `chorus estimate`'s pipeline with
    the section's options (surveys/estimates/pilot.py): estimates.json and estimates.csv in
    `estimate/`."""
    from chorus.surveys.estimates import Estimates
    from chorus.surveys.estimates import estimate as run_estimate

    spec = study.estimate
    assert spec is not None
    folder = rf.work / "estimate"
    key = stage_key(study, engine, "seed", "target", "survey", "estimate")
    if not rf.done("estimate", key):
        rf.reset("estimate", "estimate")
        est = run_estimate(
            engine,
            inst,
            study.target.dataset,
            pilot_n=spec.pilot_n,
            pilot_fraction=spec.pilot_fraction,
            frame=spec.frame,
            frame_n=spec.frame_n,
            questions=spec.questions,
            calibration=spec.calibration,
            subgroups=tuple(spec.subgroups),
            conditioning=spec.conditioning,
            seed=study.seed,
            allow_overlap=spec.allow_overlap,
            progress=progress,
        )
        folder.mkdir(parents=True, exist_ok=True)
        est.write(folder)
        rf.mark("estimate", key)
    return Estimates.model_validate_json((folder / "estimates.json").read_text())
