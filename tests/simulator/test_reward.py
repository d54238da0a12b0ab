"""Trained reward models: the plain votes table and its errors, the Likert mapping, the
collaborative baseline, and `chorus consensus train-reward` end to end on a small conversation
whose votes follow the statements' topic (real all-MiniLM-L6-v2 embeddings)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.metrics import log_loss

from chorus.simulator.consensus.representatives import DigitalRepresentative, ParticipantProfile
from chorus.simulator.polis import (
    Collaborative,
    PolisDataError,
    RewardSpecError,
    TrainedReward,
    likert,
    load_conversation,
    load_reward,
)
from chorus.simulator.polis.features import Basis, VoteFeaturizer
from chorus.simulator.polis.reward_eval import RewardRows, RewardScores, reward_warnings
from chorus.simulator.polis.reward_model import TextReward

CATS = [
    "Cats should be allowed in every apartment building.",
    "The city should fund shelters for stray cats.",
    "Cat owners deserve a tax break.",
    "Every library should have a resident cat.",
    "Cats make better companions than any other pet.",
    "Schools should teach children how to care for cats.",
    "Parks need more benches where people can sit with their cats.",
    "Cat cafes should get public grants.",
    "Landlords must not ban cats.",
    "Kittens should be vaccinated for free.",
]
DOGS = [
    "Every neighbourhood needs an off-leash dog park.",
    "Dogs should be allowed on all public buses.",
    "The city should pay for training guide dogs.",
    "Dog walkers deserve a minimum wage increase.",
    "Restaurants should welcome dogs on their patios.",
    "Police dogs need better veterinary care.",
    "Puppies should be microchipped for free.",
    "Offices should let employees bring their dogs.",
    "Dog beaches should open all year.",
    "Dog licence fees should be abolished.",
]


def write_table(folder, votes: list[tuple[str, int, int]], statements: dict[int, str]):
    folder.mkdir(parents=True, exist_ok=True)
    s = pd.DataFrame({"statement": list(statements), "text": list(statements.values())})
    s.to_csv(folder / "statements.csv", index=False)
    v = pd.DataFrame(votes, columns=["participant", "statement", "vote"])
    v.to_csv(folder / "votes.csv", index=False)
    return folder


def topic_votes(seed: int = 0, people: int = 40):
    """Cat people agree with cat statements and disagree with dog ones (10% noise), and the
    other way round; everyone votes on 16 of the 20 statements."""
    rng = np.random.default_rng(seed)
    statements = dict(enumerate(CATS + DOGS))
    votes = []
    for p in range(people):
        cat_person = p % 2 == 0
        for s in rng.choice(20, size=16, replace=False):
            agree = (s < 10) == cat_person
            if rng.random() < 0.1:
                agree = not agree
            votes.append((f"p{p}", int(s), 1 if agree else -1))
    return votes, statements


def test_likert_mapping_is_binomial_with_mean_one_plus_six_p():
    p = np.array([0.0, 0.25, 0.5, 1.0])
    d = likert(p)
    assert d.shape == (4, 7) and np.allclose(d.sum(1), 1)
    assert np.allclose(d @ np.arange(1, 8), 1 + 6 * p)
    assert d[0, 0] == 1 and d[3, 6] == 1 and np.argmax(d[2]) == 3


def test_votes_table_loads_and_its_errors_name_file_and_lines(tmp_path):
    votes, statements = topic_votes()
    conv = load_conversation(write_table(tmp_path / "ok", votes, statements))
    assert len(conv.statements) == 20 and conv.votes.participant.nunique() == 40
    assert set(conv.votes.vote) == {-1, 1}

    bad = [*votes[:5], ("p0", 99, 1), *votes[5:]]
    with pytest.raises(PolisDataError, match=r"votes.csv, line\(s\) 7: statement id\(s\) \['99'\]"):
        load_conversation(write_table(tmp_path / "unknown", bad, statements))
    blank = [*votes[:2], ("", 3, 1), *votes[2:]]
    with pytest.raises(PolisDataError, match=r"votes.csv, line\(s\) 4: no participant id"):
        load_conversation(write_table(tmp_path / "blank", blank, statements))
    sparse = [*votes, ("late", 1, 1), ("late", 2, -1)]
    n = len(votes)
    with pytest.raises(
        PolisDataError, match=rf"line\(s\) {n + 2}, {n + 3}: participant\(s\) \['late'\] have fewer"
    ):
        load_conversation(write_table(tmp_path / "sparse", sparse, statements))


def test_collaborative_recovers_held_out_votes_of_seen_statements():
    votes, _ = topic_votes(seed=1)
    df = pd.DataFrame(votes, columns=["participant", "statement", "vote"])
    test = df.sample(frac=0.2, random_state=0)
    model = Collaborative().fit(df.drop(test.index), seed=0)
    p = model.predict(test.participant.tolist(), test.statement.tolist())
    assert (((p >= 0.5) == (test.vote == 1)).mean()) > 0.8


def test_new_statements_logit_is_tempered_by_the_statement_effects_text_cannot_predict():
    """Statements differ a lot in popularity, at random (their embeddings say nothing of it), so
    a new statement's effect is unknown: the model's logit is tempered by the training
    statements' effect variance, which must beat the untempered logit on new statements."""
    rng = np.random.default_rng(0)
    people, n = 60, 30
    agree = rng.random((people, n)) < expit(rng.normal(0, 1, (people, 1)) + rng.normal(0, 2.5, n))
    votes = pd.DataFrame(
        [(f"p{i}", j, 1 if agree[i, j] else -1) for i in range(people) for j in range(n)],
        columns=["participant", "statement", "vote"],
    )
    emb = rng.normal(size=(n, 384))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    model = TextReward.fit(votes[votes.statement < 20], dict(enumerate(emb)), seed=0)
    temper = model.clf["temper"][0]
    assert 0.3 < temper < 0.8  # 1 / sqrt(1 + pi 2.5^2 / 8) = .54 for the true effects
    test = votes[votes.statement >= 20]
    who, target = test.participant.map(model.index).to_numpy(), test.statement.to_numpy() - 20
    tempered = model.predict(who, target, emb[20:])
    model.clf["temper"] = np.ones(1)
    untempered = model.predict(who, target, emb[20:])
    y = (test.vote == 1).to_numpy()
    assert log_loss(y, tempered) < log_loss(y, untempered) - 0.02


