"""Grids: several items sharing one stem and one scale, written once in an instrument.

An instrument's `questions` may hold a grid entry,

    - grid: fedspend                      # the block's name
      stem: Should federal spending on each of these be increased, decreased or kept the same?
      kind: ordinal                       # the items' kind and options, written once
      options: [...]
      items:
        - {id: fedspend_poor, text: Aid to the poor, sources: {...}}

which becomes one question per item before the instrument is validated: the grid's fields
(kind, options, perspectives, ...) plus the item's own, with `stem` and `grid` set. The stem
opens each item's prompt, so an engine computes it once for a persona's items (a shared
prefix). The line map is rewritten with the questions, so an error in an item names the
item's line; an item that sets its own `kind` or `options` (a scale the others do not share)
is an error naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chorus.core.yamlfile import LineMap
from chorus.surveys.errors import SurveyFileError

SHARED_ONLY = ("kind", "options", "range", "unit")  # the scale: the grid's, never an item's
_GRID_ONLY = ("grid", "stem", "items")


def expand_grids(data: Any, lines: LineMap, path: Path | str) -> tuple[Any, LineMap]:
    """The instrument data with every grid replaced by its items, and the matching line map."""
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, list) or not any(_is_grid(q) for q in questions):
        return data, lines
    out: list[Any] = []
    moved: LineMap = {k: v for k, v in lines.items() if k[:1] != ("questions",)}
    moved[("questions",)] = lines.get(("questions",), 1)
    for i, entry in enumerate(questions):
        old = ("questions", str(i))
        if not _is_grid(entry):
            _move(lines, moved, old, ("questions", str(len(out))))
            out.append(entry)
            continue
        for j, item in enumerate(_items(entry, lines, old, path)):
            new = ("questions", str(len(out)))
            _move(lines, moved, old, new, skip=_GRID_ONLY)  # the grid's shared fields
            _move(lines, moved, old + ("items", str(j)), new)  # the item's, on top
            moved[new + ("stem",)] = lines.get(old + ("stem",), lines[old])
            out.append(item)
    return {**data, "questions": out}, moved


def _is_grid(entry: Any) -> bool:
    """A grid entry lists `items` (an expanded item, as a run folder's instrument.yaml holds
    it, carries `grid` and `stem` but no `items`: it is a question)."""
    return isinstance(entry, dict) and "items" in entry


def _items(grid: dict, lines: LineMap, at: tuple[str, ...], path: Path | str) -> list[dict]:
    def fail(where: tuple[str, ...], message: str) -> SurveyFileError:
        key = where
        while key and key not in lines:
            key = key[:-1]
        return SurveyFileError(f"{path}:{lines.get(key, 1)}: {message}")

    name = grid.get("grid")
    items = grid.get("items")
    if not isinstance(name, str) or not name.isidentifier():
        raise fail(at + ("grid",), f"grid: give the block a name (an identifier), got {name!r}")
    if not isinstance(grid.get("stem"), str) or not grid["stem"].strip():
        raise fail(at + ("stem",), f"grid {name!r}: `stem` (the shared question text) is missing")
    if not isinstance(items, list) or len(items) < 2:
        raise fail(at + ("items",), f"grid {name!r}: `items` must list at least 2 items")
    shared = {k: v for k, v in grid.items() if k not in _GRID_ONLY}
    out = []
    for j, item in enumerate(items):
        where = at + ("items", str(j))
        if not isinstance(item, dict):
            raise fail(where, f"grid {name!r} item {j}: give a mapping with `id` and `text`")
        own = [k for k in SHARED_ONLY if k in item]
        if own:
            raise fail(
                where + (own[0],),
                f"grid {name!r} item {item.get('id', j)!r} sets its own `{own[0]}`: the items "
                "of a grid share one scale, written once on the grid; move the item out of the "
                "grid if its scale differs",
            )
        out.append({**shared, **item, "stem": grid["stem"], "grid": name})
    return out


def _move(
    lines: LineMap,
    moved: LineMap,
    old: tuple[str, ...],
    new: tuple[str, ...],
    skip: tuple[str, ...] = (),
) -> None:
    """Copy the lines under `old` to `new` (leaving out the fields in `skip`)."""
    for key, line in lines.items():
        if key[: len(old)] == old and not (len(key) > len(old) and key[len(old)] in skip):
            moved[new + key[len(old) :]] = line
