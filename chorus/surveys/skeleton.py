"""An instrument skeleton from a labelled data file (`chorus survey init DATAFILE`).

Every variable of an SPSS .sav or Stata .dta file that carries value labels becomes a question:
its variable label as the text, its value labels as the options in code order (each with its
code as `value`), and a `sources` mapping from the labels onto the options. The kind is a guess
(two options: single_choice; more: ordinal, in code order), so every question is marked for
review, and the result is checked by loading it before it is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from chorus.core import write_atomic
from chorus.surveys.errors import DatasetError
from chorus.surveys.instruments import load_instrument
from chorus.surveys.readers import LABELLED

REVIEW = "# REVIEW: kind guessed from the number of options; check wording, order and values"


def _ident(text: str, taken: set[str]) -> str:
    """A question id or option label from a variable name or value label, made unique."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", text.strip()).strip("_").lower() or "x"
    if not (base[0].isalpha() or base[0] == "_"):
        base = f"v_{base}"
    out, i = base, 2
    while out in taken:
        out, i = f"{base}_{i}", i + 1
    taken.add(out)
    return out


def skeleton(data: Path, dataset: str) -> str:
    """The instrument YAML text for `data`, its mappings under the dataset name `dataset`."""
    fmt = LABELLED.get(data.suffix.lower())
    if fmt is None:
        raise DatasetError(f"{data}: give an SPSS .sav or a Stata .dta file (labelled data)")
    import pyreadstat

    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    try:
        _, meta = reader(str(data), metadataonly=True)
    except Exception as exc:  # pyreadstat's own ReadstatError and OSError variants
        raise DatasetError(f"{data}: not a readable {fmt} file ({exc})") from exc
    labels = meta.variable_value_labels
    if not labels:
        raise DatasetError(f"{data}: no variable has value labels, so there is nothing to map")
    blocks: list[str] = []
    ids: set[str] = set()
    for column, values in labels.items():
        if len(values) < 2:
            continue
        taken: set[str] = set()
        options = [(code, text, _ident(str(text), taken)) for code, text in sorted(values.items())]
        question = {
            "id": _ident(column, ids),
            "text": meta.column_names_to_labels.get(column) or column,
            "kind": "single_choice" if len(options) == 2 else "ordinal",
            "options": [{"label": lab, "text": str(t), "value": float(c)} for c, t, lab in options],
            "sources": {
                dataset: {
                    "column": column,
                    "values": {str(t): lab for _, t, lab in options},
                    "allow_unseen": True,
                }
            },
        }
        body = yaml.safe_dump([question], sort_keys=False, allow_unicode=True, width=100)
        blocks.append(f"  {REVIEW}\n" + "".join(f"  {line}\n" for line in body.splitlines()))
    head = (
        f"# Instrument skeleton made from {data.name} by `chorus survey init`: every labelled\n"
        "# variable is a question. Review each one, delete those that are not questions, and\n"
        f"# describe the data file as dataset {dataset!r} (docs/surveys.md).\n"
        f"name: {_ident(dataset, set())}\nquestions:\n"
    )
    return head + "\n".join(blocks)


def write_skeleton(data: Path, out: Path, dataset: str) -> int:
    """Write the skeleton to `out` (atomically, after it loads as an instrument); the number
    of questions."""
    text = skeleton(data, dataset)
    tmp = out.with_name(out.name + ".partial.yaml")
    tmp.write_text(text)
    try:
        n = len(load_instrument(tmp).questions)
    finally:
        tmp.unlink()
    write_atomic(out, lambda p: p.write_text(text))
    return n