def test_reward_warnings_name_the_figure_that_loses_to_the_participant_rate():
    def scores(auc: float, log_loss: float) -> RewardScores:
        return RewardScores(auc=auc, log_loss=log_loss, brier=0.2, accuracy=0.6, n_votes=100)

    def rows(trained: RewardScores) -> RewardRows:
        base = scores(0.6, 0.68)
        return RewardRows(
            trained=trained, collaborative=base, participant_rate=base, group_similar=base,
            dr=None, consensus_spearman_trained=None,
        )  # fmt: skip

    assert reward_warnings(rows(scores(0.65, 0.66))) == []
    calibration = reward_warnings(rows(scores(0.65, 0.75)))
    assert len(calibration) == 1 and "log-loss 0.750 vs 0.680" in calibration[0]
    ranking = reward_warnings(rows(scores(0.58, 0.66)))
    assert len(ranking) == 1 and "AUC 0.580 vs 0.600" in ranking[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, consensus_cli):
    folder = write_table(tmp_path_factory.mktemp("conv") / "pets", *topic_votes())
    out = tmp_path_factory.mktemp("model") / "rm"
    result = consensus_cli(
        "train-reward", "--conversation", folder, "--out", out, "--dr-votes", "0", "--json"
    )
    assert result.exit_code == 0, result.output
    # stdout's JSON follows the embedding model's loading bar (stderr, mixed in by CliRunner)
    return out, json.loads(result.output[result.output.index('{"trained"') :])


