"""Engine speed on the embedded model: `chorus bench engine --json`.

Workload: 32 personas, each with a ~300-token life story written by the model itself, each asked
20 multiple-choice questions of 4-7 options. Prints one JSON object:
- answers_per_s: chorus's path (one batched `choice` call, shared persona prefixes computed once);
- naive_answers_per_s: the same answers the naive way, measured in this run on a subsample:
  every (persona, question, option) scored as its own full prompt, one at a time, no reuse;
- prefill_tokens_per_s vs flop_limit_tokens_per_s (matmul FLOP/s measured in the engine's dtype /
  (2 x params)); the naive path runs in the same dtype, so the speedup is chorus's batching alone;
- gen_tokens_per_s_batched vs gen_tokens_per_s_single (150 new tokens per story).
"""

from __future__ import annotations

import argparse
import json
import string
import sys
import time
from pathlib import Path

import torch

QUESTIONS = json.loads((Path(__file__).parent / "data" / "engine_questions.json").read_text())
STORY_PROMPT = (
    "Tell me about yourself in detail. How old are you? Where did you grow up? What do you do for "
    "a living? What events made you who you are? What matters to you and what do you enjoy?"
)
SYSTEM = "You are the person in the life story below. Answer every question as this person would."


def matmul_flops(dtype: torch.dtype, seconds: float = 3.0, n: int = 2048) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b  # warm-up
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        reps += 1
    return 2 * n**3 * reps / (time.perf_counter() - start)


def question_prompt(story: str, q: dict, prompt_cls):
    letters = string.ascii_uppercase[: len(q["options"])]
    body = q["question"] + "\n" + "\n".join(f"{L}. {o}" for L, o in zip(letters, q["options"]))
    body += "\nAnswer with the letter of your choice."
    return prompt_cls.chat(
        ("system", f"{SYSTEM}\n\n{story}"), ("user", body), answer_prefix="Answer: "
    ), tuple(letters)


def workload(cached, personas: int, gen_tokens: int) -> tuple[list[str], list, list]:
    """The stories (model-written, 300 tokens, cached across runs), the persona x question
    choice requests, and the story-generation requests of `gen_tokens` new tokens."""
    from chorus.engines import ChoiceRequest, GenerateRequest, Prompt

    def story(seed: int, max_tokens: int) -> GenerateRequest:
        return GenerateRequest(
            prompt=Prompt.chat(("user", STORY_PROMPT)), max_tokens=max_tokens, temperature=1.0,
            seed=seed,
        )

    written = cached.generate([story(s, 300) for s in range(personas)])
    stories = [g.texts[0].strip() for g in written]
    requests = []
    for text in stories:
        for q in QUESTIONS:
            prompt, labels = question_prompt(text, q, Prompt)
            requests.append(ChoiceRequest(prompt=prompt, labels=labels))
    return stories, requests, [story(1000 + s, gen_tokens) for s in range(personas)]


