"""Surveys: instruments, answering in a persona's voice, human data, and the metrics.

Public API (everything else is private to the part):
- instruments: load_instrument, demographic_traits, demographics_instrument, TRAITS, and the
  schema models Instrument, Question, Option, GroupSet, ColumnMapping
- human data: load_dataset -> HumanDataset (.respondents(n, seed, weighted), .answers(instrument))
- answering: Persona, personas_from_respondents, personas_from_pool, render_context, STYLES,
  answer, write_answers, read_answers
- scoring: score -> ScoreReport, summary_table; the metrics themselves live in surveys.metrics
"""

from surveys.answering import answer, incomplete_answers, read_answers, write_answers
from surveys.conditioning import STYLES, render_context
from surveys.datasets import DatasetDescriptor, HumanDataset, load_dataset
from surveys.errors import DatasetError, SurveyError, SurveyFileError
from surveys.instruments import (
    TRAITS,
    demographic_traits,
    demographics_instrument,
    load_instrument,
)
from surveys.persona import Persona, personas_from_pool, personas_from_respondents
from surveys.schema import ColumnMapping, GroupSet, Instrument, Option, Question
from surveys.scoring import ScoreReport, score, summary_table
from surveys.yamlfile import load_model as load_yaml_model

__all__ = [
    "STYLES",
    "TRAITS",
    "ColumnMapping",
    "DatasetDescriptor",
    "DatasetError",
    "GroupSet",
    "HumanDataset",
    "Instrument",
    "Option",
    "Persona",
    "Question",
    "ScoreReport",
    "SurveyError",
    "SurveyFileError",
    "answer",
    "incomplete_answers",
    "demographic_traits",
    "demographics_instrument",
    "load_dataset",
    "load_instrument",
    "load_yaml_model",
    "personas_from_pool",
    "personas_from_respondents",
    "read_answers",
    "render_context",
    "score",
    "summary_table",
    "write_answers",
]
