"""`chorus consensus run` (Habermas-machine episodes with digital representatives),
`chorus consensus measures` (agreement, unanimity, exclusion over any episodes),
`chorus consensus eval-polis` (representatives predicting held-out real Polis votes) and
`chorus consensus train-reward` (a reward model trained on a conversation's votes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chorus.cli.engine_options import (
    EngineChoice,
    check_writable,
    engine_options,
)
from chorus.cli.engine_options import fail as _fail
from chorus.simulator.consensus.options import ConsensusOptions

_DEFAULTS = ConsensusOptions()  # the options a study's consensus section sets, one model
ANSWERS_PANEL = 8  # respondents drawn for `--panel answers:DATASET` without --panel-size

if TYPE_CHECKING:
    from chorus.simulator.consensus.representatives import ParticipantProfile
    from chorus.surveys import HumanDataset, Results


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        no_args_is_help=True,
        help="Consensus mechanism with digital representatives; validation on real Polis data.",
    )
    group.command("run")(run)
    group.command("measures")(measures)
    group.command("eval-polis")(eval_polis)
    group.command("train-reward")(train_reward)
    app.add_typer(group, name="consensus")


def load_panel(spec: str, size: int | None, seed: int) -> list[ParticipantProfile]:
    """A panel file (YAML/JSON), a persona pool folder, `polis:NAME_OR_FOLDER` (a Polis
    conversation's participants, their votes as the O section), or `answers:DATASET` (real
    respondents, drawn with their survey weights, their own answers to the instrument of the
    same name as the O section)."""
    from chorus.simulator.consensus import draw_panel
    from chorus.simulator.consensus.representatives import (
        PanelError,
        load_panel_file,
        load_persona_pool,
    )
    from chorus.simulator.polis import conversation_panel, load_conversation

    if spec.startswith("polis:"):
        return conversation_panel(load_conversation(spec[len("polis:") :]), size, seed=seed)
    if spec.startswith("answers:"):
        return answers_panel(spec[len("answers:") :], size, seed)
    path = Path(spec)
    if path.is_dir():
        profiles = load_persona_pool(path)
    elif path.is_file():
        profiles = load_panel_file(path)
    else:
        raise PanelError(
            f"panel {spec!r} not found: give a panel YAML/JSON file, a persona pool folder, or "
            "polis:NAME (e.g. polis:brexit-consensus)"
        )
    return draw_panel(profiles, size, seed)


def answers_panel(name: str, size: int | None, seed: int) -> list[ParticipantProfile]:
    """Answer-based representatives: respondents of a shipped dataset with their own answers."""
    from chorus.simulator.consensus.representatives import PanelError, ParticipantProfile
    from chorus.surveys import (
        SurveyError,
        demographic_panel,
        load_dataset,
        load_instrument,
        with_answers,
    )

    try:
        ds = load_dataset(name)
        drawn = demographic_panel(ds, size or ANSWERS_PANEL, seed=seed)
        people = with_answers(drawn, ds, load_instrument(name))
    except SurveyError as exc:
        raise PanelError(f"--panel answers:{name}: {exc}") from None
    return [ParticipantProfile.from_persona(p) for p in people]


def read_panel_survey(
    folder: Path, profiles: list[ParticipantProfile], options: ConsensusOptions
) -> Results:
    """A survey folder of the panel's personas, checked against the options and the panel."""
    from chorus.simulator.consensus.representatives import (
        PanelError,
        check_survey_items,
        with_survey_answers,
    )
    from chorus.surveys import SurveyError, read_survey

    try:
        results, _ = read_survey(folder)
    except SurveyError as exc:
        raise PanelError(f"--survey: {exc}") from None
    flags = ("--opinion-questions", "--sections")
    check_survey_items(results, options.opinion_questions, options.wants_perceptions(), flags)
    try:
        with_survey_answers(profiles, results, options.opinion_questions)
    except PanelError as exc:
        raise PanelError(f"--survey {folder}: {exc}") from None
    return results


