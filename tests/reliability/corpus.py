"""The bad-input corpus: one definition per case, run through the real `chorus` CLI in-process
(typer's CliRunner) or, for `chorus serve`, through its HTTP app. Each case writes its bad files
under a fresh folder and says which words the error must carry: the file, line, record or
option at fault, and the fix. `run_case` runs one case and judges it; tests/reliability/
test_bad_input.py parametrises over CASES and `chorus bench reliability` counts the outcomes.

Most cases fail in validation, before a model loads (`needs=""`); `needs="model"` cases load
the embedded model, `needs="mount"` ones mount a small tmpfs (root only).
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability import kill
from tests.reliability.broken_server import broken_server

DATA = Path(__file__).resolve().parent / "data"
POOL = DATA / "pool"  # a real 2-persona profiled pool written by `chorus run`
ANES = Path(__file__).resolve().parents[2] / "surveys" / "data" / "anes2012"
MINI = Path(__file__).resolve().parents[2] / "tests" / "surveys" / "data" / "mini.yaml"
WHOLE = MINI.with_name("whole.yaml")  # one question of every kind
# the open question's themes, from their key to the question's sources
THEMES = "      themes:\n" + WHOLE.read_text().split("      themes:\n")[1].split("    sources:")[0]

STUDY = kill.STUDY.replace("name: kt", "name: bad")  # the tiny study the kill tests run
QUESTIONS = "questions:\n  - {id: q1, text: 'Should cities ban cars from their centres?'}\n"
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)


@dataclass
class Call:
    """What a case runs, and what its error must say."""

    argv: list[str] | None = None  # a chorus command line
    http: tuple[str, str, Any] | None = None  # chorus serve: (method, path, JSON or raw bytes)
    expect: tuple[str, ...] = ()  # words the message must contain (case-insensitive)
    refuse: tuple[str, ...] = ()  # words it must not contain (a misleading hint)
    status: int = 400  # http: the expected 4xx
    during: Callable[[], contextlib.AbstractContextManager] | None = None  # held while running


@dataclass(frozen=True)
class Case:
    name: str
    area: str
    build: Callable[[Path], Call]
    needs: str = ""  # "" | "model" | "mount"


@dataclass
class Outcome:
    case: str
    area: str
    exit_code: int
    output: str
    traceback: bool
    clear: bool
    leftovers: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.exit_code != 0 and not self.traceback and self.clear and not self.leftovers


# ---- helpers that build bad inputs ---------------------------------------------------------


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)  # type: ignore[operator]
    return path


def _study(tmp: Path, text: str = STUDY, *extra: str) -> Call:
    study = _write(tmp / "study.yaml", text)
    return Call(["run", str(study), "--runs", str(tmp / "runs"), *extra])


def _swap(old: str, new: str) -> str:
    assert old in STUDY, old
    return STUDY.replace(old, new)


def _survey(
    tmp: Path, instrument: str, *extra: str, personas: str = "anes2012", out: str = "out"
) -> list[str]:
    """`survey run` of one persona; its own cache file unless the case sets the cache."""
    cache = [] if {"--cache", "--cache-file"} & set(extra) else ["--cache-file", str(tmp / "c")]
    return ["survey", "run", instrument, "--personas", personas, "--n", "1",
            "--out", str(tmp / out), *cache, *extra]  # fmt: skip


def _consensus(tmp: Path, *extra: str, questions: Path | None = None, panel: str = "") -> list:
    q = questions or _write(tmp / "questions.yaml", QUESTIONS)
    return ["consensus", "run", "--questions", str(q), "--panel", panel or str(POOL),
            "--out", str(tmp / "out"), "--rounds", "1", "--candidates", "1",
            "--exclusions", "0", *extra]  # fmt: skip


def _descriptor(tmp: Path, csv: str | bytes, *, text: str | None = None) -> Path:
    _write(tmp / "data" / "people.csv", csv)
    body = text or (ANES / "dataset.yaml").read_text().replace(
        "file: anes2012_respondents.csv", "file: people.csv"
    )
    return _write(tmp / "data" / "dataset.yaml", body)


def _respondents(tmp: Path, ids: list[str]) -> list[str]:
    rows = "".join(f"{i},Male,Democrat\n" for i in ids)
    people = _write(tmp / "people.csv", "respondent_id,gender,party\n" + rows)
    return ["match", str(POOL), "--humans", str(people), "--traits", "gender,party",
            "--out", str(tmp / "match")]  # fmt: skip


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """Another process's lock on `path`, held for the duration (a child process holds it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    code = (
        "import fcntl,sys,time;f=open(sys.argv[1]);fcntl.flock(f,fcntl.LOCK_EX);"
        "print('locked',flush=True);time.sleep(60)"
    )
    import sys

    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        with open(path) as probe:  # the lock is really held
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                raise AssertionError("the lock holder holds nothing")
            except BlockingIOError:
                pass
        yield
    finally:
        holder.kill()
        holder.wait()


