"""Reading a Polis export (comments.csv + participants-votes.csv [+ summary.csv]): a vendored
conversation by name, or any folder holding those files; or a plain votes table: a folder with
statements.csv (`statement`, `text`) and votes.csv (`participant`, `statement`, `vote`), whose
every participant must have at least MIN_VOTES votes (a Polis export lists every visitor, so
there the sparse ones are left to the consumer)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from chorus.core import read_csv

DATA = Path(__file__).parent / "data"
MIN_VOTES = 5  # votes (pass included) per participant in a plain votes table
_META = ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]


class PolisDataError(ValueError):
    """An export that cannot be used; the message names the file, the line and the fix."""


class Conversation(BaseModel):
    """Statements and votes of one conversation. Statements that moderators removed
    (`moderated` = -1) are dropped with their votes: participants stopped seeing them."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)
    name: str
    topic: str
    statements: dict[int, str]  # comment id -> text
    votes: pd.DataFrame  # long: participant (str), statement (int), vote (1 agree, -1, 0 pass)


def conversation_names() -> list[str]:
    return sorted(p.name for p in DATA.iterdir() if (p / "comments.csv").exists())


def load_conversation(name_or_folder: str | Path) -> Conversation:
    folder = Path(name_or_folder)
    if (folder / "votes.csv").exists():
        return _table(folder)
    if not (folder / "comments.csv").exists():
        if str(name_or_folder) in conversation_names():
            folder = DATA / str(name_or_folder)
        else:
            raise PolisDataError(
                f"{name_or_folder!r} is neither a vendored conversation "
                f"({', '.join(conversation_names())}) nor a folder holding a Polis export's "
                "comments.csv and participants-votes.csv (or statements.csv and votes.csv)"
            )
    statements = _statements(folder / "comments.csv")
    votes = _votes(folder / "participants-votes.csv", set(statements))
    return Conversation(name=folder.name, topic=_topic(folder), statements=statements, votes=votes)


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise PolisDataError(
            f"{path} is missing: a Polis export needs comments.csv and "
            "participants-votes.csv side by side"
        )
    return read_csv(path, dtype=str, empty_is_missing=False, error=PolisDataError)


def _statements(path: Path) -> dict[int, str]:
    df = _read(path)
    missing = {"comment-id", "comment-body"} - set(df.columns)
    if missing:
        raise PolisDataError(
            f"{path}: missing column(s) {sorted(missing)} (is this a Polis comments export?)"
        )
    out: dict[int, str] = {}
    for i, row in enumerate(df.itertuples(index=False), start=2):
        cid, body = row[df.columns.get_loc("comment-id")], row[df.columns.get_loc("comment-body")]
        if not cid.strip().isdigit():
            raise PolisDataError(f"{path}, line {i}: comment-id {cid!r} is not a number")
        moderated = row[df.columns.get_loc("moderated")] if "moderated" in df.columns else "0"
        if moderated.strip() != "-1" and body.strip():
            out[int(cid)] = " ".join(body.split())
    if not out:
        raise PolisDataError(f"{path}: no statements left (all empty or moderated out)")
    return out


def _votes(path: Path, statements: set[int]) -> pd.DataFrame:
    df = _read(path)
    if "participant" not in df.columns:
        raise PolisDataError(
            f"{path}: no `participant` column (is this a Polis participants-votes export?)"
        )
    vote_cols = [c for c in df.columns if c not in _META]
    bad = [c for c in vote_cols if not c.strip().isdigit()]
    if bad:
        raise PolisDataError(f"{path}: column(s) {bad[:5]} are neither metadata nor statement ids")
    cols = [c for c in vote_cols if int(c) in statements]
    raw = df[cols].to_numpy()
    ok = np.isin(raw, ["", "1", "-1", "0", "1.0", "-1.0", "0.0"])
    if not ok.all():
        r, c = map(int, np.argwhere(~ok)[0])
        raise PolisDataError(
            f"{path}, line {r + 2}, statement {cols[c]}: vote {raw[r, c]!r} is not 1 (agree), "
            "-1 (disagree), 0 (pass) or blank (not shown)"
        )
    wide = pd.DataFrame(
        np.where(raw == "", np.nan, raw).astype(float), columns=[int(c) for c in cols]
    )
    wide.insert(0, "participant", df["participant"].str.strip())
    long = wide.melt(id_vars="participant", var_name="statement", value_name="vote").dropna()
    long = long.astype({"statement": int, "vote": int})
    return long.sort_values(["participant", "statement"], kind="stable").reset_index(drop=True)


