"""One Habermas-machine episode (Bakker et al. 2022) on one question:
opinions -> N candidates -> utilities -> social welfare -> winner; then critique and revision
rounds; then final agreement. Optionally, the exclusion analysis."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from chorus.core import derive_seed, neutralise
from chorus.engines import Engine
from chorus.simulator.consensus.mediator import TEMPLATES as MEDIATOR_TEMPLATES
from chorus.simulator.consensus.mediator import Candidate, draft_requests, write_candidates
from chorus.simulator.consensus.questions import Question
from chorus.simulator.consensus.representatives import (
    Critique,
    DigitalRepresentative,
    expected_agreement,
    write_critiques,
    write_opinions,
)
from chorus.simulator.consensus.representatives import prompts_hash as representative_prompts_hash
from chorus.simulator.consensus.reward import RepresentativeReward, RewardModel
from chorus.simulator.consensus.sanitize import TextFlag, flag, suspicion
from chorus.simulator.consensus.schema import (
    ConsensusConfig,
    Episode,
    ExclusionRecord,
    OpinionRecord,
    RoundRecord,
)
from chorus.simulator.consensus.welfare import SocialWelfare

NEUTRAL = 4.0  # "neither agree nor disagree" on the 7-point scale


def collect_opinions(
    engine: Engine,
    question: Question,
    panel: Sequence[DigitalRepresentative],
    config: ConsensusConfig,
) -> list[OpinionRecord]:
    """Human opinions from the question's record; representatives write the missing ones."""
    missing = [rep for rep in panel if rep.participant_id not in question.opinions]
    written = write_opinions(
        engine,
        [(rep, question.text) for rep in missing],
        seed=config.seed,
        max_tokens=config.opinion_tokens,
        temperature=config.dr_temperature,
    )
    by_dr = {rep.participant_id: text for rep, text in zip(missing, written)}
    records = []
    for rep in panel:
        pid = rep.participant_id
        human = pid in question.opinions
        raw = question.opinions[pid] if human else by_dr[pid]
        records.append(
            OpinionRecord(
                participant_id=pid,
                source="human" if human else "representative",
                raw=raw,
                text=neutralise(raw),
                flagged=bool(suspicion(raw)),
            )
        )
    return records


def _score(
    reward: RewardModel,
    question: Question,
    panel: Sequence[DigitalRepresentative],
    dr_opinions: dict[str, str | None],
    sets: list[list[str]],
) -> list[np.ndarray]:
    """Every set's statements for every participant in one reward call, split back per set."""
    flat = [s for group in sets for s in group]
    probs = reward.agreement(question.text, panel, dr_opinions, flat)
    bounds = np.cumsum([0, *map(len, sets)])
    return [probs[:, a:b] for a, b in pairwise(bounds)]


def run_episode(
    engine: Engine,
    question: Question,
    panel: Sequence[DigitalRepresentative],
    config: ConsensusConfig,
    reward: RewardModel | None = None,
) -> Episode:
    if len(panel) < 2:
        raise ValueError("a consensus episode needs at least two participants")
    reward = reward or RepresentativeReward(engine, debias=config.debias)
    swf = SocialWelfare.parse(config.swf)
    seed = derive_seed(config.seed, question.id)
    ids = [rep.participant_id for rep in panel]
    opinions = collect_opinions(engine, question, panel, config)
    # every text is shown, flagged or not: the prompts quote it as data it cannot escape
    shown = {o.participant_id: o.text for o in opinions}
    dr_opinions: dict[str, str | None] = dict(shown)
    n = config.candidates

    # Round 0 and the exclusion runs are independent: one generate call and one choice call.
    left_out = _excluded(ids, config.exclusions, seed)
    batches = [
        draft_requests(question.text, shown, n, seed=seed, tag="round0", settings=config.mediator)
    ]
    for pid in left_out:
        rest = {k: v for k, v in shown.items() if k != pid}
        batches.append(
            draft_requests(
                question.text, rest, n, seed=seed, tag=f"exclude:{pid}", settings=config.mediator
            )
        )
    made = write_candidates(engine, batches)
    sets = [[c.text for c in cands] for cands in made]
    if question.affirming_statement:
        sets.append([question.affirming_statement])
    scored = _score(reward, question, panel, dr_opinions, sets)
    positions = (
        dict(zip(ids, expected_agreement(scored[-1][:, 0]).tolist()))
        if question.affirming_statement
        else {}
    )
    rounds = [_round(0, "initial", made[0], scored[0], swf, {})]
    exclusions = [
        _exclusion(pid, ids, cands, probs, swf)
        for pid, cands, probs in zip(left_out, made[1:], scored[1 : 1 + len(left_out)])
    ]
    final_probs = scored[0][:, rounds[0].winner]

    for r in range(1, config.rounds):
        draft = rounds[-1].candidates[rounds[-1].winner].text
        critiques = _critiques(engine, question, panel, dr_opinions, draft, config, seed, r)
        batch = draft_requests(
            question.text,
            shown,
            n,
            seed=seed,
            tag=f"round{r}",
            settings=config.mediator,
            draft=draft,
            critiques=critiques,
        )
        cands = write_candidates(engine, [batch])[0]
        probs = _score(reward, question, panel, dr_opinions, [[c.text for c in cands]])[0]
        rounds.append(_round(r, "revision", cands, probs, swf, critiques))
        final_probs = probs[:, rounds[-1].winner]

    final = expected_agreement(final_probs)
    return Episode(
        question=question,
        participants=ids,
        swf=swf.name,
        seed=seed,
        opinions=opinions,
        positions=positions,
        divisive=question.divisive if question.divisive is not None else _divisive(positions),
        rounds=rounds,
        statement=rounds[-1].candidates[rounds[-1].winner].text,
        agreement=dict(zip(ids, final.tolist())),
        agreement_probs={pid: p.tolist() for pid, p in zip(ids, final_probs)},
        exclusions=exclusions,
        sections=sorted(s.value for s in panel[0].sections),
        panel_summary=config.mediator.panel,
        contexts={
            rep.participant_id: rep.context(question.text, dr_opinions[rep.participant_id])
            for rep in panel
        },
        engine=engine.describe(),
        prompts_hash=representative_prompts_hash() + MEDIATOR_TEMPLATES.digest,
        flags=_flags(panel, opinions, rounds, exclusions),
    )


