"""Surveys: instruments, answering in a persona's voice, human data, and the metrics.

Public API (everything else is private to the part):
- instruments: load_instrument, demographic_traits, demographics_instrument, TRAITS, and the
  schema models Instrument, Question, Option, GroupSet, ColumnMapping
- human data: load_dataset -> HumanDataset (.respondents(n, seed, weighted), .answers(instrument))
- answering: Persona, personas_from_respondents, personas_from_pool, render_context, STYLES,
  answer, check_options, write_answers, read_answers
- survey folders: write_survey, read_survey (answers.parquet, persona_traits.parquet,
  instrument.yaml, run.json)
- scoring: from_human, from_answers -> ResponseSet, score -> Score (.to_pandas()), summary_table;
  the metrics themselves live in surveys.metrics
- notebook: demographic_panel, ask -> Results (.to_pandas(), .score(dataset)), trait_table
"""

from chorus.surveys.answering import (
    answer,
    check_options,
    incomplete_answers,
    read_answers,
    write_answers,
)
from chorus.surveys.conditioning import STYLES, render_context
from chorus.surveys.datasets import (
    DatasetDescriptor,
    HumanDataset,
    load_dataset,
    shipped_datasets,
)
from chorus.surveys.errors import DatasetError, LocatedError, SurveyError, SurveyFileError
from chorus.surveys.folder import (
    ANSWERS_FILE,
    INSTRUMENT_FILE,
    RUN_FILE,
    TRAITS_FILE,
    read_survey,
    write_survey,
)
from chorus.surveys.instruments import (
    TRAITS,
    demographic_traits,
    demographics_instrument,
    load_instrument,
)
from chorus.surveys.metrics.responses import ResponseSet, from_answers, from_human
from chorus.surveys.persona import (
    Persona,
    demographic_panel,
    personas_from_pool,
    personas_from_respondents,
    pool_category,
    trait_table,
)
from chorus.surveys.results import Results, ask
from chorus.surveys.schema import ColumnMapping, GroupSet, Instrument, Option, Question
from chorus.surveys.scoring import Score, score, summary_table

__all__ = [
    "ANSWERS_FILE",
    "INSTRUMENT_FILE",
    "RUN_FILE",
    "STYLES",
    "TRAITS",
    "TRAITS_FILE",
    "ColumnMapping",
    "DatasetDescriptor",
    "DatasetError",
    "GroupSet",
    "HumanDataset",
    "Instrument",
    "LocatedError",
    "Option",
    "Persona",
    "Question",
    "ResponseSet",
    "Results",
    "Score",
    "SurveyError",
    "SurveyFileError",
    "answer",
    "ask",
    "check_options",
    "incomplete_answers",
    "demographic_panel",
    "demographic_traits",
    "demographics_instrument",
    "from_answers",
    "from_human",
    "load_dataset",
    "load_instrument",
    "personas_from_pool",
    "personas_from_respondents",
    "pool_category",
    "read_answers",
    "read_survey",
    "render_context",
    "score",
    "shipped_datasets",
    "summary_table",
    "trait_table",
    "write_answers",
    "write_survey",
]
