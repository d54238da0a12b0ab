"""Turning a Prompt into model text: chat template for instruct models, plain text for base ones."""

from __future__ import annotations

from typing import Any, Literal

from chorus.engines.types import Prompt

ChatMode = Literal["auto", "on", "off"]


def uses_chat(tokenizer: Any, mode: ChatMode) -> bool:
    """Instruct models ship a chat template; base models do not. `mode` overrides detection."""
    if mode == "on":
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError("chat template forced on, but this model's tokenizer has none")
        return True
    if mode == "off":
        return False
    return bool(getattr(tokenizer, "chat_template", None))


def render(prompt: Prompt, tokenizer: Any, chat: bool) -> str:
    """Text of the prompt up to the point where the model continues.

    Without a chat template, messages are joined as paragraphs (a base model just continues the
    text); callers wanting a specific base-model format (e.g. "Question: ...\\nAnswer:") pass raw
    text instead.
    """
    if prompt.text is not None:
        return prompt.text + prompt.answer_prefix
    if prompt.token_ids is not None:
        if tokenizer is None:
            raise ValueError("a token-id prompt needs a tokenizer to be shown as text")
        return tokenizer.decode(list(prompt.token_ids))
    assert prompt.messages is not None
    turns = [{"role": m.role, "content": m.content} for m in prompt.messages]
    if not chat:
        body = "\n\n".join(t["content"] for t in turns)
        return body + ("\n" + prompt.answer_prefix if prompt.answer_prefix else "")
    if turns[-1]["role"] == "assistant":
        text = tokenizer.apply_chat_template(turns, tokenize=False, continue_final_message=True)
    else:
        text = tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)
    return text + prompt.answer_prefix


def encode(prompt: Prompt, tokenizer: Any, chat: bool) -> list[int]:
    """Token ids of the prompt, the same for every engine that has the tokenizer."""
    if prompt.token_ids is not None:
        return list(prompt.token_ids)
    # Chat templates write their own special tokens; raw text gets the tokenizer's BOS.
    add_special = prompt.text is not None or not chat
    return tokenizer(render(prompt, tokenizer, chat), add_special_tokens=add_special)["input_ids"]
