"""`chorus demo`: the engine at work on the embedded model (the study runner replaces it with
the full pipeline)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

STORY = "Tell me about yourself. How old are you? Where did you grow up? What events made you who you are?"
QUESTION = (
    "Do you favor or oppose the death penalty for persons convicted of murder?\n"
    "A. Favor\nB. Oppose\nAnswer with the letter of your choice."
)


def demo(
    model: Annotated[Optional[str], typer.Option(help="Local HF folder or .gguf; default: embedded.")] = None,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Write one short life story, then print one question's answer distribution in its voice."""
    from engines import ChoiceRequest, GenerateRequest, Prompt, load_engine

    engine = load_engine("transformers", model)
    typer.echo(f"engine: {engine.model_id} ({engine.fingerprint})")
    story = engine.generate(
        [GenerateRequest(prompt=Prompt.chat(("user", STORY)), max_tokens=120, temperature=1.0, seed=seed)]
    )[0].texts[0].strip()
    typer.echo(f"\nLife story (seed {seed}):\n{story}\n")
    dist = engine.choice(
        [
            ChoiceRequest(
                prompt=Prompt.chat(("system", f"You are this person: {story}"), ("user", QUESTION), answer_prefix="Answer: "),
                labels=("A", "B"),
            )
        ]
    )[0]
    typer.echo("Death penalty, in that person's voice:")
    for label, text, p in zip(dist.labels, ("Favor", "Oppose"), dist.probs):
        typer.echo(f"  {label}. {text:<7} {p:6.3f}  {'#' * round(40 * p)}")
    typer.echo(f"  (the option labels got {dist.raw_mass:.3f} of the next-token mass before renormalising)")
