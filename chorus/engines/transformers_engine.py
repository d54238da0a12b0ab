"""The default engine: a local Hugging Face model (folder or GGUF) run with transformers.

Scoring (choice, loglik) is one forward pass per request, batched with right padding; every
token prefix that requests share is computed once, down a prefix tree, and its KV cache reused.
Generation is a batched left-padded decode loop with one random generator per sample, so a
sample never depends on the batch it ran in.
"""

from __future__ import annotations

import copy
import inspect
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import torch

from chorus.engines.base import Engine, sample_seed
from chorus.engines.errors import ContextOverflowError, ModelNotFoundError, check_choice
from chorus.engines.labels import label_spellings
from chorus.engines.model_files import EMBEDDED_NAME, materialise, resolve_model
from chorus.engines.prefix import PrefixNode, prefix_tree
from chorus.engines.rendering import ChatMode, encode, render, uses_chat
from chorus.engines.sampling import draw_rows, find_stop
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceMethod,
    ChoiceRequest,
    DType,
    GenerateRequest,
    Loglik,
    LoglikRequest,
    Prompt,
    Sample,
)


@dataclass
class _ScoreJob:
    """Read log-probabilities of `targets[k]` at position `positions[k]` of `ids`."""

    ids: list[int]
    positions: list[int]
    targets: list[list[int]]
    top_k: int = 0  # also keep the k most likely tokens at each position (for the server)
    out_logprobs: list[np.ndarray] = field(default_factory=list)
    out_argmax: list[int] = field(default_factory=list)
    out_top: list[tuple[list[int], list[float]]] = field(default_factory=list)


