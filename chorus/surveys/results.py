"""The notebook form of a simulated survey: `ask` returns Results, whose `to_pandas()` is tidy
(one row per persona x question x perspective x option) and whose `score()` compares it with a
human dataset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chorus.engines import Engine
from chorus.surveys.answering import answer
from chorus.surveys.datasets import HumanDataset, load_dataset
from chorus.surveys.metrics.responses import from_answers, from_human
from chorus.surveys.persona import Persona, trait_table
from chorus.surveys.schema import Instrument
from chorus.surveys.scoring import Score, raw_mass, score


@dataclass(frozen=True)
class Results:
    """Answers (the answers.parquet table: one row per persona x question x perspective, with
    the option labels and probabilities as lists) and what scoring them needs."""

    answers: pd.DataFrame
    instrument: Instrument
    traits: pd.DataFrame  # persona_id + one column per trait

    def to_pandas(self) -> pd.DataFrame:
        """Tidy: one row per persona x question x perspective x option, with the question's and
        the option's texts; a ranking has one row per item x rank (`rank` 1 = first; NA for
        the other kinds). Open answers' texts are in `texts()`."""
        texts = {q.id: q.text for q in self.instrument.questions}
        options = {
            (q.id, o.label): (i, o.text) for q in self.instrument.questions
            for i, o in enumerate(q.options)
        }  # fmt: skip
        table = self.answers.drop(columns=["texts", "text_themes"], errors="ignore")
        ranked = [self.instrument.question(qid).spec.ranked for qid in table["question_id"]]
        labels, ranks = [], []
        for shown, is_ranked in zip(table["labels"], ranked):
            k = len(shown)
            labels.append([lab for lab in shown for _ in range(k)] if is_ranked else list(shown))
            ranks.append(list(range(1, k + 1)) * k if is_ranked else [None] * k)
        table = table.assign(labels=pd.Series(labels, index=table.index, dtype=object),
                             rank=pd.Series(ranks, index=table.index, dtype=object))  # fmt: skip
        long = table.explode(["labels", "probs", "rank"], ignore_index=True).rename(
            columns={"labels": "option", "probs": "prob"}
        )
        keys = list(zip(long["question_id"], long["option"], strict=True))
        long.insert(2, "question", long["question_id"].map(texts))
        long.insert(5, "option_index", [options[k][0] for k in keys])
        long.insert(7, "option_text", [options[k][1] for k in keys])
        return long.astype({"prob": float, "option_index": int, "rank": "Int64"})

    def texts(self) -> pd.DataFrame:
        """Open answers (free_text), verbatim: one row per persona x question x perspective x
        sample, with the theme the coder gave it; empty where the instrument has none."""
        keys = ["persona_id", "question_id", "perspective", "group", "texts", "text_themes"]
        if "texts" not in self.answers:  # an answers table made by hand, without open answers
            return pd.DataFrame()
        rows = [
            {"persona_id": pid, "question_id": qid, "perspective": persp, "group": group,
             "sample": i, "text": text, "theme": theme}
            for pid, qid, persp, group, said, themes in self.answers[keys].itertuples(index=False)
            if said is not None
            for i, (text, theme) in enumerate(zip(said, themes))
        ]  # fmt: skip
        return pd.DataFrame(rows)

    def summaries(self) -> pd.DataFrame:
        """One row per persona x question x perspective of the kinds that summarise their
        distribution (numeric: mean, q10, q25, q50 = median, q75, q90, in the question's unit);
        empty where the instrument has none."""
        rows = []
        keys = ["persona_id", "question_id", "perspective", "group", "probs"]
        for pid, qid, persp, group, probs in self.answers[keys].itertuples(index=False):
            q = self.instrument.question(qid)
            if q.spec.summary is None:
                continue
            stats = q.spec.summary(q.values, np.asarray(probs, dtype=float))
            rows.append({"persona_id": pid, "question_id": qid, "perspective": persp,
                         "group": group, "unit": q.unit, **stats})  # fmt: skip
        return pd.DataFrame(rows)

    def themes(self, examples: int = 2) -> pd.DataFrame:
        """Per open question (the panel's own answers): each theme's share of the sampled
        answers and its first `examples` answers (what a report shows without human answers);
        empty where the instrument has none."""
        said = self.texts()
        rows: list[dict[str, Any]] = []
        if said.empty:
            return pd.DataFrame(rows)
        for qid, group in said[said["perspective"] == "self"].groupby("question_id", sort=False):
            q = self.instrument.question(str(qid))
            for o in q.options:
                mine = group[group["theme"] == o.label]
                rows.append({"question_id": qid, "question": q.text, "theme": o.label,
                             "theme_text": o.text, "share": len(mine) / len(group),
                             "examples": mine["text"].head(examples).tolist()})  # fmt: skip
        return pd.DataFrame(rows)

    def score(
        self,
        dataset: str | Path | HumanDataset,
        *,
        n_boot: int = 200,
        seed: int = 0,
        floor: bool = True,
        progress: bool = False,
    ) -> Score:
        """Compare with the respondents of a human dataset (a name or descriptor YAML): what
        `chorus survey score` writes to metrics.json."""
        ds = dataset if isinstance(dataset, HumanDataset) else load_dataset(dataset)
        return score(
            from_answers(self.answers, self.instrument, self.traits),
            from_human(ds, self.instrument),
            self.instrument,
            ds.name,
            n_boot=n_boot,
            seed=seed,
            floor=floor,
            label_mass=raw_mass(self.answers),
            progress=progress,
        )


def ask(
    engine: Engine,
    personas: Sequence[Persona],
    instrument: Instrument,
    *,
    conditioning: str = "qa",
    **options: Any,
) -> Results:
    """`answer` (same options: debias, perspectives, seed, batch_personas, ...) as Results."""
    table = answer(engine, personas, instrument, conditioning=conditioning, **options)
    return Results(answers=table, instrument=instrument, traits=trait_table(personas))
