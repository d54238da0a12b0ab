"""Skip logic: `ask_if` conditions on earlier answers, parsed, checked and evaluated.

A condition is a Python-like expression over earlier questions' answers,

    party in [dem, rep]            own_gun == yes          own_gun != yes
    party not in [ind]             own_gun == yes and (party == dem or party == rep)

with question ids and option labels as bare names or quoted strings ("1. Yes"). It is parsed
with Python's own `ast` (only these forms are accepted) when the instrument loads, and checked
against the instrument there: an unknown question or option, a question asked later (or the
question itself: a cycle), or a check-all-that-apply question is an error naming the line.

Evaluated on one person's answers it is a probability: each referenced question's answer is a
distribution over its options (one-hot for a real respondent), an answer the person was not
asked is "no answer" with the rest of the probability (a comparison with no answer is false,
`!=` too, as in survey software), and the questions' answers are taken as independent given
the person, so the condition's probability sums the joint distribution over the referenced
questions' options where the condition holds. Answers to one question combine exactly
(`q in [a, b] and q != b`).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MAX_JOINT = 100_000  # joint outcomes of the referenced questions' answers a condition may span


class ConditionError(ValueError):
    """A condition that does not parse or does not fit the instrument (the schema locates it)."""


@dataclass(frozen=True)
class Compare:
    """`question in labels` (or `not in`; `==` and `!=` are the one-label forms)."""

    question: str
    labels: frozenset[str]
    negated: bool


@dataclass(frozen=True)
class Combine:
    op: str  # "and" | "or"
    parts: tuple[Condition, ...]


Condition = Compare | Combine


def parse(text: str) -> Condition:
    """The condition's tree; a ConditionError says what is wrong and which forms there are."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ConditionError(f"cannot parse {text!r} ({exc.msg}); {_FORMS}") from None
    return _node(tree, text)


_FORMS = "write `question == option`, `question in [a, b]`, `!=`, `not in`, joined by and/or"


def _node(node: ast.expr, text: str) -> Condition:
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return Combine(op, tuple(_node(v, text) for v in node.values))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        question, (cmp,), (right,) = node.left, node.ops, node.comparators
        if not isinstance(question, ast.Name):
            raise ConditionError(f"{text!r}: the left side must be a question id; {_FORMS}")
        if isinstance(cmp, (ast.Eq, ast.NotEq)):
            labels = [_label(right, text)]
        elif isinstance(cmp, (ast.In, ast.NotIn)) and isinstance(right, (ast.List, ast.Tuple)):
            labels = [_label(e, text) for e in right.elts]
        else:
            raise ConditionError(f"{text!r}: unsupported comparison; {_FORMS}")
        return Compare(question.id, frozenset(labels), isinstance(cmp, (ast.NotEq, ast.NotIn)))
    raise ConditionError(f"{text!r}: unsupported expression; {_FORMS}")


def _label(node: ast.expr, text: str) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)):
        return str(node.value)
    raise ConditionError(f"{text!r}: an option is a label or a quoted string; {_FORMS}")


def leaves(cond: Condition) -> list[Compare]:
    if isinstance(cond, Compare):
        return [cond]
    return [leaf for part in cond.parts for leaf in leaves(part)]


def questions(cond: Condition) -> list[str]:
    """The question ids a condition refers to, in order of first mention."""
    return list(dict.fromkeys(leaf.question for leaf in leaves(cond)))


def _holds(cond: Condition, answer: Mapping[str, str | None]) -> bool:
    if isinstance(cond, Compare):
        got = answer[cond.question]
        return got is not None and (got in cond.labels) != cond.negated
    results = (_holds(p, answer) for p in cond.parts)
    return all(results) if cond.op == "and" else any(results)


@dataclass(frozen=True)
class Truth:
    """A condition compiled over its questions' options: for every joint answer (one option,
    or no answer, per referenced question) whether the condition holds."""

    questions: tuple[str, ...]
    table: np.ndarray  # bool, shape (K1 + 1, K2 + 1, ...): last index = no answer

    def probability(self, dists: Sequence[np.ndarray], asked: Sequence[np.ndarray]) -> np.ndarray:
        """P(condition) per person from each question's n x K rows (NaN rows: no answer) and
        the n probabilities that the person was asked it (independent given the person)."""
        n = len(asked[0])
        joint = np.ones((n,) + (1,) * len(self.questions))
        for d, (rows, p_asked) in enumerate(zip(dists, asked)):
            ok = ~np.isnan(rows).any(axis=1)
            full = np.zeros((n, rows.shape[1] + 1))
            total = np.where(ok, np.nansum(rows, axis=1), 1.0)
            full[ok, :-1] = rows[ok] / total[ok, None] * p_asked[ok, None]
            full[:, -1] = 1.0 - full[:, :-1].sum(axis=1)
            shape = [n] + [1] * len(self.questions)
            shape[d + 1] = full.shape[1]
            joint = joint * full.reshape(shape)
        return joint.reshape(n, -1) @ self.table.reshape(-1).astype(float)


def compile_condition(cond: Condition, labels: Callable[[str], Sequence[str]]) -> Truth:
    """The truth table of `cond` over the options `labels(question)` of its questions."""
    ids = questions(cond)
    options = [list(labels(q)) + [None] for q in ids]
    size = int(np.prod([len(o) for o in options]))
    if size > MAX_JOINT:
        raise ConditionError(
            f"the condition spans {size} joint answers of {ids} (at most {MAX_JOINT}): refer "
            "to fewer or smaller questions"
        )
    table = np.array(
        [_holds(cond, dict(zip(ids, combo))) for combo in itertools.product(*options)]
    ).reshape([len(o) for o in options])
    return Truth(tuple(ids), table)
