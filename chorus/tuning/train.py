"""The trainer: LoRA (peft) or full fine-tuning of a transformers model on examples' target
distributions.

Loss: SubPOP's, the forward KL from the target to the model's distribution over the option
labels at the answer position (the labels' single-token spellings summed, renormalised over the
labels: exactly what the transformers engine's `choice` reads), one forward pass per example, no
generation. AdamW; batches of similar length (left-padded, so the answer position is the last
column of every row); early stopping on the validation questions' loss, keeping the best weights.

Resumable: a checkpoint (trainable weights, AdamW state, best weights, counters, curves) is one
safetensors file written atomically every `checkpoint_every` steps; the batch order of an epoch
is a function of the seed and the epoch alone, so a run killed at any point and resumed ends
with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from chorus.core import derive_seed, write_atomic
from chorus.tuning.batching import Encoded, batches, padded
from chorus.tuning.errors import TuningError
from chorus.tuning.examples import Example
from chorus.tuning.frozen import FrozenLayers
from chorus.tuning.options import TuneOptions


@dataclass
class Progress:
    """Counters and curves, saved with every checkpoint."""

    step: int = 0
    epoch: int = 0
    batch: int = 0  # next batch of the epoch
    best_val: float = math.inf
    bad_evals: int = 0
    stopped: str = ""  # why training ended early ("early stopping", "max-minutes")
    seconds: float = 0.0
    frozen_seconds: float = 0.0  # of `seconds`: computing the frozen layers' states (frozen.py)
    examples_seen: int = 0
    tokens_seen: int = 0
    loss_curve: list[tuple[int, float]] = field(default_factory=list)
    val_curve: list[tuple[int, float]] = field(default_factory=list)


def encode_examples(engine: Any, examples: Sequence[Example]) -> list[Encoded]:
    """Token ids as the engine encodes the prompt, and the label spellings it reads."""
    out = []
    for ex in examples:
        labels = [engine.label_variants(lab) for lab in ex.request.labels]
        if any(not v for v in labels) or len({t for v in labels for t in v}) < sum(
            map(len, labels)
        ):
            raise TuningError(
                f"question {ex.question_id!r}: its option labels {list(ex.request.labels)} have "
                "no distinct single-token spellings in this tokenizer; training reads one token"
            )
        out.append(Encoded(engine.encode_prompt(ex.request.prompt), labels, ex.target))
    return out


def label_log_probs(
    model: Any, batch: Sequence[Encoded], pad_id: int, frozen: FrozenLayers | None = None
) -> list[torch.Tensor]:
    """Per example, log q over its labels at the answer position (one forward pass). With
    `frozen`, only the layers above its split run, on its cached states (frozen.py)."""
    ids, mask, positions = padded(batch, pad_id)
    device = next(model.parameters()).device
    common = dict(attention_mask=mask.to(device), position_ids=positions.to(device),
                  logits_to_keep=1, use_cache=False)  # fmt: skip
    if frozen is None:
        logits = model(input_ids=ids.to(device), **common).logits[:, -1]
    else:
        embeds = frozen.inputs(model, batch, pad_id).to(device)
        with frozen.top_only(model):
            logits = model(inputs_embeds=embeds, **common).logits[:, -1]
    logp = torch.log_softmax(logits.float(), dim=-1).cpu()
    out = []
    for r, e in enumerate(batch):
        per_label = torch.stack([torch.logsumexp(logp[r, v], dim=0) for v in e.labels])
        out.append(per_label - torch.logsumexp(per_label, dim=0))
    return out


def kl_loss(logq: Sequence[torch.Tensor], batch: Sequence[Encoded]) -> torch.Tensor:
    """Mean forward KL(target || model) over the batch."""
    terms = []
    for lq, e in zip(logq, batch):
        t = torch.tensor(e.target, dtype=torch.float32)
        keep = t > 0
        terms.append((t[keep] * (t[keep].log() - lq[keep])).sum())
    return torch.stack(terms).mean()


def mean_kl(
    model: Any,
    data: Sequence[Encoded],
    size: int,
    pad_id: int,
    frozen: FrozenLayers | None = None,
) -> float:
    if not data:
        return math.nan
    total = 0.0
    with torch.no_grad():
        for idx in batches(data, size):
            chunk = [data[i] for i in idx]
            logq = label_log_probs(model, chunk, pad_id, frozen)
            total += float(kl_loss(logq, chunk)) * len(chunk)
    return total / len(data)


def prepare_model(model: Any, config: TuneOptions) -> Any:
    """The model to train: a peft LoRA wrapper (adapters on every linear layer of the top
    `lora_layers` layers, or all), or the model itself with every weight trainable."""
    torch.manual_seed(derive_seed(config.seed, "init") % (1 << 31))
    if config.method == "full":
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    from peft import LoraConfig, get_peft_model

    n_layers = int(model.config.num_hidden_layers)
    top = config.lora_layers or n_layers
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.alpha,
        lora_dropout=0.0,  # deterministic: the same weights on every run and every resume
        target_modules=sorted(
            {
                n.rsplit(".", 1)[-1]
                for n, m in model.named_modules()
                if isinstance(m, torch.nn.Linear) and ".layers." in n
            }
        ),  # fmt: skip
        layers_to_transform=list(range(max(0, n_layers - top), n_layers)),
        layers_pattern="layers",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def frozen_layers(
    model: Any, config: TuneOptions, base: str, cache: FrozenLayers | None = None
) -> FrozenLayers | None:
    """The cache of the frozen lower layers when LoRA adapts only the top `lora_layers` of
    more layers (`cache`, bound to this base and split, or a new one); None when every layer
    trains (full fine-tuning, lora_layers 0 or >= the model's layers)."""
    n_layers = int(model.config.num_hidden_layers)
    if config.method != "lora" or not 0 < config.lora_layers < n_layers:
        return None
    frozen = cache or FrozenLayers()
    frozen.bind(base, n_layers - config.lora_layers)
    return frozen


def _trainable(model: Any) -> dict[str, torch.nn.Parameter]:
    return {n: p for n, p in model.named_parameters() if p.requires_grad}


class Checkpoint:
    """One safetensors file: trainable weights, best weights, AdamW state; JSON metadata."""

    def __init__(self, path: Path, key: str) -> None:
        self.path, self.key = path, key

    def save(self, model: Any, opt: torch.optim.Optimizer, best: dict, prog: Progress) -> None:
        from safetensors.torch import save_file

        params = _trainable(model)
        tensors = {f"w.{n}": p.detach().cpu().contiguous() for n, p in params.items()}
        tensors |= {f"best.{n}": t.cpu().contiguous() for n, t in best.items()}
        steps = {}
        for i, (n, p) in enumerate(params.items()):
            state = opt.state.get(p, {})
            for k in ("exp_avg", "exp_avg_sq"):
                if k in state:
                    tensors[f"opt.{k}.{n}"] = state[k].cpu().contiguous()
            if "step" in state:
                steps[n] = float(state["step"])
        meta = {"key": self.key, "progress": json.dumps(prog.__dict__), "steps": json.dumps(steps)}
        write_atomic(self.path, lambda tmp: save_file(tensors, str(tmp), metadata=meta))

    def load(self, model: Any, opt: torch.optim.Optimizer, best: dict) -> Progress | None:
        if not self.path.is_file():
            return None
        from safetensors import safe_open

        with safe_open(str(self.path), framework="pt") as f:
            meta = f.metadata()
            if meta.get("key") != self.key:
                raise TuningError(
                    f"{self.path}: a checkpoint of a run with other settings or data; run with "
                    "the same options to resume it, or delete its folder to start afresh"
                )
            params = _trainable(model)
            steps = json.loads(meta["steps"])
            with torch.no_grad():
                for n, p in params.items():
                    p.copy_(f.get_tensor(f"w.{n}"))
                    if f"best.{n}" in f.keys():
                        best[n] = f.get_tensor(f"best.{n}").to(p.device)
                    if n in steps:
                        opt.state[p] = {
                            "step": torch.tensor(steps[n]),
                            "exp_avg": f.get_tensor(f"opt.exp_avg.{n}").to(p.device),
                            "exp_avg_sq": f.get_tensor(f"opt.exp_avg_sq.{n}").to(p.device),
                        }
        prog = Progress(**json.loads(meta["progress"]))
        prog.loss_curve = [tuple(x) for x in prog.loss_curve]  # type: ignore[misc]
        prog.val_curve = [tuple(x) for x in prog.val_curve]  # type: ignore[misc]
        return prog


def train(
    model: Any,
    train_set: Sequence[Encoded],
    val_set: Sequence[Encoded],
    config: TuneOptions,
    pad_id: int,
    checkpoint: Checkpoint,
    progress: bool = False,
    on_step: Callable[[int], None] | None = None,
    frozen: FrozenLayers | None = None,
) -> Progress:
    """Train `model` (prepared by `prepare_model`) in place, resuming from `checkpoint`.

    Through `accelerate`: one process (CPU, or the GPU torch sees) by default; under
    `accelerate launch --num_processes N` each process takes every N-th example of each batch
    and the gradients are averaged across processes (data parallel), so a step sees the same
    batch as on one process. Only the main process writes checkpoints and the bar.

    `frozen` (`frozen_layers`): the lower layers' states are computed once, before the first
    step (counted in the run's seconds), and every pass runs only the adapted top layers."""
    from accelerate import Accelerator

    acc = Accelerator()
    wrapped = acc.prepare(model)  # placed on the process's device (a DDP wrapper with N > 1)
    raw = acc.unwrap_model(wrapped)
    params = _trainable(raw)
    opt = torch.optim.AdamW(params.values(), lr=config.lr, weight_decay=config.weight_decay)
    best: dict[str, torch.Tensor] = {}
    prog = checkpoint.load(raw, opt, best) or Progress()
    step_opt = acc.prepare(opt)
    rank, world = acc.process_index, acc.num_processes
    plan = batches(train_set, config.batch_size)
    total = len(plan) * config.epochs
    if config.max_steps:
        total = min(total, config.max_steps)
    started, at_start = time.monotonic(), prog.seconds
    show = progress and acc.is_main_process
    if frozen is not None and not (
        train_set and frozen.check(raw, train_set[0], pad_id, label_log_probs)
    ):
        frozen = None  # not exact for this architecture (warned): every layer runs
    if frozen is not None:
        frozen.fill(raw, [*train_set, *val_set], config.batch_size, pad_id, show)
        prog.frozen_seconds += time.monotonic() - started
    bar = tqdm(total=total, initial=prog.step, desc="tuning", unit="step", disable=not show)

    def save() -> None:
        if acc.is_main_process:
            checkpoint.save(raw, opt, best, prog)
        acc.wait_for_everyone()

    def validate() -> bool:
        """Record the validation loss; False when early stopping says stop. Every process
        computes the same figure (the whole validation set), so all stop together."""
        if not val_set:
            return True
        raw.eval()
        val = mean_kl(raw, val_set, config.batch_size, pad_id, frozen)
        raw.train()
        prog.val_curve.append((prog.step, val))
        if val < prog.best_val - 1e-6:
            prog.best_val, prog.bad_evals = val, 0
            best.clear()
            best.update({n: p.detach().clone() for n, p in params.items()})
            return True
        prog.bad_evals += 1
        return prog.bad_evals < config.patience

    wrapped.train()
    if prog.step == 0 and not prog.val_curve:
        validate()  # the untuned model's validation loss: the bar early stopping must beat
    while prog.step < total and not prog.stopped:
        order = np.random.default_rng(derive_seed(config.seed, "epoch", prog.epoch))
        epoch_plan = [plan[i] for i in order.permutation(len(plan))]
        while prog.batch < len(epoch_plan) and prog.step < total:
            idx = epoch_plan[prog.batch]
            # this process's share; one with none still runs a pass (weight 0): every process
            # must take part in each step's gradient averaging
            mine = idx[rank::world]
            chunk = [train_set[i] for i in (mine or idx[:1])]
            logq = label_log_probs(wrapped, chunk, pad_id, frozen)
            loss = kl_loss(logq, chunk) * (1.0 if mine else 0.0)
            # the mean over processes, weighted by their shares: the loss of the whole batch
            whole = acc.reduce(loss.detach() * len(mine), reduction="sum") / len(idx)
            if not torch.isfinite(whole):
                raise TuningError(
                    f"non-finite loss ({float(whole)}) at step {prog.step + 1}: lower "
                    "--lr, or check the targets (every target must be a distribution)"
                )
            step_opt.zero_grad(set_to_none=True)
            # DDP averages gradients over processes: scale so the average is the whole batch's
            acc.backward(loss * (len(mine) * world / len(idx)))
            step_opt.step()
            prog.step += 1
            prog.batch += 1
            prog.examples_seen += len(idx)
            prog.tokens_seen += sum(len(train_set[i].ids) for i in idx)
            prog.loss_curve.append((prog.step, float(whole)))
            prog.seconds = at_start + time.monotonic() - started
            bar.update(1)
            rate = prog.examples_seen / prog.seconds
            bar.set_postfix(loss=f"{float(whole):.4f}", ex_s=f"{rate:.1f}")
            if config.eval_every and prog.step % config.eval_every == 0 and not validate():
                prog.stopped = "early stopping"
            if config.max_minutes and prog.seconds > config.max_minutes * 60:
                prog.stopped = prog.stopped or "max-minutes"
            # every process stops at the same step (the main process's clock decides)
            prog.stopped = acc.gather_for_metrics([prog.stopped])[0] if world > 1 else prog.stopped
            if prog.step % config.checkpoint_every == 0 or prog.stopped:
                save()
            if on_step:
                on_step(prog.step)
            if prog.stopped:
                break
        if prog.batch >= len(epoch_plan):
            prog.epoch, prog.batch = prog.epoch + 1, 0
            if not config.eval_every and not validate():
                prog.stopped = "early stopping"
            save()
    bar.close()
    if val_set and prog.val_curve[-1][0] != prog.step:
        validate()  # stopped between validations (max steps or minutes): weigh the last weights
    if best:  # early stopping keeps the weights of the best validation loss
        with torch.no_grad():
            for n, p in params.items():
                p.copy_(best[n])
    return prog