@contextlib.contextmanager
def _tmpfs(folder: Path, size: str, read_only: bool = False, fill: bool = False):
    folder.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(folder)], check=True)
    try:
        if fill:
            with contextlib.suppress(OSError), open(folder / "filler", "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _openai_case(mode: str, *expect: str) -> Callable[[Path], Call]:
    def build(tmp: Path) -> Call:
        holder: dict[str, str] = {}
        stack = contextlib.ExitStack()
        holder["url"] = stack.enter_context(broken_server(mode))
        argv = _survey(tmp, "anes2012", "--engine", "openai", "--base-url", holder["url"],
                       "--api", "chat", "--cache", "off")  # fmt: skip
        return Call(argv, expect=(*expect, holder["url"].rsplit("/", 1)[0]), during=lambda: stack)

    return build


def _corrupt_cache_entries(tmp: Path) -> Call:
    """A valid SQLite cache whose every entry is garbage: the survey reads it after loading
    the model (so the rows must hold the keys the survey asks for: made by a real run)."""
    cache = tmp / "cache.sqlite"
    from typer.testing import CliRunner

    from chorus.cli import app

    settings = ("--cache-file", str(cache), "--dtype", "float32")
    first = CliRunner().invoke(app, _survey(tmp, str(MINI), *settings, out="first"))
    assert first.exit_code == 0, first.output
    shutil.rmtree(tmp / "first")
    argv = _survey(tmp, str(MINI), *settings)
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE responses SET value = '{not json'")
    return Call(argv, expect=(str(cache), "delete"))


def _long_instrument(tmp: Path) -> Path:
    text = MINI.read_text().replace(
        "text: Do you think gay and lesbian couples should be allowed to legally marry?",
        "text: " + "Do you think so? " * 3000,
    )
    return _write(tmp / "long.yaml", text)


def _kind(tmp: Path, old: str, new: str, at: str, *expect: str) -> Call:
    """`survey run` of whole.yaml with `old` replaced by `new`; the error must name the
    instrument's line holding `at` (in the changed text) and `expect`."""
    text = WHOLE.read_text()
    assert old in text, old
    bad = text.replace(old, new, 1)
    line = bad[: bad.index(at)].count("\n") + 1
    return Call(_survey(tmp, str(_write(tmp / "i.yaml", bad))), expect=(f"i.yaml:{line}", *expect))


def _numeric_out_of_range(tmp: Path) -> Call:
    """A study whose target dataset rates the thermometer 150 (of 0-100): refused before the
    model loads, naming the mapping's line, the value and the range."""
    data = WHOLE.with_name("anes2012_whole.csv").read_text().replace(",95.0,", ",150.0,", 1)
    _write(tmp / "data" / "anes2012_whole.csv", data)
    desc = _write(tmp / "data" / "whole.yaml", WHOLE.with_name("anes2012_whole.yaml").read_text())
    study = (
        f"name: bad\npool: {{n: 2}}\ntarget: {{dataset: {desc}, n: 2}}\n"
        f"survey: {{instrument: {WHOLE}, conditioning: [backstory]}}\nconsensus: null\n"
    )
    line = WHOLE.read_text().split("column: ft_dem")[0].count("\n") + 1
    return Call(
        _study(tmp, study).argv,
        expect=("target.dataset", f"whole.yaml:{line}", "'150.0'", "0 to 100"),
    )


def _serve(method: str, path: str, body: Any, status: int, *expect: str) -> Callable:
    return lambda tmp: Call(http=(method, path, body), status=status, expect=expect)


# ---- the corpus ---------------------------------------------------------------------------

CASES: list[Case] = [
    # instruments
    Case("instrument-yaml-syntax", "instruments", lambda t: Call(
        _survey(t, str(_write(t / "i.yaml", "name: x\nquestions: [\n"))),
        expect=("i.yaml:", "invalid YAML"))),
    Case("instrument-duplicate-key", "instruments", lambda t: Call(
        _survey(t, str(_write(t / "i.yaml", MINI.read_text().replace(
            "name: mini\n", "name: mini\nname: again\n")))),
        expect=("i.yaml:3", "duplicate key 'name'", "remove or rename"))),
    Case("instrument-alias-bomb", "instruments", lambda t: Call(
        _survey(t, str(_write(t / "i.yaml", ALIAS_BOMB))),
        expect=("i.yaml", "aliases", "write the repeated values out"))),
    Case("instrument-not-utf8", "instruments", lambda t: Call(
        _survey(t, str(_write(t / "i.yaml", MINI.read_bytes().replace(b"Yes,", b"\xff\xfe,")))),
        expect=("i.yaml:", "not UTF-8", "save the file as UTF-8"))),
    Case("instrument-empty", "instruments", lambda t: Call(
        _survey(t, str(_write(t / "i.yaml", ""))), expect=("i.yaml:1", "empty"))),
    Case("instrument-unknown-field", "instruments", lambda t: Call(
        _survey(t, str(_write(t / "i.yaml", MINI.read_text().replace(
            "    kind: single_choice\n", "    kind: single_choice\n    knd: ordinal\n", 1)))),
        expect=("i.yaml:", "knd", "check its spelling"))),
    Case("instrument-missing", "instruments", lambda t: Call(
        _survey(t, str(t / "nowhere.yaml")), expect=("nowhere.yaml",))),
    # question kinds (issue 27's bad input): each names the instrument's line and field
    Case("kind-multi-select-min-above-max", "kinds", lambda t: _kind(
        t, "    kind: multi_select\n", "    kind: multi_select\n    min_select: 3\n"
        "    max_select: 2\n", "min_select", "questions[5].min_select", "3 > max_select 2")),
    Case("kind-numeric-range-reversed", "kinds", lambda t: _kind(
        t, "range: [0, 100]", "range: [100, 0]", "range:", "range", "0 <= lo < hi")),
    Case("kind-numeric-human-out-of-range", "kinds", _numeric_out_of_range),
    Case("kind-ranking-one-item", "kinds", lambda t: _kind(
        t, "      - {label: crime, text: Dealing with crime}\n"
        "      - {label: social_security, text: Social Security}\n", "",
        "options:\n      - {label: schools", "questions[6].options", "at least 2 options")),
    Case("kind-grid-item-own-scale", "kinds", lambda t: _kind(
        t, "        text: Dealing with crime\n", "        text: Dealing with crime\n"
        "        options: [{label: more}, {label: less}]\n", "options: [{label: more}",
        "fedspend_crime", "sets its own `options`")),
    Case("kind-ask-if-cycle", "kinds", lambda t: _kind(
        t, "ask_if: own_gun == yes", "ask_if: gun_control == same", "ask_if:",
        "ask_if", "refers to itself (a cycle)")),
    Case("kind-ask-if-forward-reference", "kinds", lambda t: _kind(
        t, "    kind: single_choice\n", "    kind: single_choice\n    ask_if: ft_dem == '50'\n",
        "ask_if:", "refers to 'ft_dem', asked later")),
    Case("kind-ask-if-unknown-option", "kinds", lambda t: _kind(
        t, "ask_if: own_gun == yes", "ask_if: own_gun == maybe", "ask_if:",
        "'own_gun' has no option 'maybe'")),
    Case("kind-codebook-without-themes", "kinds", lambda t: _kind(
        t, THEMES, "", "codebook:", "questions[7].codebook", "no themes")),
    # dataset descriptors and their CSVs
    Case("descriptor-duplicate-key", "descriptors", lambda t: Call(
        _survey(t, "anes2012", personas=str(_descriptor(
            t, "caseid\n1\n", text=(ANES / "dataset.yaml").read_text() + "name: again\n"))),
        expect=("dataset.yaml:", "duplicate key 'name'"))),
    Case("descriptor-data-file-missing", "descriptors", lambda t: Call(
        _survey(t, "anes2012", personas=str(_descriptor(t, "x", text=(
            ANES / "dataset.yaml").read_text().replace(
            "file: anes2012_respondents.csv", "file: gone.csv")))),
        expect=("gone.csv", "data file not found", "descriptor's `file`"))),
    Case("csv-empty", "csvs", lambda t: Call(
        _survey(t, "anes2012", personas=str(_descriptor(t, ""))),
        expect=("people.csv", "empty", "header"))),
    Case("csv-not-utf8", "csvs", lambda t: Call(
        _survey(t, "anes2012", personas=str(_descriptor(
            t, (ANES / "anes2012_respondents.csv").read_bytes()[:4000] + b"\xff\xfe\n"))),
        expect=("people.csv", "UTF-8"))),
    Case("respondents-duplicate-id", "csvs", lambda t: Call(
        _respondents(t, ["r1", "r2", "r1"]),
        expect=("people.csv", "'r1' appears twice", "rows 1 and 3", "unique id"))),
    Case("respondents-empty-id", "csvs", lambda t: Call(
        _respondents(t, ["r1", "", "r3"]),
        expect=("people.csv", "row 2", "empty respondent_id", "give every respondent an id"))),
    Case("questions-duplicate-key", "csvs", lambda t: Call(
        _consensus(t, questions=_write(t / "q.yaml", QUESTIONS.replace(
            "{id: q1,", "{id: q1, id: q2,"))),
        expect=("q.yaml:2", "duplicate key 'id'"))),
    Case("panel-file-alias-bomb", "csvs", lambda t: Call(
        _consensus(t, panel=str(_write(t / "panel.yaml", ALIAS_BOMB))),
        expect=("panel.yaml", "aliases"))),
    # persona pools
    Case("pool-not-a-pool", "pools", lambda t: Call(
        _survey(t, "anes2012", personas=str(_write(t / "pool" / "notes.txt", "x").parent)),
        expect=("pool", "not a persona pool", "chorus personas generate"))),
    Case("pool-corrupt-parquet", "pools", lambda t: Call(
        _survey(t, "anes2012", personas=str(
            _write(t / "pool" / "personas.parquet", b"PAR1garbage").parent)),
        expect=("personas.parquet", "unreadable Parquet", "regenerate"))),
    Case("consensus-panel-corrupt-pool", "pools", lambda t: Call(
        _consensus(t, panel=str(_write(t / "pool" / "personas.parquet", b"garbage").parent)),
        expect=("personas.parquet", "unreadable Parquet"))),
    Case("study-pool-corrupt", "pools", lambda t: Call(_study(t, STUDY.replace(
        "pool: {n: 2,", f"pool: {{path: {_write(t / 'p' / 'personas.parquet', b'x').parent},"),
        "--cache-file", str(t / "c.sqlite")).argv,
        expect=("pool.path", "personas.parquet", "unreadable Parquet"))),
    Case("study-pool-locked", "pools", lambda t: _locked_pool_study(t)),
    # studies
    Case("study-unknown-dataset", "studies", lambda t: Call(
        _study(t, _swap("dataset: anes2012", "dataset: anes2021")).argv,
        expect=("study.yaml:4", "target.dataset", "anes2021", "shipped: anes2012"))),
    Case("study-target-n-too-large", "studies", lambda t: Call(
        _study(t, _swap("target: {dataset: anes2012, n: 2}",
                        "target: {dataset: anes2012, n: 99999}")).argv,
        expect=("study.yaml:4", "target.n", "at most"))),
    Case("study-unknown-question", "studies", lambda t: Call(
        _study(t, _swap("[gay_marry, libcpre_ptyd]", "[gay_marry, gay_mary]")).argv,
        expect=("study.yaml:7", "survey.questions[1]", "gay_mary", "its questions"))),
    Case("study-swf-typo", "studies", lambda t: Call(
        _study(t, _swap("exclusions: 0,", "exclusions: 0, swf: utilitarain,")).argv,
        expect=("study.yaml:11", "consensus.swf", "utilitarain", "use utilitarian"))),
    Case("study-consensus-question-unknown", "studies", lambda t: Call(
        _study(t, _swap("exclusions: 0,", "exclusions: 0, question_ids: [nope],")).argv,
        expect=("study.yaml:11", "consensus.question_ids", "nope"))),
    Case("study-panel-above-target", "studies", lambda t: Call(
        _study(t, _swap("panel: 2,", "panel: 5,")).argv,
        expect=("study.yaml:11", "consensus.panel", "at most target.n"))),
    Case("study-pool-smaller-than-target", "studies", lambda t: Call(
        _study(t, _swap("target: {dataset: anes2012, n: 2}",
                        "target: {dataset: anes2012, n: 3}")).argv,
        expect=("study.yaml:3", "pool.n", "greedy-replace"))),
    Case("study-duplicate-key", "studies", lambda t: Call(
        _study(t, STUDY + "seed: 2\n").argv,
        expect=("study.yaml:13", "duplicate key 'seed'", "remove or rename"))),
    Case("study-alias-bomb", "studies", lambda t: Call(
        _study(t, STUDY + "x:\n  " + ALIAS_BOMB.replace("\n", "\n  ").rstrip() + "\n").argv,
        expect=("study.yaml", "aliases"))),
    Case("study-unknown-field", "studies", lambda t: Call(
        _study(t, _swap("seed: 1", "sed: 1")).argv,
        expect=("study.yaml:2", "sed", "check its spelling"))),
    Case("study-not-utf8", "studies", lambda t: Call(
        _study(t, STUDY.encode() + b"# caf\xe9\n").argv,  # type: ignore[arg-type]
        expect=("study.yaml:13", "not UTF-8", "save the file as UTF-8"))),
    Case("study-concurrent-run", "studies", lambda t: _concurrent(t)),
    # options
    Case("survey-n-zero", "options", lambda t: Call(
        _survey(t, "anes2012", "--n", "0"),
        expect=("--n", "greater than or equal to 1"))),
    Case("survey-n-negative", "options", lambda t: Call(
        _survey(t, "anes2012", "--n", "-1", personas=str(POOL)),
        expect=("--n", "greater than or equal to 1"))),
    Case("consensus-limit-zero", "options", lambda t: Call(
        _consensus(t, "--limit", "0"), expect=("--limit", "greater than or equal to 1"))),
    Case("consensus-limit-negative", "options", lambda t: Call(
        _consensus(t, "--limit", "-1"), expect=("--limit", "greater than or equal to 1"))),
    Case("score-n-boot-negative", "options", lambda t: Call(
        ["survey", "score", str(t), "--human", "anes2012", "--n-boot", "-5"],
        expect=("--n-boot", "greater than or equal to 0"))),
    Case("consensus-swf-typo", "options", lambda t: Call(
        _consensus(t, "--swf", "nash2"), expect=("nash2", "use utilitarian"))),
    Case("option-dtype-float16", "options", lambda t: Call(
        _survey(t, "anes2012", "--dtype", "float16"),
        expect=("--dtype", "'auto', 'float32' or 'bfloat16'"))),
    Case("option-cache-unknown", "options", lambda t: Call(
        _survey(t, "anes2012", "--cache", "sometimes"), expect=("--cache", "read-write"))),
    Case("option-chat-template-unknown", "options", lambda t: Call(
        _survey(t, "anes2012", "--chat-template", "yes"), expect=("--chat-template", "auto"))),
    Case("serve-dtype-float16", "options", lambda t: Call(
        ["serve", "--dtype", "float16", "--port", "0"], expect=("--dtype", "'float16'"))),
    Case("option-engine-unknown", "options", lambda t: Call(
        _survey(t, "anes2012", "--engine", "gpt"), expect=("--engine", "transformers"))),
    # models
    Case("model-missing", "models", lambda t: Call(
        _survey(t, "anes2012", "--model", str(t / "nomodel")),
        expect=("nomodel", "does not exist", "leave --model out"))),
    Case("model-broken-config", "models", lambda t: Call(
        _survey(t, "anes2012", "--model", str(_write(t / "m" / "config.json", "{\"a\": ").parent)),
        expect=("config.json", "not a readable JSON", "repair"))),
    # caches
    Case("cache-file-corrupt", "caches", lambda t: Call(
        _survey(t, "anes2012", "--cache-file", str(_write(t / "c.sqlite", b"garbage" * 600))),
        expect=("c.sqlite", "corrupt", "delete it"))),
    Case("cache-entry-corrupt", "caches", _corrupt_cache_entries, needs="model"),
    # context overflow
    Case("context-overflow-survey", "context", lambda t: Call(
        _survey(t, str(_long_instrument(t)), "--dtype", "float32", "--cache", "off"),
        expect=("context", "tokens too many", "shorten")), needs="model"),
    Case("context-overflow-consensus", "context", lambda t: Call(
        _consensus(t, "--dtype", "float32", "--cache", "off", "--panel-size", "2",
                   questions=_write(t / "q.yaml", "questions:\n  - {id: q1, text: '"
                                    + "Is this long? " * 3000 + "'}\n")),
        expect=("context", "tokens too many", "resume")), needs="model"),
    # read-only and full disks
    Case("disk-read-only-out", "disks", lambda t: Call(
        _survey(t, "anes2012", out="ro/out"),
        expect=("ro", "read-only", "--out"),
        during=lambda: _tmpfs(t / "ro", "1m", read_only=True)), needs="mount"),
    Case("disk-full-out", "disks", lambda t: Call(
        _survey(t, "anes2012", out="full/out"),
        expect=("full", "disk is full", "free some space"),
        during=lambda: _tmpfs(t / "full", "64k", fill=True)), needs="mount"),
    Case("disk-full-runs", "disks", lambda t: Call(
        _study(t).argv[:2] + ["--runs", str(t / "full" / "runs")],
        expect=("full", "disk is full", "free some space"),
        during=lambda: _tmpfs(t / "full", "64k", fill=True)), needs="mount"),
    # OpenAI-compatible servers that misbehave (no model here: the server is the engine)
    Case("server-non-json-200", "servers",
         _openai_case("non_json", "not an OpenAI-style response", "--base-url")),
    Case("server-dropped-connection", "servers",
         _openai_case("drop", "no OpenAI-compatible server answers", "fix --base-url")),
    Case("server-missing-logprobs", "servers",
         _openai_case("no_logprobs", "no log-probabilities", "logprobs")),
    # chorus serve: client errors are 4xx with OpenAI error bodies
    Case("serve-context-overflow", "servers", _serve(
        "POST", "/v1/completions", {"prompt": "word " * 9000, "max_tokens": 1}, 400,
        "context"), needs="model"),
    Case("serve-empty-prompt", "servers", _serve(
        "POST", "/v1/completions", {"prompt": "", "max_tokens": 1}, 400, "empty"),
        needs="model"),
    Case("serve-token-out-of-range", "servers", _serve(
        "POST", "/v1/completions", {"prompt": [1, 99999999], "max_tokens": 1}, 400,
        "99999999", "outside the vocabulary"), needs="model"),
    Case("serve-non-utf8-body", "servers", _serve(
        "POST", "/v1/completions", b'{"prompt": "\xff\xfe", "max_tokens": 1}', 400,
        "not valid json", "utf-8"),
        needs="model"),
    Case("serve-unknown-model", "servers", _serve(
        "POST", "/v1/chat/completions",
        {"model": "gpt-9", "messages": [{"role": "user", "content": "hi"}]}, 404,
        "gpt-9", "does not exist"), needs="model"),
    Case("serve-too-many-choices", "servers", _serve(
        "POST", "/v1/completions", {"prompt": ["a"] * 20, "n": 20, "max_tokens": 1}, 400,
        "20 prompts x n=20", "split it"), needs="model"),
]


def _locked_pool_study(tmp: Path) -> Call:
    pool = tmp / "pool"
    shutil.copytree(POOL, pool)
    call = _study(tmp, STUDY.replace("pool: {n: 2,", f"pool: {{path: {pool},"),
                  "--cache-file", str(tmp / "c.sqlite"))  # fmt: skip
    call.expect = ("pool.path", "another chorus process is writing this pool", "wait")
    call.during = lambda: _flock(pool / ".lock")
    return call


def _concurrent(tmp: Path) -> Call:
    call = _study(tmp, STUDY, "--cache-file", str(tmp / "c.sqlite"))
    call.expect = ("runs/bad", "another `chorus run` of this study is running", "wait")
    (tmp / "runs" / "bad.partial").mkdir(parents=True)  # the other run's work: not ours to resume
    call.refuse = ("resume",)
    call.during = lambda: _flock(tmp / "runs" / "bad.lock")
    return call


# ---- running a case -----------------------------------------------------------------------

_APP: dict[str, Any] = {}


def _serve_client():
    """One `chorus serve` app on the embedded model (float32), for every serve case."""
    if "client" not in _APP:
        from fastapi.testclient import TestClient

        from chorus.engines.server import create_app
        from chorus.engines.transformers_engine import TransformersEngine

        _APP["client"] = TestClient(create_app(TransformersEngine(dtype="float32")))
    return _APP["client"]


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}