def _table(folder: Path) -> Conversation:
    """statements.csv + votes.csv; errors name the file and the rows (lines) at fault."""
    sfile, vfile = folder / "statements.csv", folder / "votes.csv"
    sdf, vdf = _read(sfile), _read(vfile)
    for path, df, need in ((sfile, sdf, {"statement", "text"}),
                           (vfile, vdf, {"participant", "statement", "vote"})):  # fmt: skip
        if need - set(df.columns):
            raise PolisDataError(f"{path}: missing column(s) {sorted(need - set(df.columns))}")
    bad = ~sdf.statement.str.strip().str.fullmatch(r"\d+")
    if bad.any():
        raise PolisDataError(f"{sfile}, line(s) {_lines(bad)}: statement id is not a number")
    statements = {int(i): " ".join(t.split()) for i, t in zip(sdf.statement, sdf.text)}
    sid = vdf.statement.str.strip()
    unknown = ~sid.isin([str(i) for i in statements])
    if unknown.any():
        raise PolisDataError(
            f"{vfile}, line(s) {_lines(unknown)}: statement id(s) "
            f"{sorted(set(sid[unknown]))[:5]} are not in {sfile.name}"
        )
    pid = vdf.participant.str.strip()
    if (pid == "").any():
        raise PolisDataError(f"{vfile}, line(s) {_lines(pid == '')}: no participant id")
    vote = vdf.vote.str.strip()
    bad = ~vote.isin(["1", "-1", "0"])
    if bad.any():
        raise PolisDataError(
            f"{vfile}, line(s) {_lines(bad)}: vote is not 1 (agree), -1 (disagree) or 0 (pass)"
        )
    counts = pid.map(pid.value_counts())
    sparse = counts < MIN_VOTES
    if sparse.any():
        raise PolisDataError(
            f"{vfile}, line(s) {_lines(sparse)}: participant(s) {sorted(set(pid[sparse]))[:5]} "
            f"have fewer than {MIN_VOTES} votes; a participant is represented by their votes, "
            "so drop them from the table"
        )
    votes = pd.DataFrame(
        {"participant": pid, "statement": sid.astype(int), "vote": vote.astype(int)}
    )
    votes = votes.drop_duplicates(["participant", "statement"], keep="last")
    votes = votes.sort_values(["participant", "statement"], kind="stable").reset_index(drop=True)
    return Conversation(name=folder.name, topic=_topic(folder), statements=statements, votes=votes)


def _lines(mask: pd.Series) -> str:
    """The CSV line numbers (header = line 1) of the rows in `mask`, the first ten."""
    lines = (np.flatnonzero(mask.to_numpy()) + 2).tolist()
    return ", ".join(map(str, lines[:10])) + (
        f" (and {len(lines) - 10} more)" if len(lines) > 10 else ""
    )


def _topic(folder: Path) -> str:
    """The conversation's description (what participants were asked), else its topic."""
    path = folder / "summary.csv"
    if not path.exists():
        return folder.name
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = {r[0]: r[1] for r in csv.reader(f) if len(r) >= 2}
    except UnicodeDecodeError as exc:
        raise PolisDataError(f"{path}: not UTF-8 text ({exc}); save it as UTF-8 CSV") from None
    return rows.get("conversation-description") or rows.get("topic") or folder.name