def _flags(
    panel: Sequence[DigitalRepresentative],
    opinions: list[OpinionRecord],
    rounds: list[RoundRecord],
    exclusions: list[ExclusionRecord],
) -> list[TextFlag]:
    """Every participant-written or participant-derived text the heuristic finds suspicious:
    profile texts, opinions, critiques, and the candidates written from them."""
    found = [
        flag(t, src, rep.participant_id, where)
        for rep in panel
        for src, where, t in _profile_texts(rep)
    ]
    found += [flag(o.raw, "opinion", o.participant_id) for o in opinions]
    found += [
        flag(text, "critique", pid, f"round{x.round}")
        for x in rounds
        for pid, text in x.critiques.items()
    ]
    steps = [(f"round{x.round}", x) for x in rounds]
    steps += [(f"exclude:{x.excluded}", x) for x in exclusions]
    found += [
        flag(c.text, "candidate", None, f"{step} candidate {k}")
        for step, rec in steps
        for k, c in enumerate(rec.candidates)
    ]
    return [f for f in found if f is not None]


def _profile_texts(rep: DigitalRepresentative) -> list[tuple[str, str, str]]:
    """(source, where, text) of what a participant's profile quotes in its prompts."""
    p = rep.profile
    out = [("backstory", "", p.backstory)] if p.backstory else []
    for i, o in enumerate(p.opinions):
        out += [("O item", f"#{i}", t) for t in (o.question, o.opinion, o.answer) if t]
    for i, c in enumerate(p.critiques):
        out += [("C item", f"#{i}", t) for t in (c.question, c.draft, c.critique)]
    out += [("P item", f"#{i}", x.statement) for i, x in enumerate(p.positions)]
    for i, m in enumerate(p.perceptions):
        out += [("M item", f"#{i}", t) for t in (m.question, m.answer)]
    return out


def _critiques(
    engine: Engine,
    question: Question,
    panel: Sequence[DigitalRepresentative],
    dr_opinions: dict[str, str | None],
    draft: str,
    config: ConsensusConfig,
    seed: int,
    r: int,
) -> dict[str, str]:
    """Each representative's critique of the draft, as the mediator is shown it."""
    texts = write_critiques(
        engine,
        [
            Critique(
                rep=rep,
                question=question.text,
                draft=draft,
                opinion=dr_opinions[rep.participant_id],
            )
            for rep in panel
        ],
        seed=derive_seed(seed, "critiques", r),
        max_tokens=config.critique_tokens,
        temperature=config.dr_temperature,
    )
    return {rep.participant_id: neutralise(text) for rep, text in zip(panel, texts)}


def _round(
    r: int,
    kind: str,
    cands: list[Candidate],
    probs: np.ndarray,
    swf: SocialWelfare,
    critiques: dict[str, str],
) -> RoundRecord:
    u = expected_agreement(probs)
    winner, welfare = swf.select(u)
    return RoundRecord(
        round=r,
        kind=kind,
        candidates=cands,
        utilities=u.tolist(),
        welfare=welfare.tolist(),
        winner=winner,
        critiques=critiques,
    )


def _exclusion(
    pid: str, ids: list[str], cands: list[Candidate], probs: np.ndarray, swf: SocialWelfare
) -> ExclusionRecord:
    u = expected_agreement(probs)
    i = ids.index(pid)
    others = [k for k in range(len(ids)) if k != i]
    winner, welfare = swf.select(u[others])  # the left-out participant has no say
    return ExclusionRecord(
        excluded=pid,
        candidates=cands,
        utilities=u.tolist(),
        welfare=welfare.tolist(),
        winner=winner,
        excluded_agreement=float(u[i, winner]),
        included_agreement=float(u[others, winner].mean()),
    )


def _excluded(ids: list[str], k: int, seed: int) -> list[str]:
    rng = np.random.default_rng(derive_seed(seed, "exclusions"))
    picks = rng.choice(len(ids), size=min(k, len(ids)), replace=False)
    return [ids[i] for i in sorted(picks)]


def _divisive(positions: dict[str, float]) -> bool | None:
    """Divisive = the participants' positions on the proposition fall on both sides of neutral."""
    if not positions:
        return None
    vals = list(positions.values())
    return min(vals) < NEUTRAL < max(vals)