def test_train_reward_writes_model_metrics_and_manifest(trained):
    out, rows = trained
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json", "metrics.json", "model.json", "model.npz",
    ]  # fmt: skip
    assert not out.with_name("rm.partial").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["rows"] == rows
    assert set(rows) == {
        "trained", "collaborative", "participant_rate", "group_similar", "dr",
        "consensus_spearman_trained",
    }  # fmt: skip
    assert set(rows["trained"]) == {
        "auc", "auc_per_fold", "log_loss", "brier", "accuracy", "n_votes",
    }  # fmt: skip
    assert rows["collaborative"]["auc_per_fold"] is None  # split by votes, no statement folds
    assert rows["dr"] is None and metrics["reliability"] and metrics["warnings"] == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 0 and "own_similar" in manifest["features"]
    assert manifest["data"]["votes"] == 40 * 16 and len(manifest["data"]["files"]) == 2
    # the votes follow the topic: on unseen statements the text-aware model must see it,
    # while everyone's agree rate is about one half
    assert rows["trained"]["auc"] > 0.8 > rows["participant_rate"]["auc"]
    assert rows["trained"]["brier"] < rows["participant_rate"]["brier"]


def test_trained_reward_scores_new_statements_for_its_participants(trained):
    out, _ = trained
    reward = load_reward(f"trained:{out}", engine=None)
    assert isinstance(reward, TrainedReward) and reward.question().text == "pets"
    panel = [
        DigitalRepresentative(profile=ParticipantProfile(participant_id=p)) for p in ("p0", "p1")
    ]
    new = ["Cats should ride the subway for free.", "Dogs should ride the subway for free."]
    probs = reward.agreement("pets", panel, {}, new)
    assert probs.shape == (2, 2, 7) and np.allclose(probs.sum(-1), 1)
    u = probs @ np.arange(1, 8)
    assert u[0, 0] > u[0, 1] and u[1, 1] > u[1, 0]  # p0 is a cat person, p1 a dog person
    stranger = [DigitalRepresentative(profile=ParticipantProfile(participant_id="zz"))]
    with pytest.raises(RewardSpecError, match=r"\['zz'\] have no vote history"):
        reward.agreement("pets", stranger, {}, new)


