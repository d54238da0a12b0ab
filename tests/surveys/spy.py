"""A real engine that records the prompts it is sent: tests about what reaches the model's
context (skip logic, sequential history) read them."""

from chorus.engines.base import Engine


class PromptSpy:
    """Wraps the real engine; `choices` and `generated` hold the prompts of its choice and
    generate calls, in order."""

    def __init__(self, engine):
        self.engine, self.choices, self.generated = engine, [], []

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def choice(self, requests):
        self.choices += [r.prompt for r in requests]
        return self.engine.choice(requests)

    def generate(self, requests):
        self.generated += [r.prompt for r in requests]
        return self.engine.generate(requests)

    # the base engine's in-process map, so the units run through this spy
    map = Engine.map
