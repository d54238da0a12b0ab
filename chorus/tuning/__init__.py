"""Tuning: fine-tune the simulator's model on real survey answers (SubPOP-style).

Public API:
- examples: Example, subgroup_examples, individual_examples (the survey's own prompts)
- data: TrainingData, from_dataset (microdata), from_crosstab (aggregate tables)
- options: TuneOptions (every option: `chorus tune`, `chorus.tune`, a study's `tune:`)
- training: tune (-> the tuned model folder; `chorus tune`), read_manifest,
  TuningManifest
- errors: TuningError
"""

from chorus.tuning.data import TrainingData, from_crosstab, from_dataset
from chorus.tuning.errors import TuningError
from chorus.tuning.examples import Example, individual_examples, subgroup_examples
from chorus.tuning.options import TuneOptions
from chorus.tuning.tune import TuningManifest, read_manifest, tune

__all__ = [
    "Example",
    "TrainingData",
    "TuneOptions",
    "TuningManifest",
    "TuningError",
    "from_crosstab",
    "from_dataset",
    "individual_examples",
    "read_manifest",
    "subgroup_examples",
    "tune",
]
