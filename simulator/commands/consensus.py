"""`chorus consensus run` (Habermas-machine episodes with digital representatives),
`chorus consensus measures` (agreement, unanimity, exclusion over any episodes) and
`chorus consensus eval-polis` (representatives predicting held-out real Polis votes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chorus.simulator.commands.engine_options import EngineChoice, engine_options
from chorus.simulator.commands.engine_options import fail as _fail
from chorus.simulator.consensus import ConsensusConfig

_DEFAULTS = ConsensusConfig()  # the same defaults as a study's consensus section

if TYPE_CHECKING:
    from chorus.simulator.representatives import ParticipantProfile


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        no_args_is_help=True,
        help="Consensus mechanism with digital representatives; validation on real Polis data.",
    )
    group.command("run")(run)
    group.command("measures")(measures)
    group.command("eval-polis")(eval_polis)
    app.add_typer(group, name="consensus")


def load_panel(spec: str, size: int | None, seed: int) -> list[ParticipantProfile]:
    """A panel file (YAML/JSON), a persona pool folder, or `polis:NAME_OR_FOLDER` (a Polis
    conversation's participants, their votes as the O section)."""
    from chorus.simulator.consensus import draw_panel
    from chorus.simulator.polis import conversation_panel, load_conversation
    from chorus.simulator.representatives import PanelError, load_panel_file, load_persona_pool

    if spec.startswith("polis:"):
        return conversation_panel(load_conversation(spec[len("polis:") :]), size, seed=seed)
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


@engine_options
def run(
    questions: Annotated[
        Path, typer.Option(help="YAML/JSON questions (id, text, optional opinions).")
    ],
    panel: Annotated[
        str, typer.Option(help="Panel YAML/JSON, persona pool folder, or polis:NAME.")
    ],
    out: Annotated[Path, typer.Option(help="Run folder: episodes.json, *.parquet, measures.json.")],
    panel_size: Annotated[
        int | None, typer.Option(help="Participants drawn from the panel.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    rounds: Annotated[
        int, typer.Option(help="1 = no critique round; 2 = one revision round.")
    ] = _DEFAULTS.rounds,
    candidates: Annotated[
        int, typer.Option(help="Candidate statements per round.")
    ] = _DEFAULTS.candidates,
    swf: Annotated[
        str, typer.Option(help="utilitarian | nash | rawlsian | schulze | alpha=A")
    ] = _DEFAULTS.swf,
    sections: Annotated[
        str, typer.Option(help="DR sections: base,D,O,C,P,backstory.")
    ] = "base,D,O,C,P,backstory",
    exclusions: Annotated[
        int, typer.Option(help="Participants left out one at a time per question.")
    ] = _DEFAULTS.exclusions,
    statement_tokens: Annotated[
        int, typer.Option(help="Max tokens of a candidate statement.")
    ] = _DEFAULTS.mediator.max_tokens,
    debias: Annotated[
        bool, typer.Option(help="Average the agreement scale in both directions.")
    ] = _DEFAULTS.debias,
    seed: Annotated[int, typer.Option()] = 0,
    engine: EngineChoice = EngineChoice(),
    json_out: Annotated[bool, typer.Option("--json", help="Print the measures as JSON.")] = False,
) -> None:
    """Run one consensus episode per question and record everything."""
    from chorus.simulator.consensus import (
        MediatorSettings,
        QuestionFileError,
        SocialWelfare,
        load_questions,
        measure,
        run_consensus,
        write_episodes,
        write_json,
    )
    from chorus.simulator.polis import PolisDataError
    from chorus.simulator.representatives import PanelError, Section

    try:
        SocialWelfare.parse(swf)
        use = Section.parse(sections)
        config = ConsensusConfig(
            candidates=candidates,
            rounds=rounds,
            swf=swf,
            exclusions=exclusions,
            seed=seed,
            debias=debias,
            mediator=MediatorSettings(max_tokens=statement_tokens),
        )
        qs = load_questions(questions, limit)
        profiles = load_panel(panel, panel_size, seed)
    except (ValueError, QuestionFileError, PanelError, PolisDataError) as exc:
        _fail(str(exc))
    if len(profiles) < 2:
        _fail(f"panel {panel!r} has {len(profiles)} participant(s); a consensus needs two or more")
    eng = engine.load()
    episodes = run_consensus(eng, qs, profiles, config, sections=use, progress=True)
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
            "questions": str(questions),
            "sections": sorted(s.value for s in use),
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
        int | None, typer.Option(help="Evaluate a seeded sample of this many participants.")
    ] = None,
    max_o_items: Annotated[
        int, typer.Option(help="Held-in votes shown in the O section, at most.")
    ] = 20,
    alpha: Annotated[
        float, typer.Option(help="W_alpha over groups that picks the top 5 (1 = Nash).")
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
