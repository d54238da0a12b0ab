"""generate: per-request seeds, batch independence, stop strings, n samples."""

from __future__ import annotations

from chorus.engines import GenerateRequest, Prompt

PROMPTS = [
    "Tell me about yourself. How old are you? Where did you grow up?",
    "Describe the town you live in.",
    "What did you do last weekend?",
]


def _req(text: str, seed: int, **kw) -> GenerateRequest:
    return GenerateRequest(
        prompt=Prompt.chat(("user", text)), max_tokens=kw.pop("max_tokens", 24), seed=seed, **kw
    )


def test_a_sample_does_not_depend_on_its_batch(transformers_engine):
    """Exact identity: each sample draws from its own generator, and padding in a batch
    changes logits by ~1e-6 at most, which would flip a draw only if it fell that close to a
    bucket edge (documented tolerance: identical text; none flipped in this test)."""
    reqs = [_req(p, seed=s) for s, p in enumerate(PROMPTS)]
    batched = transformers_engine.generate(reqs)
    for r, g in zip(reqs, batched):
        (alone,) = transformers_engine.generate([r])
        assert alone.texts == g.texts
        assert abs(alone.logprobs[0] - g.logprobs[0]) < 1e-3


def test_seeds_repeat_and_differ(transformers_engine):
    a = transformers_engine.generate(
        [_req(PROMPTS[0], seed=7), _req(PROMPTS[0], seed=7), _req(PROMPTS[0], seed=8)]
    )
    assert a[0].texts == a[1].texts
    assert a[0].texts != a[2].texts


def test_n_samples_are_distinct_and_prefix_stable(transformers_engine):
    (three,) = transformers_engine.generate([_req(PROMPTS[1], seed=3, n=3)])
    assert len(set(three.texts)) == 3
    (two,) = transformers_engine.generate([_req(PROMPTS[1], seed=3, n=2)])
    assert two.texts == three.texts[:2]  # sample i is seeded by (seed, i), not by n


def test_stop_strings_and_lengths(transformers_engine):
    (g,) = transformers_engine.generate(
        [
            _req(
                "Count from 1 to 20, separated by commas.",
                seed=0,
                temperature=0.0,
                stop=("5",),
                max_tokens=60,
            )
        ]
    )
    assert "5" not in g.texts[0]
    assert g.finish_reasons == ["stop"]
    (h,) = transformers_engine.generate([_req(PROMPTS[0], seed=0, max_tokens=5)])
    assert h.num_tokens == [5] and h.finish_reasons == ["length"]


def test_greedy_equals_tiny_top_p(transformers_engine):
    greedy = transformers_engine.generate([_req(PROMPTS[2], seed=1, temperature=0.0)])[0].texts
    nucleus = transformers_engine.generate([_req(PROMPTS[2], seed=2, top_p=1e-6)])[0].texts
    assert greedy == nucleus
