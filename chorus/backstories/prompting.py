"""Engine prompts for an interview so far: a raw "Question: ...\\nAnswer:" transcript for base
models, chat turns for instruct models (whose chat template the engine applies)."""

from __future__ import annotations

from collections.abc import Sequence

from chorus.backstories.schema import Turn
from chorus.backstories.templates import persona_system
from chorus.engines import Prompt


def transcript_prompt(turns: Sequence[Turn], question: str, chat: bool) -> Prompt:
    """The next answer's prompt: every earlier question and answer, then `question`."""
    if chat:
        messages: list[tuple[str, str]] = [("system", persona_system())]
        for t in turns:
            messages += [("user", t.question), ("assistant", t.answer)]
        messages.append(("user", question))
        return Prompt.chat(*messages)  # type: ignore[arg-type]
    past = "".join(f"Question: {t.question}\nAnswer: {t.answer}\n\n" for t in turns)
    return Prompt.raw(f"{past}Question: {question}\nAnswer:")


def yes_no_prompt(text: str, chat: bool) -> Prompt:
    """A yes/no question whose next token is the verdict (read with engine.choice)."""
    if chat:
        return Prompt.chat(("user", text), answer_prefix="Answer:")
    return Prompt.raw(f"{text}\nAnswer:")
