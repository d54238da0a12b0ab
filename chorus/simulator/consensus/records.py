"""Writing and reading episodes: episodes.json (everything), candidates.parquet (one row per
candidate) and participants.parquet (one row per participant and question). Every file is
written to a temporary name and renamed, so a crash leaves no half-written output."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from chorus.core import write_atomic
from chorus.simulator.consensus.schema import Episode

_EPISODES = TypeAdapter(list[Episode])


def write_episodes(out: Path, episodes: Sequence[Episode]) -> None:
    blob = _EPISODES.dump_json(list(episodes), indent=1)
    write_atomic(out / "episodes.json", lambda p: p.write_bytes(blob))
    cands, people = candidate_table(episodes), participant_table(episodes)
    write_atomic(out / "candidates.parquet", lambda p: cands.to_parquet(p, index=False))
    write_atomic(out / "participants.parquet", lambda p: people.to_parquet(p, index=False))


def write_json(path: Path, payload: dict) -> None:
    text = json.dumps(payload, indent=1)
    write_atomic(path, lambda p: p.write_text(text))


def read_episodes(path: Path) -> list[Episode]:
    """An episodes.json file, or a run folder holding one."""
    file = path / "episodes.json" if path.is_dir() else path
    try:
        return _EPISODES.validate_json(file.read_bytes())
    except OSError as exc:
        raise ValueError(f"{file}: cannot read episodes ({exc})") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ValueError(f"{file}: not an episodes file (at {where}: {err['msg']})") from exc


def candidate_table(episodes: Sequence[Episode]) -> pd.DataFrame:
    rows = []
    for e in episodes:
        steps = [(f"round{r.round}", r.kind, r) for r in e.rounds]
        steps += [(f"exclude:{x.excluded}", "exclusion", x) for x in e.exclusions]
        for step, kind, rec in steps:
            for k, c in enumerate(rec.candidates):
                rows.append(
                    {
                        "question_id": e.question.id,
                        "step": step,
                        "kind": kind,
                        "candidate": k,
                        "seed": c.seed,
                        "text": c.text,
                        "opinion_order": c.order,
                        "utilities": [u[k] for u in rec.utilities],
                        "welfare": rec.welfare[k],
                        "winner": k == rec.winner,
                        "swf": e.swf,
                    }
                )
    return pd.DataFrame(rows)


def participant_table(episodes: Sequence[Episode]) -> pd.DataFrame:
    rows = []
    for e in episodes:
        for o in e.opinions:
            pid = o.participant_id
            rows.append(
                {
                    "question_id": e.question.id,
                    "participant_id": pid,
                    "opinion_source": o.source,
                    "opinion": o.raw,
                    "flagged": o.flagged,
                    "position": e.positions.get(pid),
                    "final_agreement": e.agreement[pid],
                    "final_probs": e.agreement_probs[pid],
                }
            )
    return pd.DataFrame(rows)
