"""The instrument schema: questions, options, perspectives and per-dataset column mappings.

Instruments are YAML files validated by these models (see `surveys.instruments.load_instrument`);
errors raised here carry a sub-path so the loader can point at the offending line. A question's
`kind` names a spec of the kind registry (surveys.kinds), which the checks here ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from chorus.surveys.conditions import (
    Condition,
    ConditionError,
    Truth,
    compile_condition,
    leaves,
    parse,
)
from chorus.surveys.conditions import questions as _refs
from chorus.surveys.errors import LocatedError
from chorus.surveys.free_text import OTHER, Codebook
from chorus.surveys.kinds import MappingRule, QuestionKind, kind_spec
from chorus.surveys.multi import MAX_OPTIONS as MAX_SELECT_OPTIONS
from chorus.surveys.ranking import MAX_ITEMS as MAX_RANK_ITEMS

Perspective = Literal["self", "ingroup", "outgroup", "meta"]
PERSPECTIVES: tuple[Perspective, ...] = ("self", "ingroup", "outgroup", "meta")

_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
MAX_RANGE = 1000  # steps of a numeric range: each is an answer whose digits are read


def norm_value(value: Any) -> str:
    """Canonical string form of a raw data value, so 1, 1.0 and "1" all match a mapping key."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, np.floating):
        return norm_value(float(value))
    return str(value)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    label: str = Field(min_length=1)  # stable id of the option (what answers.parquet stores)
    text: str = ""  # wording shown to the model; defaults to the label
    value: float | None = None  # ordinal/numeric value used by means, correlations and alpha
    not_mentioned: bool = False  # the "not mentioned / prefer not to say" option
    exclusive: bool = False  # multi_select: "none of these", selected only alone

    @model_validator(mode="after")
    def _defaults(self) -> Option:
        if not self.text:
            object.__setattr__(self, "text", self.label)
        if self.not_mentioned and self.value is not None:
            raise LocatedError(("value",), "a not_mentioned option cannot carry a value")
        return self


