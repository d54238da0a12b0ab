"""The stages of a study, each resumable: pool -> profiles -> target -> match -> survey ->
metrics -> consensus. Each returns what the next needs and leaves its files in the run folder."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.study.runfolder import RunFolder, write_bytes
from simulator.study.schema import Study

BANK = Path(__file__).resolve().parent.parent / "data" / "questions" / "debate_questions.json"


def _parquet(path: Path, table: pd.DataFrame) -> None:
    import io

    buf = io.BytesIO()
    table.to_parquet(buf, index=False)
    write_bytes(path, buf.getvalue())


def pool(study: Study, rf: RunFolder, engine, progress: bool) -> Path:
    """Generate (or copy in) the persona pool and profile its demographics."""
    import shutil

    from backstories import BackstoryConfig
    from personas import generate_pool, profile_pool

    folder = rf.work / "pool"
    key = study.digest("seed", "engine", "pool")
    if rf.done("pool", key):
        return folder
    rf.reset("pool", "pool")
    spec = study.pool
    if spec.path:
        src = Path(spec.path)
        if not (src / "personas.parquet").is_file():
            raise FileNotFoundError(f"pool.path {src}: not a persona pool (no personas.parquet)")
        shutil.copytree(src, folder)
    else:
        config = BackstoryConfig.for_style(
            spec.style, max_tokens=spec.max_tokens, min_words=spec.min_words,
            n_questions=spec.n_questions, resample_budget=spec.resample_budget,
        )
        generate_pool(folder, spec.n, engine, config, seed=study.seed, batch_size=spec.batch_size, progress=progress)
    profile_pool(folder, engine, progress=progress)
    rf.mark("pool", key)
    return folder


def target(study: Study, rf: RunFolder) -> tuple[Any, pd.DataFrame]:
    """The real respondents the panel stands in for (a survey-weighted draw)."""
    from surveys import load_dataset

    dataset = load_dataset(study.target.dataset)
    path = rf.work / "target" / "respondents.parquet"
    key = study.digest("seed", "target")
    if not rf.done("target", key):
        people = dataset.respondents(n=study.target.n, seed=study.seed, weighted=study.target.weighted)
        _parquet(path, people)
        rf.mark("target", key)
    return dataset, pd.read_parquet(path)


def match(study: Study, rf: RunFolder, pool_dir: Path, respondents: pd.DataFrame, source: str) -> pd.DataFrame:
    from matching import (
        LogWeights,
        encode_respondents,
        match_table,
        read_pool_demographics,
        write_match,
    )
    from matching import match as run_match

    folder = rf.work / "match"
    key = study.digest("seed", "engine", "pool", "target", "matching")
    if not rf.done("match", key):
        demo = read_pool_demographics(pool_dir)
        ids, codes = encode_respondents(respondents, demo.categories, source)
        result = run_match(LogWeights(demo.probs, codes), study.matching.method, seed=study.seed, respondent_ids=ids)
        table = match_table(result.respondent, result.persona, result.log_weight, ids, demo.persona_ids)
        write_match(folder, table, result.diagnostics)
        rf.mark("match", key)
    return pd.read_parquet(folder / "match.parquet")


def instrument(study: Study):
    from surveys import load_instrument

    inst = load_instrument(study.survey.instrument)
    if study.survey.questions:
        unknown = sorted(set(study.survey.questions) - {q.id for q in inst.questions})
        if unknown:
            raise ValueError(f"survey.questions names {unknown}, which instrument {inst.name!r} lacks")
        keep = [q for q in inst.questions if q.id in study.survey.questions]
        scale = None if inst.scale is None else [q for q in inst.scale if q in study.survey.questions]
        inst = inst.model_copy(update={"questions": keep, "scale": scale})
    return inst


def panels(pool_dir: Path, respondents: pd.DataFrame, matched: pd.DataFrame) -> dict[str, tuple[list, pd.DataFrame]]:
    """Per conditioning style, the personas to ask and their trait table (persona_id + traits).

    `backstory` personas are the matched pool personas, standing in for their respondents: they
    carry the respondent's demographics for group membership (party for the in-group/out-group
    picture), and an id per matched pair so a persona reused by greedy-replace stays two people.
    The demographic styles ask the respondents themselves, from their own demographics.
    """
    from surveys import Persona, demographic_traits, personas_from_pool, personas_from_respondents

    traits = list(demographic_traits())
    by_id = {p.persona_id: p for p in personas_from_pool(pool_dir)}
    resp = respondents.set_index(respondents["respondent_id"].astype(str))
    stand_ins, rows = [], []
    for rec in matched.itertuples(index=False):
        rid, pid = str(rec.respondent_id), str(rec.persona_id)
        person = resp.loc[rid]
        demo = {t: (None if pd.isna(person[t]) else str(person[t])) for t in traits}
        sid = f"{rid}~{pid}"
        stand_ins.append(Persona(persona_id=sid, demographics=demo, backstory=by_id[pid].backstory))
        rows.append({"persona_id": sid, **demo})
    own = respondents[["respondent_id", *traits]].rename(columns={"respondent_id": "persona_id"})
    own["persona_id"] = own["persona_id"].astype(str)
    return {
        "backstory": (stand_ins, pd.DataFrame(rows)),
        "demographic": (personas_from_respondents(respondents), own),
    }


def survey(study: Study, rf: RunFolder, engine, inst, people: dict, progress: bool) -> dict[str, pd.DataFrame]:
    from surveys import answer

    out = {}
    for style in study.survey.conditioning:
        folder = rf.work / "survey" / style
        key = study.digest("seed", "engine", "pool", "target", "matching", "survey") + style
        if not rf.done(f"survey-{style}", key):
            personas, traits = people["backstory" if style == "backstory" else "demographic"]
            spec = study.survey
            asked = spec.perspectives if style == "backstory" else spec.reference_perspectives or spec.perspectives
            table = answer(
                engine, personas, inst, conditioning=style, debias=spec.debias,
                perspectives=asked, seed=study.seed, progress=progress,
            )
            _parquet(folder / "answers.parquet", table)
            _parquet(folder / "personas.parquet", traits)
            rf.mark(f"survey-{style}", key)
        out[style] = pd.read_parquet(folder / "answers.parquet")
    return out


def consensus(study: Study, rf: RunFolder, engine, pool_dir: Path, matched: pd.DataFrame, progress: bool) -> list:
    """Consensus pilot: debate-bank questions, a panel of matched personas as representatives."""
    from simulator.consensus import (
        ConsensusConfig,
        MediatorSettings,
        Question,
        read_episodes,
        run_episode,
        write_episodes,
    )
    from simulator.representatives import DigitalRepresentative, load_persona_pool

    spec = study.consensus
    assert spec is not None
    folder = rf.work / "consensus"
    key = study.digest("seed", "engine", "pool", "target", "matching", "consensus")
    if rf.done("consensus", key):
        return read_episodes(folder)
    rf.reset("consensus", "consensus")
    bank = json.loads(BANK.read_text())
    if spec.question_ids:
        chosen = [q for q in bank if q["id"] in set(spec.question_ids)]
        missing = sorted(set(spec.question_ids) - {q["id"] for q in chosen})
        if missing:
            raise ValueError(f"consensus.question_ids {missing} are not in the debate question bank")
    else:
        pool_qs = [q for q in bank if q["split"] == spec.split]
        chosen = random.Random(study.seed).sample(pool_qs, spec.questions)
    matched_ids = list(dict.fromkeys(matched["persona_id"].astype(str)))
    profiles = {p.participant_id: p for p in load_persona_pool(pool_dir)}
    members = random.Random(study.seed + 1).sample(matched_ids, min(spec.panel, len(matched_ids)))
    panel = [DigitalRepresentative(profile=profiles[m]) for m in members]
    config = ConsensusConfig(
        candidates=spec.candidates, rounds=spec.rounds, swf=spec.swf, exclusions=spec.exclusions,
        seed=study.seed, opinion_tokens=spec.opinion_tokens, critique_tokens=spec.critique_tokens,
        mediator=MediatorSettings(max_tokens=spec.statement_tokens),
    )
    from tqdm.auto import tqdm

    episodes = [
        run_episode(engine, Question.model_validate(q), panel, config)
        for q in tqdm(chosen, desc="consensus episodes", disable=not progress)
    ]
    write_episodes(folder, episodes)
    rf.mark("consensus", key)
    return episodes