def naive_answer(engine, prompt, labels) -> list[float]:
    """What a naive implementation does: one full forward pass per option, batch of one."""
    model, tok = engine.model, engine.tokenizer
    ctx = engine.encode_prompt(prompt)
    scores = []
    with torch.inference_mode():
        for lab in labels:
            cont = tok.encode(" " + lab, add_special_tokens=False)
            ids = torch.tensor([ctx + cont])
            logp = torch.log_softmax(model(input_ids=ids).logits[0].float(), -1)
            scores.append(float(sum(logp[len(ctx) - 1 + k, t] for k, t in enumerate(cont))))
    return scores


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="chorus bench engine", description=__doc__)
    ap.add_argument("--json", action="store_true", help="print JSON (always on; kept for symmetry)")
    ap.add_argument("--model", default=None, help="local HF folder or .gguf (default: embedded)")
    ap.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    ap.add_argument("--personas", type=int, default=32)
    ap.add_argument("--naive-personas", type=int, default=2)
    ap.add_argument("--naive-questions", type=int, default=4)
    ap.add_argument("--gen-tokens", type=int, default=150)
    ap.add_argument("--gen-single", type=int, default=4, help="stories timed one at a time")
    args = ap.parse_args(argv)

    from chorus.engines import load_engine

    cached = load_engine(
        engine="transformers", model=args.model, dtype=args.dtype
    )  # stories are cached across bench runs
    engine = cached.inner  # timings always run the model
    torch.manual_seed(0)

    stories, requests, gen_reqs = workload(cached, args.personas, args.gen_tokens)
    n_options = sum(len(r.labels) for r in requests)
    engine.choice(requests[:2])  # warm-up
    start = time.perf_counter()
    engine.choice(requests)
    chorus_s = time.perf_counter() - start
    context_tokens = [len(engine.encode_prompt(r.prompt)) for r in requests]

    naive = [
        requests[p * len(QUESTIONS) + q]
        for p in range(args.naive_personas)
        for q in range(args.naive_questions)
    ]
    start = time.perf_counter()
    for r in naive:
        naive_answer(engine, r.prompt, r.labels)
    naive_s = time.perf_counter() - start

    # Prefill throughput: long prompts, logits only where an answer is read.
    prefill = requests[:: len(QUESTIONS)][:16]
    ids = [engine.encode_prompt(r.prompt) for r in prefill]
    width = min(len(x) for x in ids)
    batch = torch.tensor([x[:width] for x in ids])
    with torch.inference_mode():
        engine.model(input_ids=batch[:2], logits_to_keep=1)
        start = time.perf_counter()
        engine.model(input_ids=batch, logits_to_keep=1)
        prefill_s = time.perf_counter() - start
    prefill_tps = batch.numel() / prefill_s
    flops = matmul_flops(engine.dtype)
    flop_limit = flops / (2 * engine.num_parameters)

    start = time.perf_counter()
    batched = engine.generate(gen_reqs)
    gen_batched_s = time.perf_counter() - start
    gen_batched_tokens = sum(g.num_tokens[0] for g in batched)
    start = time.perf_counter()
    single = [engine.generate([r])[0] for r in gen_reqs[: args.gen_single]]
    gen_single_s = time.perf_counter() - start
    gen_single_tokens = sum(g.num_tokens[0] for g in single)
    same = all(a.texts == b.texts for a, b in zip(single, batched))

    answers_per_s = len(requests) / chorus_s
    naive_per_s = len(naive) / naive_s
    gen_b, gen_1 = gen_batched_tokens / gen_batched_s, gen_single_tokens / gen_single_s
    result = {
        "model": engine.model_id,
        "parameters": engine.num_parameters,
        "dtype": engine.describe()["dtype"],
        "threads": torch.get_num_threads(),
        "personas": len(stories),
        "questions": len(QUESTIONS),
        "answers": len(requests),
        "options_scored": n_options,
        "mean_prompt_tokens": sum(context_tokens) / len(context_tokens),
        "mean_story_tokens": sum(len(engine.tokenizer.encode(s)) for s in stories) / len(stories),
        "chorus_seconds": chorus_s,
        "answers_per_s": answers_per_s,
        "naive_answers_timed": len(naive),
        "naive_seconds": naive_s,
        "naive_answers_per_s": naive_per_s,
        "speedup": answers_per_s / naive_per_s,
        "prefill_tokens_per_s": prefill_tps,
        "matmul_flop_per_s": flops,
        "flop_limit_tokens_per_s": flop_limit,
        "flop_utilization": prefill_tps / flop_limit,
        "gen_tokens_per_s_batched": gen_b,
        "gen_tokens_per_s_single": gen_1,
        "gen_speedup": gen_b / gen_1,
        "gen_batched_tokens": gen_batched_tokens,
        "gen_single_streams": len(single),
        "gen_batch_equals_single": same,
    }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
