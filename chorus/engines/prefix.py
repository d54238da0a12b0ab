"""Grouping token sequences that share a long prefix, so the prefix is computed once."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel


class PrefixGroup(BaseModel):
    members: list[int]  # indices into the job list
    prefix_len: int  # tokens computed once for the whole group (0 = no sharing)


def _lcp(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def group_by_prefix(
    seqs: Sequence[Sequence[int]], first_query: Sequence[int], min_prefix: int = 32
) -> list[PrefixGroup]:
    """Group sequences whose shared prefix is at least `min_prefix` tokens.

    `first_query[i]` is the first position whose output sequence i needs; the shared prefix stops
    before it, so every query position is computed in the per-member pass. Sequences are sorted
    so that those sharing prefixes are neighbours. A neighbour joins the current group only if
    that keeps at least half of what the group would otherwise share: half of the group's shared
    prefix, or, while the group has one member, half of what the neighbour shares with the
    sequence after it. So prompts that share a short system message but differ in a long persona
    context form one group per persona, and two prompts sharing only a short question stem
    still pair up when nothing longer is on offer.
    """
    order = sorted(range(len(seqs)), key=lambda i: tuple(seqs[i]))
    ahead = [
        min(_lcp(seqs[i], seqs[j]), first_query[i], first_query[j])
        for i, j in zip(order, order[1:])
    ] + [0]
    groups: list[PrefixGroup] = []
    cur: list[int] = []
    cur_len = 0
    for k, i in enumerate(order):
        if cur:
            shared = min(cur_len, _lcp(seqs[cur[-1]], seqs[i]), first_query[i])
            kept = cur_len if len(cur) > 1 else ahead[k]
            if shared >= min_prefix and 2 * shared >= kept:
                cur.append(i)
                cur_len = shared
                continue
            groups.append(_close(cur, cur_len))
        cur, cur_len = [i], first_query[i]
    if cur:
        groups.append(_close(cur, cur_len))
    return groups


def _close(members: list[int], shared: int) -> PrefixGroup:
    return PrefixGroup(members=members, prefix_len=shared if len(members) > 1 else 0)
