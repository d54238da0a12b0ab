"""What the survey says about a panel, for the mediator (consensus.mediator_panel): where each
group stands on the opinion questions that divide them, and how far each group's picture of the
other is from the other's own answers (both from the panel members' survey answers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # surveys' Results loads pandas
    from chorus.surveys import GroupSet, Question, Results


def panel_summary(
    participants: Sequence[str],
    results: Results,
    opinion_questions: Sequence[str] | None = None,
    max_positions: int = 5,
) -> str | None:
    """Plain lines for the mediator, or None when the panel's groups cannot be told apart."""
    from chorus.simulator.consensus.representatives import self_questions

    inst = results.instrument
    if not inst.groups:
        return None
    gs = next(iter(inst.groups.values()))
    traits = results.traits.set_index(results.traits["persona_id"].astype(str))
    group_of = {}
    for pid in participants:
        member = gs.member_of(traits[gs.trait].get(pid)) if gs.trait in traits else None
        if member is not None:
            group_of[pid] = member.name
    if not group_of:
        return None
    rows = results.answers[results.answers["persona_id"].astype(str).isin(group_of)]
    dists = {
        (str(pid), qid, persp, g if isinstance(g, str) else None): np.asarray(p, dtype=float)
        for pid, qid, persp, g, p in rows[
            ["persona_id", "question_id", "perspective", "group", "probs"]
        ].itertuples(index=False)
    }
    counts = {
        name: sum(g == name for g in group_of.values()) for name in sorted(set(group_of.values()))
    }
    lines = ["On this panel: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + "."]
    for qid in opinion_questions or self_questions(results):
        if len(lines) > max_positions:
            break
        q = inst.question(qid)
        modal = {name: _stance(q, _mean(dists, group_of, name, qid, "self")) for name in counts}
        if len(set(modal.values()) - {None}) > 1:
            lines.append(
                f"Divided on {q.text!r}: "
                + "; ".join(f"most {name} {ans}" for name, ans in modal.items() if ans)
                + "."
            )
    lines += _gaps(dists, group_of, results, gs)
    return "\n".join(lines)


def _gaps(dists: dict, group_of: dict[str, str], results: Results, gs: GroupSet) -> list[str]:
    """Each group's picture of the other, next to the other's own answers on the panel."""
    inst = results.instrument
    out = []
    asked = {(qid, g) for (_, qid, persp, g) in dists if persp == "outgroup"}
    for qid, about in sorted(asked):
        q = inst.question(qid)
        if not q.spec.single_answer:  # selections or ranks have no mean position to compare
            continue
        seer = gs.other(gs.get(about)).name
        seen = _mean(dists, group_of, seer, qid, "outgroup", about)
        own = _mean(dists, group_of, about, qid, "self")
        if seen is None or own is None:
            continue
        lo, hi = q.substantive_options[0], q.substantive_options[-1]
        out.append(
            f"Asked how most {about} would answer {q.text!r}, the {seer} here say "
            f"{_value(q, seen):.1f} on average; the {about} here answer {_value(q, own):.1f} "
            f"themselves ({q.values[0]:g} = {lo.text}, {q.values[-1]:g} = {hi.text})."
        )
    return out


def _mean(
    dists: dict, group_of: dict[str, str], name: str, qid: str, persp: str, about: str | None = None
) -> np.ndarray | None:
    """The group's members' mean distribution on an item (None without one)."""
    got = [
        d for (pid, q, p, g), d in dists.items()
        if q == qid and p == persp and g == about and group_of[pid] == name
    ]  # fmt: skip
    return np.mean(got, axis=0) if got else None


def _stance(q: Question, dist: np.ndarray | None) -> str | None:
    """What most of a group answer, from its members' mean row: the likeliest option; for
    check all that apply the options a majority select (mean inclusion probability over 1/2);
    for a ranking the item most often ranked first."""
    if dist is None:
        return None
    opts = q.substantive_options
    k = len(opts)
    if q.spec.independent:
        chosen = [repr(o.text) for o, p in zip(opts, dist[:k]) if p > 0.5]
        return "select " + " and ".join(chosen) if chosen else "select none of them"
    if q.spec.ranked:
        first = q.spec.share_rows(dist[None, : k * k], k)[0]
        return f"rank {opts[int(np.argmax(first))].text!r} first"
    return f"answer {opts[int(np.argmax(dist[:k]))].text!r}"


def _value(q: Question, dist: np.ndarray) -> float:
    p = dist[: len(q.substantive_options)]
    return float(p / p.sum() @ q.values)
