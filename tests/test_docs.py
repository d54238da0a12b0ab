"""The documents' references hold: in README.md and docs/*.md every relative link names a file of
the repository (and its anchor a heading there), and every `path:line` reference a file with at
least that many lines. Nothing points outside the repository, or to the product brief it once
cited. Text only: no model, well under a second."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# the brief outside the repository that the code used to cite; built so this file does not match
BRIEF = "DESIGN" + ".md"
SHARED = ".." + "/shared"  # where the brief and the data live, next to the repository

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.M)
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)
# a file name with an extension of letters (or a Makefile), optionally under folders, then :line
PATH_LINE = re.compile(
    r"(?<![\w/.~-])((?:\.{1,2}/|/)?(?:[\w.-]+/)*(?:[\w-][\w.-]*\.[A-Za-z][A-Za-z0-9]*|Makefile))"
    r":(\d+)(?![\d.])"
)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # http:, https:, mailto:, ...


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _without_code(text: str) -> str:
    """The text with fenced blocks and code spans blanked (newlines kept, so lines still count)."""

    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    return CODE_SPAN.sub(blank, FENCE.sub(blank, text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text lowercased, punctuation dropped (word
    characters, spaces and hyphens stay), spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every anchor a markdown file offers: its headings' slugs (repeats get -1, -2, ...) and
    explicit <a name|id> anchors."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    plain = FENCE.sub("", markdown)
    for _, title in HEADING.findall(plain):
        base = slug(title)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found | set(HTML_ANCHOR.findall(markdown))


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8", errors="replace").splitlines())


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def check_links(doc: Path, root: Path = ROOT) -> list[Problem]:
    text = doc.read_text(encoding="utf-8")
    plain = _without_code(text)
    targets = [(m.group(1), m.start()) for m in INLINE_LINK.finditer(plain)]
    targets += [(m.group(1), m.start()) for m in REF_DEFINITION.finditer(plain)]
    problems = []
    for target, offset in targets:
        where = f"{doc.name}:{_line_of(text, offset)}"
        if EXTERNAL.match(target):
            if target.lower().startswith("file:"):
                problems.append(Problem(where, f"{target} is a file outside the repository"))
            continue
        path_part, _, anchor = target.partition("#")
        path = doc if not path_part else (doc.parent / path_part)
        if path_part.startswith("/") or not _inside(path, root):
            problems.append(Problem(where, f"{target} points outside the repository"))
            continue
        if not path.exists():
            problems.append(Problem(where, f"{target}: no such file"))
            continue
        if anchor:
            problems += _check_anchor(where, target, path, anchor)
    return problems


def _check_anchor(where: str, target: str, path: Path, anchor: str) -> list[Problem]:
    if path.is_dir():
        return [Problem(where, f"{target}: an anchor on a folder")]
    if path.suffix.lower() == ".md":
        if anchor.lower() not in anchors(path.read_text(encoding="utf-8")):
            return [Problem(where, f"{target}: {path.name} has no heading #{anchor}")]
        return []
    lines = re.fullmatch(r"L(\d+)(?:-L(\d+))?", anchor)
    if lines is None:
        return [Problem(where, f"{target}: only #L<line> anchors point into a non-markdown file")]
    last = max(int(n) for n in lines.groups() if n)
    if last > _line_count(path):
        return [Problem(where, f"{target}: {path.name} has {_line_count(path)} lines")]
    return []


def check_line_references(doc: Path, root: Path = ROOT) -> list[Problem]:
    """`path:line` anywhere in the text, code included. A bare file name that is not a file at
    the top of the repository (e.g. `study.yaml:7` in an example error message) is no reference."""
    text = doc.read_text(encoding="utf-8")
    problems = []
    for m in PATH_LINE.finditer(text):
        name, line = m.group(1), int(m.group(2))
        where = f"{doc.name}:{_line_of(text, m.start())}"
        # relative to the top of the repository (the convention) or to the document
        candidates = [p for p in (root / name, doc.parent / name) if _inside(p, root)]
        if name.startswith("/") or not candidates:
            problems.append(Problem(where, f"{name}:{line} points outside the repository"))
            continue
        if "/" not in name and not (root / name).is_file():
            continue
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            problems.append(Problem(where, f"{name}:{line} names no file of the repository"))
        elif not 1 <= line <= _line_count(path):
            lines = _line_count(path)
            problems.append(Problem(where, f"{name}:{line}: the file has {lines} lines"))
    return problems


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve(doc: Path):
    assert not check_links(doc), "\n".join(map(str, check_links(doc)))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_line_references_resolve(doc: Path):
    problems = check_line_references(doc)
    assert not problems, "\n".join(map(str, problems))


def test_nothing_cites_the_brief_outside_the_repository():
    """The metric definitions live in docs/measurement.md, the parts in docs/architecture.md."""
    files = DOCS + [
        p
        for pattern in ("*.py", "*.j2", "*.yaml", "*.md", "*.toml")
        for p in [*(ROOT / "chorus").rglob(pattern), *(ROOT / "tests").rglob(pattern)]
    ]
    files += [ROOT / name for name in ("Makefile", "pyproject.toml", "setup.py", ".ci/run")]
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in files
        if p.is_file()
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if BRIEF in line or SHARED in line
    ]
    assert not hits, f"{BRIEF} is not in the repository; cite docs/ instead: {hits}"


def test_the_checker_catches_what_it_should(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "code.py").write_text("a = 1\nb = 2\n")
    (tmp_path / "outside.md").write_text("# Outside\n")
    (repo / "docs" / "other.md").write_text("# Other page\n\n## A `code` heading (x)\n")
    doc = repo / "docs" / "page.md"
    doc.write_text(
        "# Page\n"
        "[ok](other.md#a-code-heading-x) [ok](#page) [ok](../code.py#L2) [ok](https://x.org)\n"
        "`code.py:2` and `study.yaml:7` (an example, not a reference) are fine\n"
        "```sh\n[not a link](nowhere.md)\n```\n"
        "[missing](nothing.md) [bad anchor](other.md#nope) [too far](../code.py#L3)\n"
        "[outside](../../outside.md) [absolute](/etc/hosts)\n"
        "`code.py:3` `docs/none.py:1` `../../outside.md:1` `/srv/notes.md:1`\n"
    )
    links = [p.what for p in check_links(doc, repo)]
    assert links == [
        "nothing.md: no such file",
        "other.md#nope: other.md has no heading #nope",
        "../code.py#L3: code.py has 2 lines",
        "../../outside.md points outside the repository",
        "/etc/hosts points outside the repository",
    ]
    refs = [p.what for p in check_line_references(doc, repo)]
    assert refs == [
        "code.py:3: the file has 2 lines",
        "docs/none.py:1 names no file of the repository",
        "../../outside.md:1 points outside the repository",
        "/srv/notes.md:1 points outside the repository",
    ]
