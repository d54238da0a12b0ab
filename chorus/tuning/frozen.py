"""Frozen lower layers, computed once. With LoRA on the top N of a model's L layers, the L-N layers
below are the base model's and never change, so the hidden state entering layer L-N is the same
for a prompt on every step, epoch, validation and fold. FrozenLayers keeps it per prompt (its
token ids) and the trainer runs only the top N layers on it: the decoder's `layers` list holds
the top N for the call and the cached states go in as `inputs_embeds` (left-padded with zeros,
masked out), so rotary positions, mask, final norm and head are the model's own code. On the
embedded model (30 layers) a step with N = 2 runs 2 layers forward instead of 30.

Memory: per example, tokens x hidden size x the model's float width (the embedded model in
float32: 118 tokens x 576 x 4 B = 272 KB). The cache stops growing at `max_bytes`; the states of
examples beyond it are computed again at each use (no_grad, the same code), which is exact and
bounded, only slower. Bound to one base model and split: used with another, it starts empty.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from chorus.tuning.batching import Encoded, batches, padded

# (model, batch, pad id, cache or None) -> per example, log q over its labels
LogProbReader = Callable[[Any, Sequence[Encoded], int, "FrozenLayers | None"], list[torch.Tensor]]
MAX_BYTES = 2 << 30  # 2 GiB: ~7,900 embedded-model examples of 118 tokens in float32


class _Reached(Exception):
    """Raised by the hook on the first adapted layer: the lower layers are done."""


def decoder(model: Any) -> Any:
    """The transformer stack (the module holding `layers`) under peft and DDP wrappers."""
    inner = getattr(model, "module", model)  # DDP
    if hasattr(inner, "get_base_model"):  # peft
        inner = inner.get_base_model()
    return inner.get_decoder()


class FrozenLayers:
    """The hidden states entering layer `split`, per prompt; see the module's docstring. One
    object may serve several training runs on the same base model (the bench's folds)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bound: tuple[str, int] | None = None  # (base model fingerprint, split)
        self.states: dict[tuple[int, ...], torch.Tensor] = {}
        self.nbytes = 0
        self.exact: bool | None = None  # checked once per binding against the full forward

    @property
    def split(self) -> int:
        assert self.bound is not None
        return self.bound[1]

    def bind(self, base: str, split: int) -> None:
        if self.bound != (base, split):
            self.bound, self.states, self.nbytes, self.exact = (base, split), {}, 0, None

    def fill(
        self, model: Any, data: Sequence[Encoded], size: int, pad_id: int, progress: bool = False
    ) -> None:
        """Compute the states of `data` not yet held, in batches of similar length, until full."""
        from tqdm.auto import tqdm

        todo = list({tuple(e.ids): e for e in data if tuple(e.ids) not in self.states}.values())
        plan = batches(todo, size)
        for idx in tqdm(plan, desc="frozen layers", unit="batch", disable=not progress):
            chunk = [todo[i] for i in idx]
            for e, h in zip(chunk, self._lower(model, chunk, pad_id)):
                if self.nbytes + h.nbytes > self.max_bytes:
                    return
                self.states[tuple(e.ids)] = h
                self.nbytes += h.nbytes

    def _lower(self, model: Any, batch: Sequence[Encoded], pad_id: int) -> list[torch.Tensor]:
        """Run the lower layers (no_grad) and keep each row's unpadded tokens."""
        ids, mask, positions = padded(batch, pad_id)
        got: list[torch.Tensor] = []

        def grab(_module: Any, args: tuple, kwargs: dict) -> None:
            got.append(args[0] if args else kwargs["hidden_states"])
            raise _Reached

        device = next(model.parameters()).device
        hook = decoder(model).layers[self.split].register_forward_pre_hook(grab, with_kwargs=True)
        try:
            with torch.no_grad():
                model(input_ids=ids.to(device), attention_mask=mask.to(device),
                      position_ids=positions.to(device), use_cache=False)  # fmt: skip
        except _Reached:
            pass
        finally:
            hook.remove()
        h, width = got[0].detach().cpu(), ids.shape[1]
        return [h[r, width - len(e.ids) :].clone() for r, e in enumerate(batch)]

    def inputs(self, model: Any, batch: Sequence[Encoded], pad_id: int) -> torch.Tensor:
        """The batch's states, left-padded with zeros (those not held are computed now)."""
        missing = [e for e in batch if tuple(e.ids) not in self.states]
        fresh = self._lower(model, missing, pad_id) if missing else []
        known = self.states | dict(zip((tuple(e.ids) for e in missing), fresh))
        rows = [known[tuple(e.ids)] for e in batch]
        width = max(len(e.ids) for e in batch)
        out = torch.zeros((len(batch), width, rows[0].shape[-1]), dtype=rows[0].dtype)
        for r, h in enumerate(rows):
            out[r, width - h.shape[0] :] = h
        return out

    @contextmanager
    def top_only(self, model: Any) -> Iterator[None]:
        """The decoder holds only its layers from `split` up, for the length of the block."""
        dec = decoder(model)
        whole = dec.layers
        dec.layers = torch.nn.ModuleList(list(whole)[self.split :])
        try:
            yield
        finally:
            dec.layers = whole

    def check(self, model: Any, example: Encoded, pad_id: int, read: LogProbReader) -> bool:
        """Whether the top-only path gives the full forward's label log-probs for one example
        (an architecture that rescales `inputs_embeds` would not); warns and says no if not.
        `read` is the trainer's label_log_probs (passed in: the trainer imports this module)."""
        if self.exact is None:
            with torch.no_grad():
                whole = read(model, [example], pad_id, None)[0]
                top = read(model, [example], pad_id, self)[0]
            tol = 1e-3 if next(model.parameters()).dtype == torch.float32 else 5e-2
            self.exact = bool(torch.allclose(whole, top, atol=tol))
            if not self.exact:
                warnings.warn(
                    "this model's decoder does not take cached hidden states exactly; "
                    "training runs every layer (slower, same result)",
                    stacklevel=2,
                )
        return self.exact
