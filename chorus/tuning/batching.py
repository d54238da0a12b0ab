"""The trainer's encoded examples and how they are batched: one leaf module that the trainer
(train.py) and the frozen-layer cache (frozen.py) both read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Encoded:
    ids: list[int]
    labels: list[list[int]]  # per option label, its single-token spellings' ids
    target: np.ndarray


def batches(data: Sequence[Encoded], size: int) -> list[list[int]]:
    """Indices in batches of similar length (sorted by length, then cut)."""
    order = sorted(range(len(data)), key=lambda i: (len(data[i].ids), i))
    return [order[s : s + size] for s in range(0, len(order), size)]


def padded(batch: Sequence[Encoded], pad_id: int) -> tuple[torch.Tensor, ...]:
    """Token ids left-padded to the batch's width, their attention mask and positions (so the
    answer position is the last column of every row)."""
    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, e in enumerate(batch):
        ids[r, width - len(e.ids) :] = torch.tensor(e.ids)
        mask[r, width - len(e.ids) :] = 1
    return ids, mask, (mask.cumsum(-1) - 1).clamp(min=0)
