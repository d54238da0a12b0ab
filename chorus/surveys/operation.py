"""How an engine answers a batch of a question kind's requests (one distribution per request):
the type the kind registry (surveys.kinds) and the kinds' own modules share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chorus.engines import ChoiceDistribution, ChoiceRequest, Engine

Operation = Callable[[Engine, Sequence[ChoiceRequest]], list[ChoiceDistribution]]
