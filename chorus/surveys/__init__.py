"""Surveys: instruments, answering in a persona's voice, human data, and the metrics.

Public API (everything else is private to the part):
- instruments: load_instrument, demographic_traits, demographics_instrument, TRAITS, and the
  schema models Instrument, Question, Option, GroupSet, ColumnMapping
- question kinds (surveys.kinds): QuestionKind, KINDS, register_kind, kind_spec
- human data: load_dataset -> HumanDataset (.respondents(n, seed, weighted), .answers(instrument))
- answering: Persona, personas_from_respondents, personas_from_table (a pool's rows as people;
  personas.read_pool reads a pool), personas_from_pool, render_context, STYLES,
  answer, check_options, write_answers, read_answers; the vocabularies STYLES (Conditioning),
  PERSPECTIVES (Perspective), DEBIAS (Debias)
- survey folders: write_survey, read_survey (answers.parquet, persona_traits.parquet,
  instrument.yaml, run.json as RunInfo)
- scoring: from_human, from_answers -> ResponseSet, score -> Score (.to_pandas()), summary_table;
  the metrics themselves live in surveys.metrics
- notebook: demographic_panel, ask -> Results (.to_pandas(), .score(dataset)), trait_table
"""

from chorus.surveys.answering import (
    answer,
    answer_in_contexts,
    check_options,
    incomplete_answers,
    read_answers,
    write_answers,
)
from chorus.surveys.conditioning import STYLES, Conditioning, render_context
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
    RunInfo,
    read_survey,
    write_survey,
)
from chorus.surveys.instruments import (
    TRAITS,
    demographic_traits,
    demographics_instrument,
    load_instrument,
)
from chorus.surveys.kinds import KINDS, QuestionKind, kind_spec, register_kind
from chorus.surveys.metrics.responses import ResponseSet, from_answers, from_human
from chorus.surveys.persona import (
    KnownAnswer,
    Persona,
    demographic_panel,
    personas_from_pool,
    personas_from_respondents,
    personas_from_table,
    pool_category,
    trait_table,
    with_answers,
)
from chorus.surveys.prompts import DEBIAS, Debias, Item
from chorus.surveys.results import Results, ask
from chorus.surveys.schema import (
    PERSPECTIVES,
    ColumnMapping,
    GroupSet,
    Instrument,
    Option,
    Perspective,
    Question,
)
from chorus.surveys.score_schema import EquivalentPanel, Floor
from chorus.surveys.scoring import Score, score, summary_table

__all__ = [
    "ANSWERS_FILE",
    "DEBIAS",
    "INSTRUMENT_FILE",
    "KINDS",
    "PERSPECTIVES",
    "RUN_FILE",
    "STYLES",
    "TRAITS",
    "TRAITS_FILE",
    "ColumnMapping",
    "Conditioning",
    "DatasetDescriptor",
    "DatasetError",
    "Debias",
    "GroupSet",
    "HumanDataset",
    "Instrument",
    "Item",
    "KnownAnswer",
    "LocatedError",
    "Option",
    "Persona",
    "Perspective",
    "Question",
    "QuestionKind",
    "ResponseSet",
    "Results",
    "RunInfo",
    "EquivalentPanel",
    "Floor",
    "Score",
    "SurveyError",
    "SurveyFileError",
    "answer",
    "answer_in_contexts",
    "ask",
    "check_options",
    "incomplete_answers",
    "demographic_panel",
    "demographic_traits",
    "demographics_instrument",
    "from_answers",
    "from_human",
    "kind_spec",
    "load_dataset",
    "load_instrument",
    "personas_from_pool",
    "personas_from_respondents",
    "personas_from_table",
    "pool_category",
    "read_answers",
    "read_survey",
    "register_kind",
    "render_context",
    "score",
    "shipped_datasets",
    "summary_table",
    "trait_table",
    "write_answers",
    "with_answers",
    "write_survey",
]
