"""Instrument schema: the shipped instruments load; malformed files fail with file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chorus.surveys import (
    SurveyFileError,
    demographic_traits,
    demographics_instrument,
    load_instrument,
)
from chorus.surveys.instruments import TRAITS

GOOD_QUESTION = """\
  - id: q1
    text: Do you favor or oppose it?
    kind: ordinal
    options:
      - {label: favor, value: 1}
      - {label: oppose, value: 2}
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "inst.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def error_of(path: Path) -> str:
    with pytest.raises(SurveyFileError) as info:
        load_instrument(path)
    return str(info.value)


def test_demographic_traits_are_the_documented_ones():
    traits = demographic_traits()
    assert tuple(traits) == TRAITS
    assert traits["party"] == ["Democrat", "Independent", "Republican"]
    assert len(traits["income"]) == 5
    for q in demographics_instrument().questions:
        flagged = q.not_mentioned_option
        assert flagged is not None and flagged is q.options[-1]
        assert flagged.text not in traits[q.id]


def test_anes_instrument_has_the_required_items():
    inst = load_instrument("anes2012")
    ids = {q.id for q in inst.questions}
    opinion = ids - {"libcpre_ptyd", "libcpre_ptyr", "ft_dem", "ft_rep"}
    assert len(opinion) >= 15
    for required in ("gay_marry", "immig_policy", "gun_control", "abortpre_4point", "pot_legal",
                     "penalty_favdpen", "envir_gwarm", "trust_social", "guarpr_self"):  # fmt: skip
        assert required in ids
    for qid in ("libcpre_ptyd", "libcpre_ptyr", "ft_dem", "ft_rep"):
        q = inst.question(qid)
        assert q.perspectives == ["self", "ingroup", "outgroup", "meta"] and q.groups == "party"
    thermo = inst.question("ft_dem")  # a numeric question scored against the raw ratings
    assert thermo.kind == "numeric" and thermo.range == (0, 100)
    assert thermo.sources["anes2012"].option_values and list(thermo.values) == list(range(101))
    # the spending items are one grid: a shared stem, each item's own text
    spend = inst.grids["fedspend"]
    assert len(spend) == 8 and {q.stem for q in spend} == {spend[0].stem}
    assert inst.question("fedspend_crime").reverse_keyed
    assert all(q.sources.get("anes2012") for q in inst.questions)


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        (  # unknown kind, on the kind's line, naming the registered kinds
            (
                "name: t\nquestions:\n  - id: q1\n    text: Hi?\n    kind: likert\n"
                "    options: [{label: a}, {label: b}]\n"
            ),
            5,
            "unknown question kind 'likert' (known kinds: binned_numeric, free_text, multi_select, "
            "numeric, ordinal, ranking, single_choice)",
        ),
        (  # duplicate ids: the second id's line
            "name: t\nquestions:\n" + GOOD_QUESTION + GOOD_QUESTION,
            9,
            "duplicate question id 'q1'",
        ),
        (  # ordinal option without a value
            (
                "name: t\nquestions:\n  - id: q1\n    text: Hi?\n    kind: ordinal\n    options:\n"
                "      - {label: a, value: 1}\n      - {label: b}\n"
            ),
            8,
            "has no `value`",
        ),
        (  # a mapping onto an option that does not exist
            "name: t\nquestions:\n" + GOOD_QUESTION + "    sources:\n      d1:\n        column: c\n"
            "        values:\n          Yes: favor\n          No: opose\n",
            14,
            "unknown option 'opose'",
        ),
        (  # binned question with the wrong number of edges
            (
                "name: t\nquestions:\n  - id: t1\n    text: Rate it\n    kind: binned_numeric\n"
                "    options: [{label: lo, value: 1}, {label: hi, value: 2}]\n"
                "    sources:\n      d1: {column: c, bins: [0, 50]}\n"
            ),
            8,
            "give one more edge than options",
        ),
        (  # a kind's mapping rules: an ordinal question cannot be binned
            "name: t\nquestions:\n"
            + GOOD_QUESTION
            + "    sources:\n      d1: {column: c, bins: [0, 1, 2]}\n",
            10,
            "ordinal questions map answers with `option_values` or `values`, not `bins`",
        ),
        (  # a duplicated YAML key is not silently dropped
            "name: t\nname: u\nquestions: []\n",
            2,
            "duplicate key 'name'",
        ),
        (  # free_text needs its codebook, named on its kind's line
            "name: t\nquestions:\n  - id: why\n    text: Why?\n    kind: free_text\n",
            5,
            "a free_text question needs a `codebook:`",
        ),
        (  # unknown field
            "name: t\nquestions:\n" + GOOD_QUESTION + "    reversed: true\n",
            9,
            "unknown field",
        ),
    ],
)
def test_errors_name_file_and_line(tmp_path, body, line, fragment):
    path = write(tmp_path, body)
    message = error_of(path)
    assert f"{path}:{line}:" in message
    assert fragment in message


def test_perspectives_need_a_group_set_of_known_categories(tmp_path):
    path = write(
        tmp_path,
        "name: t\ngroups:\n  party:\n    trait: party\n    members:\n"
        "      - {name: Dems, singular: a Dem, categories: [Democrat]}\n"
        "      - {name: Reps, singular: a Rep, categories: [Tory]}\n"
        "questions:\n" + GOOD_QUESTION + "    perspectives: [self, outgroup]\n    groups: party\n",
    )
    message = error_of(path)
    assert f"{path}:7:" in message and "'Tory'" in message


def test_yes_no_stay_strings(tmp_path):
    path = write(
        tmp_path,
        "name: t\nquestions:\n" + GOOD_QUESTION + "    sources:\n      d1:\n        column: c\n"
        "        values: {Yes: favor, No: oppose}\n",
    )
    assert load_instrument(path).question("q1").sources["d1"].values == {
        "Yes": "favor",
        "No": "oppose",
    }


def test_invalid_yaml_reports_line(tmp_path):
    path = write(tmp_path, "name: t\nquestions:\n  - id: [unclosed\n")
    assert f"{path}:" in error_of(path) and "invalid YAML" in error_of(path)
