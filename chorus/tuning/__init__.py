"""Tuning: fine-tune the simulator's model on real survey answers (SubPOP-style).

Public API:
- examples: Example, subgroup_examples, individual_examples (the survey's own prompts)
- data: TrainingData, from_dataset (microdata), from_crosstab (aggregate tables)
- errors: TuningError
"""

from chorus.tuning.data import TrainingData, from_crosstab, from_dataset
from chorus.tuning.errors import TuningError
from chorus.tuning.examples import Example, individual_examples, subgroup_examples

__all__ = [
    "Example",
    "TrainingData",
    "TuningError",
    "from_crosstab",
    "from_dataset",
    "individual_examples",
    "subgroup_examples",
]