def test_bad_reward_specs_and_inputs(tmp_path, consensus_cli):
    with pytest.raises(RewardSpecError, match="unknown reward 'llm'"):
        load_reward("llm", engine=None)
    with pytest.raises(RewardSpecError, match="not a trained reward model folder"):
        load_reward(f"trained:{tmp_path}", engine=None)
    votes, statements = topic_votes()
    passes = [(p, s, 0) for p, s, _ in votes]
    folder = write_table(tmp_path / "passes", passes, statements)
    result = consensus_cli(
        "train-reward", "--conversation", folder, "--out", tmp_path / "o", "--dr-votes", "0"
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "votes.csv: no agree (1) or disagree (-1) votes" in result.output
    assert not (tmp_path / "o").exists()


def test_run_rejects_a_bad_reward_before_writing_anything(consensus_cli, tmp_path):
    out = tmp_path / "run"
    result = consensus_cli("run", "--reward", f"trained:{tmp_path / 'nope'}", "--out", out)
    assert result.exit_code == 1 and "not a trained reward model folder" in result.stderr
    result = consensus_cli("run", "--out", out)
    assert result.exit_code == 1 and "give --questions and --panel" in result.stderr
    assert not out.exists()


def test_study_consensus_reward_is_validated():
    from pydantic import ValidationError

    from chorus.simulator.study.schema import ConsensusSpec

    assert ConsensusSpec(reward="trained:runs/rm").reward == "trained:runs/rm"
    with pytest.raises(ValidationError):
        ConsensusSpec(reward="oracle")


def test_offset_learns_agreeableness_and_predicts_a_new_statements_effect_from_its_text():
    rng = np.random.default_rng(0)
    dim, n_seen, people = 16, 60, 80
    emb = rng.normal(size=(n_seen + 20, dim))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    popularity = 4 * emb[:, 0]  # the statement effect is written in its text
    agreeable = rng.normal(size=people)
    logit = agreeable[:, None] + popularity[None, :n_seen]
    votes = np.where(rng.random((people, n_seen)) < 1 / (1 + np.exp(-logit)), 1, -1)
    shown = rng.random((people, n_seen)) < 0.5
    basis = Basis(
        text_mean=emb.mean(0), text_components=np.eye(dim)[:4], text_scale=np.ones(4),
        tau=0.1, seed=0,
    )  # fmt: skip
    feat = VoteFeaturizer(votes, shown, emb[:n_seen], basis)
    who = np.repeat(np.arange(people), 20)
    target = np.tile(np.arange(20), people)
    off = feat.offset(who, target, emb[n_seen:]).reshape(people, 20)
    # rows differ by the participant effect, columns by the text-predicted statement effect
    assert np.corrcoef(off[:, 0], agreeable)[0, 1] > 0.8
    assert np.corrcoef(off[0], popularity[n_seen:])[0, 1] > 0.8


def test_consensus_spearman_groups_participants_on_held_in_votes_only(tmp_path, monkeypatch):
    """The group-informed consensus of held-out statements is scored within opinion groups
    formed without those statements' votes: every grouping sees one fold's statements fewer."""
    from chorus.simulator.polis import reward_eval

    votes, statements = topic_votes(seed=3)
    conv = load_conversation(write_table(tmp_path / "conv", votes, statements))
    rng = np.random.default_rng(0)
    emb = {s: e / np.linalg.norm(e) for s, e in enumerate(rng.normal(size=(20, 384)))}
    seen: list[set[int]] = []
    real = reward_eval.opinion_groups

    def spy(table, seed):
        seen.append(set(table.statement))
        return real(table, seed=seed)

    monkeypatch.setattr(reward_eval, "opinion_groups", spy)
    out = reward_eval.evaluate_reward(conv, emb, seed=0, folds=2, dr_votes=0)
    held = reward_eval.statement_folds(sorted(statements), 2, 0)
    assert len(seen) == 2
    for stmts in seen:  # each grouping lacks exactly one fold's statements
        missing = set(statements) - stmts
        assert {held[s] for s in missing} == {held[next(iter(missing))]}
        assert missing == {s for s in statements if held[s] == held[next(iter(missing))]}
    assert out.rows.consensus_spearman_trained is not None


def test_inner_choice_of_c_and_temper_is_nested(monkeypatch):
    """While one statement fold validates C (and the out-of-fold scores the temper comes from),
    the training pairs' features are built without that fold's votes: for every pair of folds
    (f, g) some featurization sees neither."""
    from chorus.simulator.polis import reward_model

    rng = np.random.default_rng(1)
    people, n = 30, 20
    agree = rng.random((people, n)) < expit(rng.normal(0, 1, (people, 1)) + rng.normal(0, 1, n))
    votes = pd.DataFrame(
        [(f"p{i}", j, 1 if agree[i, j] else -1) for i in range(people) for j in range(n)],
        columns=["participant", "statement", "vote"],
    )
    emb = rng.normal(size=(n, 384))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    seen_cols: list[frozenset[int]] = []
    real = reward_model.VoteFeaturizer

    def spy(v, shown, e, basis):
        seen_cols.append(frozenset(np.flatnonzero(shown.any(axis=0)).tolist()))
        return real(v, shown, e, basis)

    monkeypatch.setattr(reward_model, "VoteFeaturizer", spy)
    TextReward.fit(votes, dict(enumerate(emb)), seed=0)
    fold_of = np.random.default_rng(reward_model.derive_seed(0, "reward-folds")).permutation(n) % 5
    for f in range(5):
        for g in range(5):
            if f != g:
                hidden = set(np.flatnonzero((fold_of == f) | (fold_of == g)).tolist())
                assert any(not (cols & hidden) and len(cols) for cols in seen_cols), (f, g)