class TransformersEngine(Engine):
    name = "transformers"

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        chat_template: ChatMode = "auto",
        max_batch_tokens: int = 8192,
        max_gen_batch: int = 64,
        min_shared_prefix: int = 32,
        min_shared_stem: int = 8,
        dtype: DType = "auto",
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.dtype = resolve_dtype(dtype)  # before any loading: a typo fails in a moment
        check_choice("--chat-template", chat_template, get_args(ChatMode))
        folder, gguf = resolve_model(model)
        self._source = EMBEDDED_NAME if model in (None, "", "embedded", "smollm2") else str(model)
        try:
            load_dir, self._fingerprint = materialise(folder, gguf)
            self.tokenizer = AutoTokenizer.from_pretrained(load_dir)
            self.model = AutoModelForCausalLM.from_pretrained(load_dir, dtype=self.dtype).eval()
        except (OSError, ValueError, KeyError, TypeError) as exc:  # what transformers raises
            raise ModelNotFoundError(
                f"{folder / (gguf or '')}: cannot load the model ({type(exc).__name__}: "
                f"{str(exc)[:300]}); check its config.json, tokenizer and weight files"
            ) from exc
        self.chat = uses_chat(self.tokenizer, chat_template)
        self.context_length = int(getattr(self.model.config, "max_position_embeddings", 2048))
        self.pad_id = self.tokenizer.pad_token_id
        if self.pad_id is None:
            self.pad_id = self.tokenizer.eos_token_id
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if self.tokenizer.eos_token_id is not None:
            eos_ids.add(self.tokenizer.eos_token_id)
        self.eos_ids = eos_ids
        self.max_batch_tokens = max_batch_tokens
        self.max_gen_batch = max_gen_batch
        self.min_shared_prefix = min_shared_prefix
        self.min_shared_stem = min_shared_stem
        self.pad_slack = (1.2, 8)
        self.num_parameters = sum(p.numel() for p in self.model.parameters())
        # the KV cache's keyword and output field: `cache` since transformers 5 renamed it (the
        # old `past_key_values` warns on every call), `past_key_values` in the 4.x releases
        self._cache_arg = (
            "cache"
            if "cache" in inspect.signature(self.model.forward).parameters
            else "past_key_values"
        )

    # ---- identity -------------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        precision = "" if self.dtype == torch.float32 else ":bf16"
        return f"{self._fingerprint}:{'chat' if self.chat else 'raw'}{precision}"

    @property
    def model_id(self) -> str:
        return self._source

    def describe(self) -> dict[str, str]:
        return {**super().describe(), "dtype": str(self.dtype).removeprefix("torch.")}

    @property
    def model_path(self) -> Path:
        return Path(self.model.name_or_path)

    # ---- text <-> tokens ------------------------------------------------------------------
    def render(self, prompt: Prompt) -> str:
        return render(prompt, self.tokenizer, self.chat)

    def encode_prompt(self, prompt: Prompt) -> list[int]:
        return encode(prompt, self.tokenizer, self.chat)

    def _check_length(self, n_tokens: int, index: int, what: str, extra: int = 0) -> None:
        if n_tokens + extra > self.context_length:
            over = n_tokens + extra - self.context_length
            raise ContextOverflowError(
                f"{what} request #{index} needs {n_tokens + extra} tokens "
                f"({n_tokens} prompt + {extra} to generate) but the model's context is "
                f"{self.context_length}: {over} tokens too many. Shorten the persona context "
                "or the prompt, or use a model with a longer context."
            )

    def label_variants(self, label: str) -> list[int]:
        """Token ids of the label's single-token spellings ("A", " A"); empty if it has none."""
        ids: list[int] = []
        for text in label_spellings(self.tokenizer, label):
            toks = self.tokenizer.encode(text, add_special_tokens=False)
            if len(toks) == 1 and toks[0] not in ids:
                ids.append(toks[0])
        return ids

    # ---- scoring ----------------------------------------------------------------------------
    def choice(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
        """Single-token label spellings are read at the answer position (one forward pass per
        request); labels without one, or labels that would share a token, use loglik."""
        next_jobs: list[_ScoreJob | None] = []
        spellings: list[list[list[int]]] = []  # per request, per label: token ids read
        fallback: list[tuple[int, int]] = []  # (request, label) scored with loglik
        for i, req in enumerate(requests):
            ids = self.encode_prompt(req.prompt)
            self._check_length(len(ids), i, "choice")
            variants = [self.label_variants(lab) for lab in req.labels]
            flat = [t for v in variants for t in v]
            if len(flat) != len(set(flat)):
                variants, flat = [[] for _ in variants], []
            next_jobs.append(
                _ScoreJob(ids=ids, positions=[len(ids) - 1], targets=[flat]) if flat else None
            )
            spellings.append(variants)
            fallback.extend((i, j) for j, v in enumerate(variants) if not v)
        ll_jobs = [
            self._loglik_job(
                LoglikRequest(prompt=requests[i].prompt, continuation=requests[i].labels[j]), i
            )
            for i, j in fallback
        ]
        self._score([j for j in next_jobs if j is not None] + ll_jobs)
        logps = [np.full(len(r.labels), -np.inf) for r in requests]
        for lp, job, variants in zip(logps, next_jobs, spellings):
            if job is not None:
                read = dict(zip(job.targets[0], job.out_logprobs[0]))
                for j, v in enumerate(variants):
                    if v:
                        lp[j] = np.logaddexp.reduce([read[t] for t in v])
        for (i, j), job in zip(fallback, ll_jobs):
            logps[i][j] = sum(float(x[0]) for x in job.out_logprobs)
        n_fallback = [sum(not v for v in variants) for variants in spellings]
        return [
            _distribution(
                list(req.labels),
                lp,
                "next_token" if n == 0 else "loglik" if n == len(req.labels) else "mixed",
            )
            for req, lp, n in zip(requests, logps, n_fallback)
        ]

    def loglik(self, requests: Sequence[LoglikRequest]) -> list[Loglik]:
        jobs = [self._loglik_job(r, i) for i, r in enumerate(requests)]
        self._score(jobs)
        return [
            Loglik(
                logprob=float(sum(lp[0] for lp in job.out_logprobs)),
                num_tokens=len(job.positions),
                is_greedy=all(a == t[0] for a, t in zip(job.out_argmax, job.targets)),
            )
            for job in jobs
        ]

    def token_logprobs(
        self, sequences: Sequence[tuple[list[int], int]], top_k: int = 0
    ) -> list[tuple[list[float], list[tuple[list[int], list[float]]]]]:
        """For each (ids, start): log p(ids[t] | ids[:t]) for t >= max(start, 1), and the top_k
        alternatives at each of those positions. Used by `chorus serve` for logprobs/echo."""
        jobs = []
        for i, (ids, start) in enumerate(sequences):
            self._check_length(len(ids), i, "logprobs")
            first = max(start, 1)
            positions = list(range(first - 1, len(ids) - 1))
            jobs.append(
                _ScoreJob(
                    ids=ids,
                    positions=positions,
                    targets=[[ids[p + 1]] for p in positions],
                    top_k=top_k,
                )
            )
        self._score([j for j in jobs if j.positions])
        return [([float(lp[0]) for lp in j.out_logprobs], j.out_top) for j in jobs]

    def next_token_top(
        self, sequences: Sequence[list[int]], top_k: int
    ) -> list[tuple[list[int], list[float]]]:
        """The top_k next tokens after each sequence and their log-probabilities (one forward
        pass, prefixes shared): what `chorus serve` answers a one-token greedy request with."""
        jobs = []
        for i, ids in enumerate(sequences):
            self._check_length(len(ids), i, "next-token", extra=1)
            jobs.append(
                _ScoreJob(ids=list(ids), positions=[len(ids) - 1], targets=[[]], top_k=top_k)
            )
        self._score(jobs)
        return [j.out_top[0] for j in jobs]

    def _loglik_job(self, req: LoglikRequest, index: int) -> _ScoreJob:
        ctx = self.encode_prompt(req.prompt)
        cont = self.tokenizer.encode(req.continuation, add_special_tokens=False)
        ids = ctx + cont
        self._check_length(len(ids), index, "loglik")
        start = len(ctx) - 1
        return _ScoreJob(
            ids=ids,
            positions=list(range(start, start + len(cont))),
            targets=[[t] for t in cont],
        )

    @torch.inference_mode()
    def _score(self, jobs: list[_ScoreJob]) -> None:
        """Every shared prefix once, down a prefix tree: a persona's context, then what its
        requests still share below it (the answers a person's leave-one-out contexts have in
        common, a question stem asked in two option orders), each on top of the one above."""
        if not jobs:
            return
        root = prefix_tree(
            [j.ids for j in jobs],
            [min(j.positions) for j in jobs],
            self.min_shared_prefix,
            self.min_shared_stem,
        )
        self._score_node(jobs, root, None, torch.zeros((1, 0), dtype=torch.long))

    def _score_node(self, jobs: list[_ScoreJob], node: PrefixNode, cache, mask) -> None:
        """`cache` (one row, `mask` over its slots; None at the root) holds tokens [:node.end]:
        the node's rows are scored on top of it, then each child's shared tokens are computed
        once (children of similar length in one batch) and its subtree scored on top. Members
        that each add only a few tokens (the digit reads of a number) are packed in one row."""
        members = [jobs[m] for m in node.members]
        if _packable(members, node.end):
            self._score_packed(members, cache, mask, node.end)
            return
        self._score_rows([(jobs[m], 0) for m in node.rows], cache, mask, node.end)
        children = sorted(node.children, key=lambda c: c.end - c.start)
        chunks = list(self._chunks([c.end - c.start for c in children]))
        for n, chunk in enumerate(chunks):
            kids = [children[k] for k in chunk]
            seqs = [jobs[kid.members[0]].ids[kid.start : kid.end] for kid in kids]
            width = max(len(q) for q in seqs)
            input_ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
            kid_mask = torch.cat(
                [mask.expand(len(seqs), -1), torch.zeros((len(seqs), width), dtype=torch.long)], 1
            )
            for r, q in enumerate(seqs):
                input_ids[r, : len(q)] = torch.tensor(q)
                kid_mask[r, mask.shape[1] : mask.shape[1] + len(q)] = 1
            past = None
            if cache is not None:
                # the forward pass extends its cache in place: copy it while it is still needed
                past = cache if n == len(chunks) - 1 else copy.deepcopy(cache)
                if len(seqs) > 1:
                    past.batch_repeat_interleave(len(seqs))
            out = self.model(
                input_ids=input_ids,
                attention_mask=kid_mask,
                use_cache=True,
                position_ids=torch.arange(node.end, node.end + width).expand(len(seqs), width),
                logits_to_keep=1,
                **({} if past is None else {self._cache_arg: past}),
            )
            extended = self._cache(out)
            for r, kid in enumerate(kids):
                kid_cache = extended
                if len(kids) > 1:
                    kid_cache = copy.deepcopy(extended)
                    kid_cache.batch_select_indices(torch.tensor([r]))
                self._score_node(jobs, kid, kid_cache, kid_mask[r : r + 1])

    def _score_rows(
        self,
        rows: list[tuple[_ScoreJob, int]],
        cache,
        cache_mask: torch.Tensor,
        base: int,
        starts: list[int] | None = None,
    ) -> None:
        """Score jobs on top of a cache: row r of `cache` (mask `cache_mask[r]`) holds the
        job's tokens up to `starts[r]` (default `base`); each job computes the rest."""
        first = [base if starts is None else starts[r] for _, r in rows]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i][0].ids) - first[i])
        for chunk in self._chunks([len(rows[i][0].ids) - first[i] for i in order]):
            picked = [order[k] for k in chunk]
            idx = torch.tensor([rows[i][1] for i in picked])
            past = None
            if cache is not None:
                past = copy.deepcopy(cache)
                past.batch_select_indices(idx)
            self._forward_chunk(
                [rows[i][0] for i in picked], [first[i] for i in picked], past, cache_mask[idx]
            )

    def _score_packed(self, members: list[_ScoreJob], cache, mask, base: int) -> None:
        """Jobs on top of `cache` (tokens [:base], `mask` over its slots), each adding a few
        tokens (the digit reads of a number): one row holds every job's tail, and a block mask
        lets each tail see the cache and its own earlier tokens only. The same as a row per
        job, without copying the cache once per job (which, with grouped-query attention
        expanded per row, cost more than the tokens themselves)."""
        chunk: list[_ScoreJob] = []
        used = 0
        for job in members:
            tail = len(job.ids) - base
            if chunk and used + tail > PACK_TOKENS:
                self._forward_packed(chunk, cache, mask, base)
                chunk, used = [], 0
            chunk.append(job)
            used += tail
        self._forward_packed(chunk, cache, mask, base)

    def _forward_packed(self, chunk: list[_ScoreJob], cache, mask, base: int) -> None:
        ids: list[int] = []
        positions: list[int] = []
        block: list[int] = []
        cols = []
        for b, job in enumerate(chunk):
            at = len(ids)
            tail = job.ids[base:]
            ids += tail
            positions += range(base, base + len(tail))
            block += [b] * len(tail)
            cols.append([at + p - base for p in job.positions])
        q = len(ids)
        blk = torch.tensor(block)
        local = torch.arange(q)
        allowed = (local[None, :] <= local[:, None]) & (blk[None, :] == blk[:, None])
        full = torch.cat([mask.bool().expand(q, -1), allowed], 1)[None, None]
        keep = sorted({c for row in cols for c in row})
        logits = self.model(
            input_ids=torch.tensor([ids]),
            attention_mask=full,
            position_ids=torch.tensor([positions]),
            use_cache=True,
            logits_to_keep=torch.tensor(keep),
            **({} if cache is None else {self._cache_arg: copy.deepcopy(cache)}),
        ).logits
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        col = {c: k for k, c in enumerate(keep)}
        for job, job_cols in zip(chunk, cols):
            _read(job, [logprobs[0, col[c]] for c in job_cols])

    def _cache(self, out):
        """The KV cache a forward pass returned."""
        return getattr(out, self._cache_arg)

    def _chunks(self, widths: list[int]):
        """Batches of consecutive (ascending) widths within the token budget whose widths stay
        close (`pad_slack`: how much wider the last row may be than the first), so padding
        wastes little."""
        chunk: list[int] = []
        slack, extra = self.pad_slack
        for k, width in enumerate(widths):
            if chunk and (
                width * (len(chunk) + 1) > self.max_batch_tokens
                or width > widths[chunk[0]] * slack + extra
            ):
                yield chunk
                chunk = []
            chunk.append(k)
        if chunk:
            yield chunk

    def _forward_chunk(
        self, chunk: list[_ScoreJob], starts: list[int], past, past_mask: torch.Tensor
    ) -> None:
        """Each job's tokens from its start onward, right-aligned after the cache (padding sits
        between the cache and each sequence, masked), so requests that read their last
        position share one column and the LM head runs on a handful of columns."""
        seqs = [j.ids[s:] for j, s in zip(chunk, starts)]
        width = max(len(q) for q in seqs)
        batch = len(seqs)
        input_ids = torch.full((batch, width), self.pad_id, dtype=torch.long)
        mask = torch.cat([past_mask, torch.zeros((batch, width), dtype=torch.long)], 1)
        cached = past_mask.shape[1]
        positions = torch.zeros((batch, width), dtype=torch.long)
        shifts = [width - len(q) for q in seqs]
        for b, (q, shift, start) in enumerate(zip(seqs, shifts, starts)):
            input_ids[b, shift:] = torch.tensor(q)
            mask[b, cached + shift :] = 1
            positions[b, shift:] = torch.arange(start, start + len(q))
        cols = [
            [p - start + shift for p in j.positions]
            for j, start, shift in zip(chunk, starts, shifts)
        ]
        keep = sorted({c for row in cols for c in row})
        kwargs = {} if past is None else {self._cache_arg: past}
        logits = self.model(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=positions,
            use_cache=past is not None,
            logits_to_keep=torch.tensor(keep),
            **kwargs,
        ).logits
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        col = {c: k for k, c in enumerate(keep)}
        for b, job in enumerate(chunk):
            _read(job, [logprobs[b, col[c]] for c in cols[b]])

    # ---- generation -------------------------------------------------------------------------
    def sample(self, items: Sequence[tuple[GenerateRequest, int]]) -> list[Sample]:
        return [s for s, _, _ in self.sample_tokens(items)]

    def sample_tokens(
        self, items: Sequence[tuple[GenerateRequest, int]]
    ) -> list[tuple[Sample, list[int], list[float]]]:
        """Each sample with its token ids and their log-probabilities as drawn: what `chorus
        serve` answers `logprobs` with, without scoring the sample a second time."""
        encoded = []
        for i, (req, _) in enumerate(items):
            ids = self.encode_prompt(req.prompt)
            self._check_length(len(ids), i, "generate", extra=req.max_tokens)
            encoded.append(ids)
        order = sorted(range(len(items)), key=lambda k: len(encoded[k]))
        results: list[tuple[Sample, list[int], list[float]] | None] = [None] * len(items)
        for start in range(0, len(order), self.max_gen_batch):
            idx = order[start : start + self.max_gen_batch]
            for k, s in zip(
                idx, self._generate_batch([encoded[k] for k in idx], [items[k] for k in idx])
            ):
                results[k] = s
        return [r for r in results if r is not None]

    @torch.inference_mode()
    def _generate_batch(
        self, prompts: list[list[int]], items: list[tuple[GenerateRequest, int]]
    ) -> list[tuple[Sample, list[int], list[float]]]:
        batch = len(prompts)
        width = max(len(p) for p in prompts)
        input_ids = torch.full((batch, width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((batch, width), dtype=torch.long)
        for b, p in enumerate(prompts):
            input_ids[b, width - len(p) :] = torch.tensor(p)
            mask[b, width - len(p) :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        gens = [torch.Generator().manual_seed(sample_seed(req.seed, idx)) for req, idx in items]
        out_ids: list[list[int]] = [[] for _ in range(batch)]
        logprob: list[list[float]] = [[] for _ in range(batch)]
        finished: list[Literal["stop", "length"] | None] = [None] * batch
        active = list(range(batch))  # rows still in the model batch, in cache order
        out = self.model(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=1,
        )
        cache, last_pos = self._cache(out), positions[:, -1]
        logits = out.logits[:, -1].float()
        while True:
            next_tokens = []
            drawn = draw_rows(logits, [items[b][0] for b in active], [gens[b] for b in active])
            for (tok, lp), b in zip(drawn, active):
                req = items[b][0]
                out_ids[b].append(tok)
                logprob[b].append(lp)
                next_tokens.append(tok)
                if (
                    tok in self.eos_ids
                    or req.stop
                    and find_stop(self.tokenizer.decode(out_ids[b]), req.stop) >= 0
                ):
                    finished[b] = "stop"
                elif len(out_ids[b]) >= req.max_tokens:
                    finished[b] = "length"
            keep = [row for row, b in enumerate(active) if finished[b] is None]
            if not keep:
                break
            if len(keep) < len(active):
                cache.batch_select_indices(torch.tensor(keep))
                mask, last_pos = mask[keep], last_pos[keep]
                next_tokens = [next_tokens[r] for r in keep]
                active = [active[r] for r in keep]
            mask = torch.cat([mask, torch.ones((len(active), 1), dtype=torch.long)], dim=1)
            last_pos = last_pos + 1
            out = self.model(
                input_ids=torch.tensor(next_tokens).unsqueeze(1),
                attention_mask=mask,
                position_ids=last_pos.unsqueeze(1),
                use_cache=True,
                **{self._cache_arg: cache},
            )
            cache, logits = self._cache(out), out.logits[:, -1].float()
        samples = []
        for b, (req, _) in enumerate(items):
            text = self.tokenizer.decode(out_ids[b], skip_special_tokens=True)
            cut = find_stop(text, req.stop)
            sample = Sample(
                text=text[:cut] if cut >= 0 else text,
                logprob=sum(logprob[b]),
                num_tokens=len(out_ids[b]),
                finish_reason=finished[b] or "length",
            )
            samples.append((sample, out_ids[b], logprob[b]))
        return samples


PACK_MAX = 8  # jobs adding at most this many tokens to a shared prefix are packed in one row
PACK_TOKENS = 2048  # tokens of one packed row (its mask is this squared, plus the cache)


def _packable(members: Sequence[_ScoreJob], start: int) -> bool:
    """Several jobs that each add only a few tokens after `start` (packed in one row)."""
    return len(members) > 1 and all(len(j.ids) - start <= PACK_MAX for j in members)


def _read(job: _ScoreJob, rows: Sequence[torch.Tensor]) -> None:
    """Record a job's reads from the log-probability rows of its positions, in order."""
    for row, targets in zip(rows, job.targets):
        job.out_logprobs.append(row[targets].double().numpy())
        job.out_argmax.append(int(row.argmax()))
        if job.top_k:
            top = torch.topk(row, job.top_k)
            job.out_top.append((top.indices.tolist(), top.values.tolist()))


def resolve_dtype(dtype: DType) -> torch.dtype:
    """`auto` = bfloat16 where the CPU multiplies bf16 natively (AVX512-BF16 or AMX: 2x faster
    end to end on the embedded model; the weights come from a 4-bit GGUF, so bf16 loses little),
    float32 elsewhere, where emulated bf16 would be slower."""
    if dtype == "auto":
        try:
            flags = Path("/proc/cpuinfo").read_text()
        except OSError:
            flags = ""
        dtype = "bfloat16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "float32"
    check_choice("--dtype", dtype, get_args(DType))
    return {"float32": torch.float32, "bfloat16": torch.bfloat16}[dtype]


def _distribution(
    labels: list[str], logp: np.ndarray, method: ChoiceMethod
) -> ChoiceDistribution:
    mass = float(np.exp(np.logaddexp.reduce(logp)))
    probs = np.exp(logp - np.logaddexp.reduce(logp))
    if not math.isfinite(probs.sum()):  # uniform, but marked incomplete and counted as such
        n = len(labels)
        return ChoiceDistribution(
            labels=labels, probs=[1.0 / n] * n, raw_mass=0.0, method="non_finite"
        )
    return ChoiceDistribution(
        labels=labels, probs=[float(p) for p in probs / probs.sum()], raw_mass=mass, method=method
    )
