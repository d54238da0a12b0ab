"""A prefix tree over token sequences, so every prefix they share is computed once."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel


class PrefixNode(BaseModel):
    """Tokens [start:end] shared by `members` (indices into the sequences), computed once on top
    of the parent's; each of `rows` then computes its own rest, each child shares more."""

    start: int
    end: int
    members: list[int]
    rows: list[int]
    children: list[PrefixNode]


def _lcp(seqs: Sequence[Sequence[int]], members: list[int], start: int, stop: int) -> int:
    """The end of what all members share from `start`, at most `stop`."""
    first = seqs[members[0]]
    end = start
    while end < stop and all(seqs[m][end] == first[end] for m in members[1:]):
        end += 1
    return end


def prefix_tree(
    seqs: Sequence[Sequence[int]],
    first_query: Sequence[int],
    min_prefix: int = 32,
    min_stem: int = 8,
) -> PrefixNode:
    """The radix tree of `seqs` (the root shares nothing), nodes cut where sequences diverge.

    `first_query[i]` is the first position whose output sequence i needs; sharing stops before
    it, so every query position is computed in the sequence's own pass. A node shares at least
    `min_prefix` tokens at the top level (a persona's context) and `min_stem` below it (the
    answers a person's leave-one-out contexts still share, a question asked in two option
    orders); a shorter common run is not worth a pass of its own and stays in each branch. So a
    person's contexts that each leave a different answer out, in a fixed order, compute every
    answer once per branch of the tree rather than once per context.
    """
    nodes, rows = _branches(seqs, first_query, list(range(len(seqs))), 0, min_prefix, min_stem)
    return PrefixNode(start=0, end=0, members=list(range(len(seqs))), rows=rows, children=nodes)


def _branches(
    seqs: Sequence[Sequence[int]],
    first_query: Sequence[int],
    members: list[int],
    start: int,
    min_len: int,
    min_stem: int,
) -> tuple[list[PrefixNode], list[int]]:
    """The subtrees and the lone rows of `members`, which share tokens [:start]."""
    nodes: list[PrefixNode] = []
    rows: list[int] = []
    todo = [sorted(members)]
    while todo:
        part = todo.pop(0)
        if len(part) == 1:
            rows += part
            continue
        end = _lcp(seqs, part, start, min(first_query[m] for m in part))
        if end - start >= min_len:
            kids, kid_rows = _branches(seqs, first_query, part, end, min_stem, min_stem)
            nodes.append(
                PrefixNode(start=start, end=end, members=part, rows=kid_rows, children=kids)
            )
            continue
        # too short a run to compute alone: split where the part diverges; each branch keeps it
        rows += [m for m in part if first_query[m] <= end]
        by_token: dict[int, list[int]] = {}
        for m in part:
            if first_query[m] > end:
                by_token.setdefault(seqs[m][end], []).append(m)
        todo += by_token.values()
    return nodes, sorted(rows)
