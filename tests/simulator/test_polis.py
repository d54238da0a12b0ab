"""Polis validation: reading exports, the held-out split, opinion groups, the metrics, and the
real embedded model predicting held-out votes of a vendored conversation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from chorus.simulator.polis import (
    PolisDataError,
    conversation_names,
    group_rates,
    holdout_split,
    load_conversation,
    opinion_groups,
    score,
    top_k,
)
from chorus.simulator.polis.evaluate import _baselines

HEADER = "participant,group-id,n-comments,n-votes,n-agree,n-disagree"


def write_export(
    folder, votes: dict[str, dict[int, int]], statements: dict[int, str], moderated=None
):
    folder.mkdir(parents=True, exist_ok=True)
    moderated = moderated or {}
    lines = ["timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"]
    lines += [f'0,x,{c},0,0,0,{moderated.get(c, 1)},"{t}"' for c, t in statements.items()]
    (folder / "comments.csv").write_text("\n".join(lines) + "\n")
    ids = sorted(statements)
    rows = [HEADER + "," + ",".join(map(str, ids))]
    for pid, vs in votes.items():
        rows.append(f"{pid},0,0,0,0,0," + ",".join(str(vs[c]) if c in vs else "" for c in ids))
    (folder / "participants-votes.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_vendored_conversations_and_attribution():
    from pathlib import Path

    import chorus.simulator.polis

    assert {"brexit-consensus", "15-per-hour-seattle", "american-assembly.bowling-green"} <= set(
        conversation_names()
    )
    attribution = (
        Path(chorus.simulator.polis.__file__).parent / "data" / "ATTRIBUTION.md"
    ).read_text()
    assert (
        "sub-licensed\n    under CC BY 4.0 with Attribution to The Computational Democracy"
        in attribution
    )
    conv = load_conversation("brexit-consensus")
    assert len(conv.statements) == 50 and conv.votes.participant.nunique() == 204
    assert set(conv.votes.vote) == {-1, 0, 1}
    assert "Brexit" in conv.topic


def test_moderated_out_statements_are_dropped(tmp_path):
    folder = write_export(
        tmp_path / "c", {"1": {0: 1, 1: -1}}, {0: "kept", 1: "removed"}, moderated={1: -1}
    )
    conv = load_conversation(folder)
    assert conv.statements == {0: "kept"} and conv.votes.statement.tolist() == [0]
    assert conv.topic == "c"  # no summary.csv: the folder's name


def test_bad_exports_name_file_line_and_fix(tmp_path):
    folder = write_export(tmp_path / "c", {"1": {0: 1}, "2": {0: 1}}, {0: "s"})
    text = (
        (folder / "participants-votes.csv").read_text().replace("2,0,0,0,0,0,1", "2,0,0,0,0,0,yes")
    )
    (folder / "participants-votes.csv").write_text(text)
    with pytest.raises(
        PolisDataError, match=r"participants-votes.csv, line 3, statement 0: vote 'yes'"
    ):
        load_conversation(folder)
    (folder / "comments.csv").unlink()
    with pytest.raises(PolisDataError, match="neither a vendored conversation"):
        load_conversation(folder)
    with pytest.raises(PolisDataError, match="brexit-consensus"):
        load_conversation("no-such-conversation")


def _votes(n_participants: int, n_votes: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (str(p), s, int(rng.choice([-1, 0, 1])))
        for p in range(n_participants)
        for s in range(n_votes)
    ]
    return pd.DataFrame(rows, columns=["participant", "statement", "vote"])


def test_holdout_split_holds_out_a_fifth_of_eligible_participants():
    votes = pd.concat([_votes(5, 20), _votes(1, 9).assign(participant="short")])
    split = holdout_split(votes, seed=3)
    assert split.eligible == ["0", "1", "2", "3", "4"]  # 'short' has 9 votes
    assert (split.held_out.groupby("participant").size() == 4).all()
    assert "short" not in set(split.held_out.participant)
    assert len(split.held_in) + len(split.held_out) == len(votes)
    both = split.held_in.merge(split.held_out, on=["participant", "statement"])
    assert both.empty
    again = holdout_split(votes, seed=3)
    pd.testing.assert_frame_equal(again.held_out, split.held_out)
    assert not holdout_split(votes, seed=4).held_out.equals(split.held_out)
    # a participant's split does not depend on who else is in the data
    alone = holdout_split(votes[votes.participant == "2"], seed=3).held_out
    pd.testing.assert_frame_equal(
        alone.reset_index(drop=True),
        split.held_out[split.held_out.participant == "2"].reset_index(drop=True),
    )


def test_opinion_groups_recover_two_blocks():
    rng = np.random.default_rng(0)
    rows = []
    for p in range(30):
        side = 1 if p < 15 else -1
        for s in range(20):
            if rng.random() < 0.8:  # not everyone sees every statement
                vote = side if rng.random() < 0.9 else -side
                rows.append((f"p{p}", s, vote * (1 if s % 2 else -1)))
    groups = opinion_groups(
        pd.DataFrame(rows, columns=["participant", "statement", "vote"]), seed=0
    )
    first = {groups[f"p{p}"] for p in range(15)}
    second = {groups[f"p{p}"] for p in range(15, 30)}
    assert len(first) == 1 and len(second) == 1 and first != second


def test_score_and_consensus_helpers():
    s = score(np.array([0.9, 0.2, 0.6, 0.4]), np.array([1, 0, 0, 1]))
    assert s.accuracy == 0.5 and s.n == 4 and s.auc == 0.75
    assert s.log_loss == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.4])))
    assert score(np.array([0.7, 0.8]), np.array([1, 1])).auc is None
    rates = group_rates([1, 1, 1, 2], [0, 0, 1, 1], [1, 0, 1, 1], all_groups=[0, 1])
    assert rates[1] == pytest.approx([(1 + 1) / (2 + 2), (1 + 1) / (1 + 2)])
    assert rates[2] == pytest.approx([1 / 2, 2 / 3])  # group 0 saw nothing: prior 1/2
    assert top_k({5: 0.3, 2: 0.9, 7: 0.9, 1: 0.1}, 2) == [2, 7]


def test_baselines_use_held_in_votes_only():
    held_in = pd.DataFrame(
        [("a", 1, 1), ("b", 1, 1), ("c", 1, -1), ("c", 2, 0)],
        columns=["participant", "statement", "vote"],
    )
    test = pd.DataFrame(
        [("a", 1, -1), ("c", 1, 1), ("a", 3, 1)], columns=["participant", "statement", "vote"]
    )
    groups = {"a": 0, "b": 0, "c": 1}
    p_stmt, p_group = _baselines(held_in, groups, test)
    assert p_stmt == pytest.approx([(2 + 1) / (3 + 2), (2 + 1) / (3 + 2), 0.5])
    assert p_group == pytest.approx([(2 + 1) / (2 + 2), (0 + 1) / (1 + 2), 0.5])


FIELDS = {
    "dr",
    "statement_rate",
    "group_rate",
    "dr_without_o",
    "consensus_spearman",
    "top5_overlap",
}


@pytest.mark.slow
def test_eval_polis_with_the_embedded_model(sim_engine, sim_cache, consensus_cli):
    from chorus.simulator.polis import evaluate_polis

    conv = load_conversation("brexit-consensus")
    ev = evaluate_polis(sim_engine, conv, max_participants=3, max_o_items=6)
    report = ev.report
    n = {report.dr.n, report.statement_rate.n, report.group_rate.n, report.dr_without_o.n}
    assert len(n) == 1 and n.pop() > 0  # every predictor scored on the same held-out votes
    for s in (report.dr, report.statement_rate, report.group_rate, report.dr_without_o):
        assert 0.0 <= s.accuracy <= 1.0 and s.log_loss > 0
    assert report.dr != report.dr_without_o  # the O section changes the predictions
    assert 0 <= report.top5_overlap <= 5
    assert ev.participants_evaluated == 3 and ev.participants_eligible == 181 and ev.groups >= 2

    # the CLI prints exactly the fields, the same figures (engine cache shared)
    result = consensus_cli(
        "eval-polis", "--conversation", "brexit-consensus", "--max-participants", 3,
        "--max-o-items", 6, "--cache-file", sim_cache, "--dtype", "float32", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed) == FIELDS
    assert set(printed["dr"]) == {"accuracy", "log_loss", "auc", "n"}
    assert printed == report.model_dump(mode="json")


def test_eval_polis_cli_rejects_unknown_conversation(consensus_cli):
    result = consensus_cli("eval-polis", "--conversation", "nowhere", "--json")
    assert result.exit_code == 1
    assert "neither a vendored conversation" in result.stderr