class ColumnMapping(_Strict):
    """How one dataset column becomes a question's option (or a canonical category).

    Exactly one of: `values` (raw value -> option label), `bins` (numeric edges; value v falls
    in bin i when edges[i] <= v < edges[i+1], the last bin including its upper edge), or
    `option_values: true` (the raw number equals the option's `value`).
    Raw values listed in `missing` count as no answer. Check-all-that-apply questions map
    either one delimited column (`values` with a `delimiter`: each token -> an option) or one
    column per option (`columns`: option label -> column; the raw values in `selected` mean
    selected, any other answer not selected).
    """

    column: str = ""
    columns: dict[str, str] | None = None
    delimiter: str | None = None
    selected: list[str] = ["1"]
    values: dict[str, str] | None = None
    bins: list[float] | None = None
    option_values: bool = False
    coded: bool = False
    missing: list[str] = []
    # `values` keys that never occur in the data are an error (a misspelling, usually); a small
    # pilot file may simply lack them: `allow_unseen: true` accepts that
    allow_unseen: bool = False

    @field_validator("values", mode="before")
    @classmethod
    def _norm_keys(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {
                norm_value(k): (norm_value(x) if not isinstance(x, str) else x)
                for k, x in v.items()
            }
        return v

    @field_validator("missing", "selected", mode="before")
    @classmethod
    def _norm_missing(cls, v: Any) -> Any:
        return [norm_value(x) for x in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _one_rule(self) -> ColumnMapping:
        if self.columns is not None:
            if self.column or self.values is not None or self.bins is not None:
                raise ValueError("give either `columns` (one per option) or `column`, not both")
            return self
        if not self.column:
            raise LocatedError(("column",), "give the dataset `column` (or `columns`)")
        if self.delimiter is not None and self.values is None:
            raise LocatedError(("delimiter",), "a `delimiter` needs `values` (token -> option)")
        rules = [self.values is not None, self.bins is not None, self.option_values, self.coded]
        if sum(rules) != 1:
            raise ValueError(
                "give exactly one of `values` (raw value -> option), `bins` (numeric edges), "
                "`option_values: true` or `coded: true` (open answers)"
            )
        if self.bins is not None and any(b >= a for a, b in zip(self.bins[1:], self.bins)):
            raise LocatedError(("bins",), f"bin edges must increase strictly, got {self.bins}")
        return self

    @property
    def rule(self) -> MappingRule:
        """Which of the rules this mapping uses."""
        if self.columns is not None:
            return "columns"
        if self.delimiter is not None:
            return "delimited"
        if self.values is not None:
            return "values"
        if self.coded:
            return "coded"
        return "bins" if self.bins is not None else "option_values"


class GroupMember(_Strict):
    name: str = Field(min_length=1)  # plural, as in "Democrats"
    singular: str = Field(min_length=1)  # with article, as in "a Democrat"
    categories: list[str] = Field(min_length=1)  # canonical categories of the group's trait


class GroupSet(_Strict):
    """Two groups defined from one demographic trait (e.g. party -> Democrats, Republicans)."""

    trait: str
    members: list[GroupMember]

    @model_validator(mode="after")
    def _two(self) -> GroupSet:
        if len(self.members) != 2:
            raise LocatedError(
                ("members",),
                f"a group set needs exactly 2 groups (in-group/out-group), got {len(self.members)}",
            )
        overlap = set(self.members[0].categories) & set(self.members[1].categories)
        if overlap:
            raise LocatedError(("members",), f"categories {sorted(overlap)} are in both groups")
        return self

    def member_of(self, category: str | None) -> GroupMember | None:
        return next((m for m in self.members if category in m.categories), None)

    def other(self, member: GroupMember) -> GroupMember:
        return self.members[1] if member is self.members[0] else self.members[0]

    def get(self, name: str) -> GroupMember:
        return next(m for m in self.members if m.name == name)


class Question(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    text: str = Field(min_length=1)
    kind: str  # a registered kind (surveys.kinds)
    options: list[Option] = []
    reverse_keyed: bool = False
    perspectives: list[Perspective] = ["self"]
    groups: str | None = None  # name of an instrument-level group set
    about: str | None = None  # the group this question is about (e.g. ft_dem is about Democrats)
    sources: dict[str, ColumnMapping] = {}  # dataset name -> mapping
    # numeric kinds: the whole numbers lo..hi that answer it, and their unit ("degrees")
    range: tuple[int, int] | None = None
    unit: str = ""
    # an item of a grid (surveys.grids): the block's name and the stem its items share
    grid: str | None = None
    stem: str | None = None
    # multi_select: how many options a person may select
    min_select: int = Field(default=0, ge=0)
    max_select: int | None = Field(default=None, ge=1)
    # skip logic: asked only of those whose earlier answers meet this (surveys.conditions)
    ask_if: str | None = None
    # free_text: the themes answers are coded into, and how many answers each persona gives
    codebook: Codebook | None = None
    samples: int = Field(default=5, ge=1, le=100)

    @field_validator("kind")
    @classmethod
    def _registered(cls, kind: str) -> str:
        kind_spec(kind)  # an unknown or refused kind fails here, naming the known ones
        return kind

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        self._range_options()
        self._codebook_options()
        self._check_options()
        self._check_ranking()
        self._check_selection()
        if len(set(self.perspectives)) != len(self.perspectives):
            raise LocatedError(("perspectives",), "perspectives are listed twice")
        if set(self.perspectives) - {"self"} and self.groups is None:
            raise LocatedError(
                ("perspectives",),
                "in-group/out-group/meta perspectives need `groups:` naming a group set",
            )
        labels = {o.label for o in self.options}
        for name, mapping in self.sources.items():
            self._check_mapping(name, mapping, labels)
        if self.ask_if is not None:
            try:
                parse(self.ask_if)
            except ConditionError as exc:
                raise LocatedError(("ask_if",), str(exc)) from None
        return self

    def _range_options(self) -> None:
        """A ranged kind's options are the integers of its `range` (written once, not listed)."""
        if not self.spec.ranged:
            if self.range is not None:
                raise LocatedError(("range",), f"`range` is for numeric questions, not {self.kind}")
            return
        if self.range is None:
            raise LocatedError(("range",), f"a {self.kind} question needs `range: [lo, hi]`")
        lo, hi = self.range
        if not 0 <= lo < hi or hi - lo > MAX_RANGE:
            raise LocatedError(
                ("range",),
                f"range [{lo}, {hi}]: give whole numbers 0 <= lo < hi with at most {MAX_RANGE} "
                "steps between them",
            )
        numbers = [Option(label=str(v), value=float(v)) for v in range(lo, hi + 1)]
        if self.options and self.options != numbers:
            raise LocatedError(
                ("options",), f"a {self.kind} question takes `range`, not `options`: remove them"
            )
        object.__setattr__(self, "options", numbers)

    def _codebook_options(self) -> None:
        """A coded kind's options are its codebook's themes plus `other` (generated at load)."""
        if not self.spec.coded:
            if self.codebook is not None:
                raise LocatedError(("codebook",), f"`codebook` is for free_text, not {self.kind}")
            return
        if self.codebook is None:
            raise LocatedError(
                ("kind",),
                f"a {self.kind} question needs a `codebook:` of themes with example answers "
                "(its answers are coded into them)",
            )
        themes = [Option(label=t.label, text=t.text) for t in self.codebook.themes]
        coded = [*themes, Option(label=OTHER, text="Other (no theme of the codebook)")]
        if self.options and self.options != coded:
            raise LocatedError(
                ("options",), f"a {self.kind} question takes `codebook`, not `options`: remove them"
            )
        object.__setattr__(self, "options", coded)

    def _check_ranking(self) -> None:
        """A ranking orders its items: no "not mentioned", and few enough to ask every stage."""
        if not self.spec.ranked:
            return
        if self.not_mentioned_option is not None:
            raise LocatedError(("options",), "a ranking has no not_mentioned option")
        if len(self.options) > MAX_RANK_ITEMS:
            raise LocatedError(
                ("options",),
                f"a ranking takes at most {MAX_RANK_ITEMS} items (every ordered prefix is asked: "
                f"{len(self.options)} items would cost too many passes); split it",
            )

    def _check_selection(self) -> None:
        """Selection limits and exclusive options belong to kinds whose options are chosen
        independently (multi_select), and must be satisfiable."""
        k = len(self.options)
        exclusive = [i for i, o in enumerate(self.options) if o.exclusive]
        if not self.spec.independent:
            if self.min_select or self.max_select is not None:
                field = "min_select" if self.min_select else "max_select"
                raise LocatedError((field,), f"`{field}` is for multi_select questions")
            if exclusive:
                raise LocatedError(("options", exclusive[0], "exclusive"),
                                   "`exclusive` is for multi_select options")  # fmt: skip
            return
        if k > MAX_SELECT_OPTIONS:
            raise LocatedError(
                ("options",), f"a {self.kind} question takes at most {MAX_SELECT_OPTIONS} options"
            )
        top = k if self.max_select is None else self.max_select
        if self.min_select > top:
            raise LocatedError(
                ("min_select",), f"min_select {self.min_select} > max_select {top}: none allowed"
            )
        if self.max_select is not None and self.max_select > k:
            raise LocatedError(("max_select",), f"max_select {self.max_select} > {k} options")
        if len(exclusive) > 1:
            raise LocatedError(("options", exclusive[1]), "only one option can be exclusive")

    def _check_options(self) -> None:
        if len(self.substantive_options) < 2:
            raise LocatedError(("options",), f"a {self.kind} question needs at least 2 options")
        seen: dict[str, int] = {}
        for i, opt in enumerate(self.options):
            if opt.label in seen:
                raise LocatedError(
                    ("options", i, "label"),
                    f"duplicate option label {opt.label!r} (also option {seen[opt.label]})",
                )
            seen[opt.label] = i
            if self.spec.ordered and opt.value is None and not opt.not_mentioned:
                raise LocatedError(
                    ("options", i),
                    f"option {opt.label!r} has no `value`: every option of an {self.kind} "
                    "question needs a numeric value",
                )
        flagged = [i for i, o in enumerate(self.options) if o.not_mentioned]
        if len(flagged) > 1:
            raise LocatedError(("options", flagged[1]), "only one option can be not_mentioned")
        if flagged and flagged[0] != len(self.options) - 1:
            raise LocatedError(("options", flagged[0]), "the not_mentioned option must come last")

    def _check_mapping(self, name: str, mapping: ColumnMapping, labels: set[str]) -> None:
        where: tuple[str | int, ...] = ("sources", name)
        allowed = self.spec.mappings
        if mapping.rule not in allowed:
            rules = " or ".join(f"`{r}`" for r in sorted(allowed))
            raise LocatedError(
                where, f"{self.kind} questions map answers with {rules}, not `{mapping.rule}`"
            )
        if mapping.bins is not None and len(mapping.bins) != len(self.substantive_options) + 1:
            raise LocatedError(
                where + ("bins",),
                f"{len(mapping.bins)} bin edges for {len(self.substantive_options)} options: "
                "give one more edge than options",
            )
        for label in mapping.columns or {}:
            if label not in labels:
                known = sorted(labels)
                raise LocatedError(
                    where + ("columns", label), f"unknown option {label!r} (options: {known})"
                )
        for raw, target in (mapping.values or {}).items():
            if target not in labels:
                raise LocatedError(
                    where + ("values", raw),
                    f"value {raw!r} maps to unknown option {target!r} (options: {sorted(labels)})",
                )

    @property
    def condition(self) -> Condition | None:
        """The parsed `ask_if` (None: asked of everyone)."""
        return None if self.ask_if is None else parse(self.ask_if)

    @property
    def wording(self) -> str:
        """What the question asks: a grid item after its stem, else its text."""
        return f"{self.stem.strip()}\n\n{self.text}" if self.stem else self.text

    @property
    def spec(self) -> QuestionKind:
        """What the question's kind means: distance, ordering, prompt, answering."""
        return kind_spec(self.kind)

    @property
    def substantive_options(self) -> list[Option]:
        return [o for o in self.options if not o.not_mentioned]

    @property
    def not_mentioned_option(self) -> Option | None:
        return next((o for o in self.options if o.not_mentioned), None)

    @property
    def values(self) -> np.ndarray:
        """Numeric value of each substantive option (its position 1..K where none is given)."""
        return np.array(
            [
                o.value if o.value is not None else i + 1
                for i, o in enumerate(self.substantive_options)
            ],
            dtype=float,
        )


class Instrument(_Strict):
    name: str = Field(pattern=_ID_PATTERN)
    title: str = ""
    groups: dict[str, GroupSet] = {}
    scale: list[str] | None = None  # items of Cronbach's alpha; default: every scored question
    questions: list[Question] = Field(min_length=1)
    # blocks asked in an order shuffled per persona: name -> question ids (or a grid's name,
    # for its items); surveys.order
    blocks: dict[str, list[str]] = {}

    _source: str = PrivateAttr(default="<memory>")
    _lines: dict[tuple[str, ...], int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Instrument:
        seen: dict[str, int] = {}
        for i, q in enumerate(self.questions):
            if q.id in seen:
                raise LocatedError(
                    ("questions", i, "id"),
                    f"duplicate question id {q.id!r} (first used by question {seen[q.id]})",
                )
            seen[q.id] = i
            if q.groups is not None and q.groups not in self.groups:
                raise LocatedError(
                    ("questions", i, "groups"),
                    f"unknown group set {q.groups!r} (defined: {sorted(self.groups)})",
                )
            if q.about is not None:
                names = [m.name for m in self.groups[q.groups].members] if q.groups else []
                if q.about not in names:
                    raise LocatedError(
                        ("questions", i, "about"),
                        f"`about: {q.about}` must name a group of the question's group set {names}",
                    )
        for j, qid in enumerate(self.scale or []):
            if qid not in seen:
                raise LocatedError(("scale", j), f"scale item {qid!r} is not a question id")
        self._check_blocks(seen)
        for i, q in enumerate(self.questions):
            if q.condition is not None:
                self._check_condition(i, q, q.condition)
        return self

    def _check_blocks(self, seen: dict[str, int]) -> None:
        owner: dict[str, str] = {}
        grids = self.grids
        for name, members in self.blocks.items():
            ids: list[str] = []
            for j, member in enumerate(members):
                if member not in seen and member not in grids:
                    raise LocatedError(
                        ("blocks", name, j),
                        f"block {name!r}: {member!r} is neither a question id nor a grid name",
                    )
                ids += [q.id for q in grids[member]] if member in grids else [member]
            for qid in ids:
                if qid in owner:
                    raise LocatedError(
                        ("blocks", name),
                        f"question {qid!r} is in blocks {owner[qid]!r} and {name!r}",
                    )
                owner[qid] = name
            if len(ids) < 2:
                raise LocatedError(("blocks", name), f"block {name!r} needs at least 2 questions")

    def _check_condition(self, i: int, q: Question, cond: Condition) -> None:
        """Every question an `ask_if` names is asked before this one (in every shuffled order:
        a block's questions count at the block's last place, this one at its block's first),
        is one-of-K, asks this question's perspectives, and has the options named."""
        where = ("questions", i, "ask_if")
        first = min(self._positions(q.id))
        for leaf in leaves(cond):
            ref = next((r for r in self.questions if r.id == leaf.question), None)
            if ref is None:
                raise LocatedError(where, f"ask_if: unknown question {leaf.question!r}")
            if ref.id == q.id or max(self._positions(ref.id)) >= first:
                later = "itself (a cycle)" if ref.id == q.id else f"{ref.id!r}, asked later"
                raise LocatedError(
                    where,
                    f"ask_if of {q.id!r} refers to {later}: a condition may only use answers "
                    "given before the question (move it after them, or out of their block)",
                )
            if ref.spec.independent:
                raise LocatedError(
                    where, f"ask_if: {ref.id!r} is {ref.kind}; conditions use one-of-K answers"
                )
            missing = set(q.perspectives) - set(ref.perspectives)
            if missing:
                raise LocatedError(
                    where,
                    f"ask_if: {ref.id!r} is not asked from the {sorted(missing)} perspective(s) "
                    f"that {q.id!r} is",
                )
            known = [o.label for o in ref.substantive_options]
            unknown = sorted(leaf.labels - set(known))
            if unknown:
                raise LocatedError(
                    where, f"ask_if: {ref.id!r} has no option {unknown[0]!r} (options: {known})"
                )
        try:
            self.truth(q.id)
        except ConditionError as exc:
            raise LocatedError(where, str(exc)) from None

    def _positions(self, qid: str) -> list[int]:
        """The places a question may take: its block's places if it is in a block."""
        index = {q.id: k for k, q in enumerate(self.questions)}
        block = next((ids for ids in self.block_ids.values() if qid in ids), [qid])
        return [index[b] for b in block]

    @property
    def block_ids(self) -> dict[str, list[str]]:
        """Each block's question ids (grid names expanded), in instrument order."""
        grids = self.grids
        out = {}
        for name, members in self.blocks.items():
            wanted = {i for m in members for i in ([q.id for q in grids[m]] if m in grids else [m])}
            out[name] = [q.id for q in self.questions if q.id in wanted]
        return out

    def truth(self, qid: str) -> Truth | None:
        """The compiled `ask_if` of a question (None: asked of everyone)."""
        cond = self.question(qid).condition
        if cond is None:
            return None
        return compile_condition(
            cond, lambda ref: [o.label for o in self.question(ref).substantive_options]
        )

    def subset(self, question_ids: Sequence[str]) -> Instrument:
        """The instrument restricted to `question_ids` (kept in the instrument's order), with its
        scale restricted the same way."""
        wanted = set(question_ids)
        unknown = sorted(wanted - {q.id for q in self.questions})
        if unknown:
            raise ValueError(f"instrument {self.name!r} has no question(s) {unknown}")
        keep = [q for q in self.questions if q.id in wanted]
        for q in keep:
            left_out = [r for r in ([] if q.condition is None else _refs(q.condition))
                        if r not in wanted]  # fmt: skip
            if left_out:
                raise ValueError(
                    f"question {q.id!r} is asked only if `{q.ask_if}`: select "
                    f"{left_out} too (its condition is on their answers)"
                )
        scale = None if self.scale is None else [q for q in self.scale if q in wanted]
        blocks = {name: [i for i in ids if i in wanted] for name, ids in self.block_ids.items()}
        blocks = {name: ids for name, ids in blocks.items() if len(ids) > 1}
        return self.model_copy(update={"questions": keep, "scale": scale, "blocks": blocks})

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"instrument {self.name!r} has no question {qid!r}")

    @property
    def scored_questions(self) -> list[Question]:
        """Every question (kinds chorus does not ask are refused at load, so all are scored)."""
        return list(self.questions)

    @property
    def grids(self) -> dict[str, list[Question]]:
        """Each grid's items (surveys.grids), in instrument order."""
        out: dict[str, list[Question]] = {}
        for q in self.questions:
            if q.grid is not None:
                out.setdefault(q.grid, []).append(q)
        return out

    @property
    def scale_items(self) -> list[Question]:
        if self.scale is None:
            return self.scored_questions
        return [self.question(qid) for qid in self.scale]

    @property
    def source(self) -> str:
        return self._source

    def where(self, *loc: str | int) -> str:
        """`file:line` of a location inside the instrument file, for error messages."""
        key = tuple(str(p) for p in loc)
        while key and key not in self._lines:
            key = key[:-1]
        return f"{self._source}:{self._lines.get(key, 1)}"

    def where_question(self, qid: str, *loc: str | int) -> str:
        index = next(i for i, q in enumerate(self.questions) if q.id == qid)
        return self.where("questions", index, *loc)

    def located(self, source: str, lines: dict[tuple[str, ...], int]) -> Instrument:
        self._source = source
        self._lines = lines
        return self