def _left_behind(before: set[str], after: set[str]) -> list[str]:
    """New files, except a resumable partial run folder and a run's lock file."""
    return sorted(
        f for f in after - before
        if ".partial/" not in f and not f.endswith(".lock") and not f.startswith("ro/")
        and not f.startswith("full/")
    )  # fmt: skip


def run_case(case: Case, tmp: Path) -> Outcome:
    """Build the case's inputs under `tmp`, run it, and judge what came out."""
    started = time.monotonic()
    call = case.build(tmp)
    if call.http is not None:
        method, path, body = call.http
        client = _serve_client()
        kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
        if isinstance(body, bytes):
            kwargs["headers"] = {"content-type": "application/json"}
        resp = client.request(method, path, **kwargs)
        message = (resp.json().get("error") or {}).get("message", "") if resp.content else ""
        return Outcome(
            case.name, case.area, resp.status_code, f"{resp.status_code} {message}",
            traceback=resp.status_code >= 500 or "Traceback" in resp.text,
            clear=resp.status_code == call.status and _says(message, call.expect),
            seconds=time.monotonic() - started,
        )  # fmt: skip
    from typer.testing import CliRunner

    from chorus.cli import app

    before = _files(tmp)
    with call.during() if call.during else contextlib.nullcontext():
        result = CliRunner().invoke(app, call.argv)
        after = _files(tmp)
    output = result.output
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    return Outcome(
        case.name, case.area, result.exit_code, output,
        traceback=crashed or "Traceback" in output,
        clear=_says(output, call.expect) and "error" in output.lower()
        and not any(_says(output, (w,)) for w in call.refuse),
        leftovers=_left_behind(before, after),
        seconds=time.monotonic() - started,
    )  # fmt: skip


def _says(text: str, words: tuple[str, ...]) -> bool:
    low = " ".join(text.lower().split())
    return all(" ".join(w.lower().split()) in low for w in words)


def can_mount() -> bool:
    import os

    return os.geteuid() == 0 and shutil.which("mount") is not None