def survey_dataset(results: Results) -> HumanDataset | None:
    """The human dataset the survey's instrument maps, when it maps exactly one (the real
    out-group answers of the perception pre-test)."""
    from chorus.surveys import SurveyError, load_dataset

    names = {name for q in results.instrument.questions for name in q.sources}
    if len(names) != 1:
        return None
    try:
        return load_dataset(names.pop())
    except SurveyError:
        return None


@engine_options
def run(
    out: Annotated[Path, typer.Option(help="Run folder: episodes.json, *.parquet, measures.json.")],
    questions: Annotated[
        Path | None,
        typer.Option(
            help="YAML/JSON questions (id, text, optional opinions); with --reward trained:DIR "
            "the default is the conversation's own question."
        ),
    ] = None,
    panel: Annotated[
        str | None,
        typer.Option(
            help="Panel YAML/JSON, persona pool folder, or polis:NAME; with --reward "
            "trained:DIR the default is polis:<its conversation>."
        ),
    ] = None,
    mediator_panel: Annotated[
        bool,
        typer.Option(help="With --survey: the mediator sees the panel's positions and perception "
                     "gaps."),
    ] = _DEFAULTS.mediator_panel,
    perception_shift: Annotated[
        bool,
        typer.Option(help="With --survey: representatives answer their out-group items again "
                     "after each episode (winner, runner-up as control)."),
    ] = _DEFAULTS.perception_shift,
    reward: Annotated[
        str,
        typer.Option(
            help="representative (the DRs via engine.choice) or trained:DIR (a folder from "
            "`chorus consensus train-reward`)."
        ),
    ] = "representative",
    panel_size: Annotated[
        int | None, typer.Option(min=2, help="Participants drawn from the panel.")
    ] = None,
    survey: Annotated[
        Path | None,
        typer.Option(
            help="A `chorus survey run` folder of the same personas: each representative carries "
            "its own answers (O) and in-group/out-group perceptions (M)."
        ),
    ] = None,
    opinion_questions: Annotated[
        str | None,
        typer.Option(help="With --survey: question ids for O, comma-separated (default: all)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    rounds: Annotated[
        int, typer.Option(min=1, help="1 = no critique round; 2 = one revision round.")
    ] = _DEFAULTS.rounds,
    candidates: Annotated[
        int, typer.Option(min=1, help="Candidate statements per round.")
    ] = _DEFAULTS.candidates,
    swf: Annotated[
        str, typer.Option(help="utilitarian | nash | rawlsian | schulze | alpha=A")
    ] = _DEFAULTS.swf,
    sections: Annotated[
        str, typer.Option(help="DR sections: base,D,O,C,P,M,backstory.")
    ] = _DEFAULTS.sections,
    exclusions: Annotated[
        int, typer.Option(min=0, help="Participants left out one at a time per question.")
    ] = _DEFAULTS.exclusions,
    statement_tokens: Annotated[
        int, typer.Option(min=8, help="Max tokens of a candidate statement.")
    ] = _DEFAULTS.statement_tokens,
    opinion_tokens: Annotated[
        int, typer.Option(min=8, help="Max tokens of a representative's opinion.")
    ] = _DEFAULTS.opinion_tokens,
    critique_tokens: Annotated[
        int, typer.Option(min=8, help="Max tokens of a representative's critique.")
    ] = _DEFAULTS.critique_tokens,
    debias: Annotated[
        bool, typer.Option(help="Average the agreement scale in both directions.")
    ] = _DEFAULTS.debias,
    seed: Annotated[int, typer.Option()] = 0,
    engine: EngineChoice = EngineChoice(),
    json_out: Annotated[bool, typer.Option("--json", help="Print the measures as JSON.")] = False,
) -> None:
    """Run one consensus episode per question and record everything."""
    from pydantic import ValidationError

    from chorus.engines import EngineError
    from chorus.simulator.consensus import (
        QuestionFileError,
        RepresentativeReward,
        measure,
        run_consensus,
        write_episodes,
        write_json,
    )
    from chorus.simulator.consensus.representatives import PanelError
    from chorus.simulator.consensus.survey_pilot import run_survey_consensus
    from chorus.simulator.polis import PolisDataError, RewardSpecError, trained_reward

    try:
        chosen = {"sections": sections} if sections != _DEFAULTS.sections else {}
        options = ConsensusOptions(
            **chosen,
            question_file=str(questions) if questions else None,
            limit=limit,
            rounds=rounds,
            candidates=candidates,
            swf=swf,
            exclusions=exclusions,
            opinion_questions=opinion_questions.split(",") if opinion_questions else None,
            mediator_panel=mediator_panel,
            perception_shift=perception_shift,
            opinion_tokens=opinion_tokens,
            critique_tokens=critique_tokens,
            statement_tokens=statement_tokens,
            debias=debias,
            reward=reward,
        )
    except ValidationError as exc:
        _fail("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))
    try:
        trained = trained_reward(options.reward)
        if trained is not None:
            panel = panel or f"polis:{trained.conversation}"
        if panel is None or (questions is None and trained is None):
            raise ValueError("give --questions and --panel (or --reward trained:DIR)")
        qs = options.file_questions() or [trained.question()]  # type: ignore[union-attr]
        profiles = load_panel(panel, panel_size, seed)
        answers = read_panel_survey(survey, profiles, options) if survey else None
        if survey is None and opinion_questions:
            raise ValueError("--opinion-questions needs --survey (a survey run folder)")
    except (ValueError, QuestionFileError, PanelError, PolisDataError, RewardSpecError) as exc:
        _fail(str(exc))
    if len(profiles) < 2:
        _fail(f"panel {panel!r} has {len(profiles)} participant(s); a consensus needs two or more")
    check_writable(out, "--out")
    eng = engine.load()
    config = options.config(seed)
    use = options.section_set()
    scorer = trained or RepresentativeReward(eng, debias=options.debias)
    try:
        if answers is None:
            episodes = run_consensus(
                eng, qs, profiles, config, sections=use, progress=True, reward=scorer
            )
        else:
            episodes = run_survey_consensus(
                eng, qs, profiles, options, answers, survey_dataset(answers),
                seed=seed, progress=True, reward=scorer,
            )  # fmt: skip
    except RewardSpecError as exc:
        _fail(str(exc))
    except EngineError as exc:
        _fail(f"{exc}\n(answers that arrived are in the engine cache; run the same command again "
              "to resume)")
    for ep in episodes:
        typer.echo(f"[{ep.question.id}] {ep.statement[:100]}", err=True)
    result = measure(episodes, seed=seed)
    write_episodes(out, episodes)
    write_json(out / "measures.json", result.model_dump(mode="json"))
    write_json(
        out / "config.json",
        {
            "config": config.model_dump(mode="json"),
            "panel": panel,
            "questions": str(questions) if questions else "the conversation's question",
            "reward": reward,
            "sections": sorted(s.value for s in use),
            "survey": str(survey) if survey else None,
            "opinion_questions": options.opinion_questions,
            "mediator_panel": options.mediator_panel,
            "perception_shift": options.perception_shift,
            "engine": eng.describe(),
        },
    )
    typer.echo(
        result.model_dump_json(indent=1) if json_out else f"wrote {len(episodes)} episodes to {out}"
    )


def measures(
    episodes: Annotated[list[Path], typer.Argument(help="episodes.json files or run folders.")],
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
) -> None:
    """Mean and minimum agreement, unanimity on divisive questions, exclusion effect (JSON)."""
    from chorus.simulator.consensus import measure, read_episodes

    try:
        found = [e for path in episodes for e in read_episodes(path)]
        typer.echo(measure(found, seed=seed).model_dump_json(indent=1))
    except ValueError as exc:
        _fail(str(exc))


@engine_options
def eval_polis(
    conversation: Annotated[
        str, typer.Option(help="Vendored conversation name, or a Polis export folder.")
    ],
    max_participants: Annotated[
        int | None, typer.Option(min=1, help="Evaluate a seeded sample of this many participants.")
    ] = None,
    max_o_items: Annotated[
        int, typer.Option(min=0, help="Held-in votes shown in the O section, at most.")
    ] = 20,
    alpha: Annotated[
        float, typer.Option(min=0.0, help="W_alpha over groups that picks the top 5 (1 = Nash).")
    ] = 1.0,
    seed: Annotated[int, typer.Option()] = 0,
    engine: EngineChoice = EngineChoice(),
    json_out: Annotated[bool, typer.Option("--json", help="Print only the JSON object.")] = False,
) -> None:
    """Digital representatives predict held-out Polis votes, against three baselines."""
    from chorus.simulator.polis import PolisDataError, evaluate_polis, load_conversation

    try:
        conv = load_conversation(conversation)
    except PolisDataError as exc:
        _fail(str(exc))
    eng = engine.load()
    try:
        result = evaluate_polis(
            eng,
            conv,
            seed=seed,
            max_participants=max_participants,
            max_o_items=max_o_items,
            alpha=alpha,
        )
    except ValueError as exc:
        _fail(str(exc))
    report = result.report.model_dump(mode="json")
    if json_out:
        typer.echo(json.dumps(report))
        return
    typer.echo(
        f"{conv.name}: {result.participants_evaluated} of {result.participants_eligible} "
        f"eligible participants, {result.groups} opinion groups, {result.seconds:.0f} s"
    )
    for key in ("dr", "statement_rate", "group_rate", "dr_without_o"):
        s = report[key]
        auc = "  n/a" if s["auc"] is None else f"{s['auc']:.3f}"
        typer.echo(
            f"  {key:<15} accuracy {s['accuracy']:.3f}  log-loss {s['log_loss']:.3f}  "
            f"AUC {auc}  n {s['n']}"
        )
    typer.echo(
        f"  consensus Spearman {report['consensus_spearman']}, "
        f"top-5 overlap {report['top5_overlap']}/5"
    )


@engine_options
def train_reward(
    conversation: Annotated[
        str,
        typer.Option(
            help="Vendored conversation name, a Polis export folder, or a folder with "
            "statements.csv + votes.csv."
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="Model folder: model.npz, model.json, metrics.json, manifest.")
    ],
    dr_votes: Annotated[
        int,
        typer.Option(help="Held-out votes the digital representative predicts (0 = skip DR)."),
    ] = 120,
    folds: Annotated[int, typer.Option(help="Statement folds of the evaluation.")] = 5,
    seed: Annotated[int, typer.Option()] = 0,
    engine: EngineChoice = EngineChoice(),
    json_out: Annotated[bool, typer.Option("--json", help="Print metrics.json's rows.")] = False,
) -> None:
    """Train a reward model on a conversation's votes that scores new statements; evaluate it
    on held-out statements against the baselines and the digital representative."""
    from chorus.simulator.polis import PolisDataError
    from chorus.simulator.polis import train_reward as train

    if folds < 2:
        _fail(f"--folds {folds}: the statement split needs at least 2 folds")
    eng = engine.load() if dr_votes > 0 else None
    try:
        metrics = train(conversation, out, seed=seed, engine=eng, dr_votes=dr_votes, folds=folds)
    except (PolisDataError, ValueError) as exc:
        _fail(str(exc))
    if json_out:
        typer.echo(json.dumps(metrics["rows"]))
        return
    typer.echo(
        f"wrote {out} ({metrics['participants']} participants, {metrics['statements']} "
        f"statements, {metrics['seconds']:.0f} s); held-out statements:"
    )
    for key, s in metrics["rows"].items():
        if isinstance(s, dict):
            auc = "  n/a" if s["auc"] is None else f"{s['auc']:.3f}"
            typer.echo(
                f"  {key:<17} AUC {auc}  log-loss {s['log_loss']:.3f}  Brier {s['brier']:.3f}  "
                f"accuracy {s['accuracy']:.3f}  n {s['n_votes']}"
            )
    typer.echo(f"  consensus Spearman {metrics['rows']['consensus_spearman_trained']}")
    for warning in metrics["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
