"""The question-kind registry: a kind registered at run time flows through instrument
validation, prompting, answering and scoring, and the metrics ask its spec, not its name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from chorus.core import Templates
from chorus.engines import ChoiceDistribution, ChoiceRequest, Engine
from chorus.surveys import SurveyFileError, load_instrument
from chorus.surveys.answering import answer
from chorus.surveys.kinds import (
    KINDS,
    REFUSED,
    QuestionKind,
    kind_spec,
    register_kind,
    tvd,
    wasserstein,
)
from chorus.surveys.metrics.dispersion import entropy, ratios
from chorus.surveys.metrics.distance import distance
from chorus.surveys.metrics.individual import person_scores
from chorus.surveys.metrics.responses import ResponseSet
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import choice_request, items_for
from chorus.surveys.schema import Option, Question
from chorus.surveys.scoring import score

TOY = "pick_one"
PERSONA = Persona(persona_id="p1", demographics={})
INSTRUMENT = """\
name: toy
questions:
  - id: color
    text: Which colour do you like best?
    kind: pick_one
    options: [{label: red}, {label: green}, {label: blue}]
    sources:
      d1: {column: colour, values: {r: red, g: green, b: blue}}
  - id: gun
    text: Should guns be harder to buy?
    kind: ordinal
    options: [{label: harder, value: 1}, {label: same, value: 2}, {label: easier, value: 3}]
"""
OWN_DIST = [0.5, 0.3, 0.2]  # what the toy kind's own operation answers, by position
ENGINE_DIST = [0.6, 0.3, 0.1]  # what the engine's choice answers, by position


def hellinger(p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return float(np.sqrt(0.5 * ((np.sqrt(p / p.sum()) - np.sqrt(q / q.sum())) ** 2).sum()))


def first_order(
    dists: Sequence[ChoiceDistribution], orders: Sequence[Sequence[int]]
) -> tuple[np.ndarray, float]:
    """Keep the original order's answer only (the shipped kinds average over the orders)."""
    probs = np.zeros(len(orders[0]))
    probs[np.asarray(orders[0])] = dists[0].probs
    return probs, dists[0].raw_mass


class FixedEngine(Engine):
    """Test double: every choice is ENGINE_DIST over the positions; records each prompt."""

    name = "fixed"

    def __init__(self) -> None:
        self.asked: list[str] = []

    @property
    def fingerprint(self) -> str:
        return "fixed"

    def sample(self, items):
        raise NotImplementedError

    def loglik(self, requests):
        raise NotImplementedError

    def choice(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
        self.asked += [r.prompt.messages[-1].content for r in requests]
        return [_dist(r, ENGINE_DIST, 0.9) for r in requests]


def _dist(request: ChoiceRequest, probs: list[float], mass: float) -> ChoiceDistribution:
    assert len(request.labels) == len(probs)
    return ChoiceDistribution(
        labels=list(request.labels), probs=probs, raw_mass=mass, method="next_token"
    )


@pytest.fixture
def toy(tmp_path: Path):
    """A nominal kind with its own template, engine operation, order combination and distance
    (Hellinger), registered for one test; yields the spec and the requests its operation got."""
    (tmp_path / "pick.j2").write_text(
        "PICK ONE. {{ framing }}\n{% for letter, text in options %}[{{ letter }}] {{ text }}\n"
        "{% endfor %}"
    )
    got: list[ChoiceRequest] = []

    def own_operation(engine: Engine, requests: Sequence[ChoiceRequest]):
        got.extend(requests)
        return [_dist(r, OWN_DIST, 0.5) for r in requests]

    spec = QuestionKind(
        TOY,
        ordered=False,
        metric="hellinger",
        distance=hellinger,
        mappings=frozenset({"values"}),
        template="pick.j2",
        templates=Templates(tmp_path),
        operation=own_operation,
        combine=first_order,
    )
    assert register_kind(spec) is spec
    yield spec, got
    del KINDS[TOY]


@pytest.fixture
def toy_file(tmp_path: Path) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(INSTRUMENT)
    return path


def test_the_shipped_kinds_are_registered(monkeypatch):
    assert {"single_choice", "ordinal", "binned_numeric"} <= set(KINDS)
    assert not kind_spec("single_choice").ordered and kind_spec("single_choice").distance is tvd
    for name in ("ordinal", "binned_numeric"):
        assert kind_spec(name).ordered and kind_spec(name).distance is wasserstein
    assert kind_spec("binned_numeric").mappings == {"bins"}
    with pytest.raises(ValueError, match="unknown question kind 'likert' .known kinds: .*ordinal"):
        kind_spec("likert")
    monkeypatch.setitem(REFUSED, "essay", "grade it yourself")  # a kind refused at load
    with pytest.raises(ValueError, match=r"chorus does not ask essay questions \(grade it"):
        kind_spec("essay")


def test_a_kind_is_registered_once(toy):
    spec, _ = toy
    assert register_kind(spec) is spec  # the same spec again: no-op
    with pytest.raises(ValueError, match="already registered"):
        register_kind(QuestionKind(TOY, False, "tvd", tvd, frozenset({"values"})))
    with pytest.raises(ValueError, match="identifier"):
        register_kind(QuestionKind("two words", False, "tvd", tvd, frozenset({"values"})))


def test_an_instrument_loads_with_a_registered_kind_only(toy_file, tmp_path, request):
    with pytest.raises(SurveyFileError, match=f"{toy_file}:5: .*unknown question kind 'pick_one'"):
        load_instrument(toy_file)
    spec, _ = request.getfixturevalue("toy")
    inst = load_instrument(toy_file)
    assert inst.question("color").spec is spec and inst.question("gun").spec.ordered
    # a nominal kind needs no option values; the kind's own mapping rules are enforced
    bad = tmp_path / "bad.yaml"
    bad.write_text(INSTRUMENT.replace("{column: colour, values: {r: red, g: green, b: blue}}",
                                      "{column: colour, option_values: true}"))  # fmt: skip
    with pytest.raises(SurveyFileError, match="pick_one questions map answers with `values`"):
        load_instrument(bad)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(INSTRUMENT.replace("kind: ordinal", "kind: likert"))
    known = (
        "known kinds: binned_numeric, free_text, multi_select, numeric, ordinal, pick_one, ranking"
    )
    with pytest.raises(SurveyFileError, match=known):
        load_instrument(unknown)


def test_the_kind_template_renders_its_prompt(toy, toy_file):
    inst = load_instrument(toy_file)
    color, gun = items_for(PERSONA, inst)
    asked = choice_request("", [], color, [2, 1, 0]).prompt.messages[-1].content
    assert asked.startswith("PICK ONE. Which colour") and "[A] blue\n[B] green\n[C] red" in asked
    shipped = choice_request("", [], gun, [0, 1, 2]).prompt.messages[-1].content
    assert "PICK ONE" not in shipped and "(A) harder" in shipped


def test_answering_uses_the_kind_operation_and_combination(toy, toy_file):
    _, got = toy
    engine = FixedEngine()
    rows = answer(engine, [PERSONA], load_instrument(toy_file), conditioning="none")
    by_q = {r.question_id: r for r in rows.itertuples()}
    # the toy kind's two orders went to its own operation, not to the engine
    assert len(got) == 2 and all("PICK ONE" in r.prompt.messages[-1].content for r in got)
    assert len(engine.asked) == 2 and not any("PICK ONE" in a for a in engine.asked)
    # its combination keeps the original order; the shipped one averages original and reversed
    assert by_q["color"].probs == pytest.approx(OWN_DIST) and by_q["color"].raw_mass == 0.5
    assert list(by_q["color"].labels) == ["red", "green", "blue"]
    averaged = (np.array(ENGINE_DIST) + np.array(ENGINE_DIST)[::-1]) / 2
    assert by_q["gun"].probs == pytest.approx(averaged) and by_q["gun"].raw_mass == 0.9


def _one_hot(choices: list[int], k: int) -> np.ndarray:
    return np.eye(k)[choices]


def test_scoring_uses_the_kind_distance(toy, toy_file):
    inst = load_instrument(toy_file)
    n = 10
    human = ResponseSet(
        ids=np.array([f"h{i}" for i in range(n)], dtype=object),
        weights=np.ones(n),
        rows={
            ("color", "self", None): _one_hot([0] * 2 + [1] * 3 + [2] * 5, 3),
            ("gun", "self", None): _one_hot([0] * 5 + [1] * 3 + [2] * 2, 3),
        },
        traits={},
    )
    p_sim = {"color": np.array([0.6, 0.3, 0.1]), "gun": np.array([0.2, 0.2, 0.6])}
    sim = ResponseSet(
        ids=np.array([f"p{i}" for i in range(4)], dtype=object),
        weights=np.ones(4),
        rows={(q, "self", None): np.tile(p, (4, 1)) for q, p in p_sim.items()},
        traits={},
    )
    report = score(sim, human, inst, "d1", n_boot=0, floor=False, draws=1)
    assert report.metrics_used == {"hellinger": 1, "wasserstein": 1}
    q = {s.id: s for s in report.questions}
    p_hum = np.array([0.2, 0.3, 0.5])
    expected = hellinger(p_sim["color"], p_hum)
    assert q["color"].metric == "hellinger" and q["color"].kind == TOY
    assert q["color"].wd.value == pytest.approx(expected, abs=1e-6)
    assert distance(TOY, p_sim["color"], p_hum) == expected
    assert expected != pytest.approx(tvd(p_sim["color"], p_hum), abs=1e-3)
    assert expected != pytest.approx(wasserstein(p_sim["color"], p_hum), abs=1e-3)
    # nominal: dispersion by entropy, no variance over its (label) positions
    assert q["color"].dispersion.variance is None
    ent = entropy(p_sim["color"]) / entropy(p_hum)
    assert q["color"].dispersion.ratio == pytest.approx(ent, abs=1e-6)
    assert q["gun"].dispersion.variance is not None and q["gun"].metric == "wasserstein"


def test_dispersion_treats_a_nominal_kind_as_nominal(toy):
    values = np.array([1.0, 2.0, 3.0])
    human, peaked = np.array([0.25, 0.5, 0.25]), np.array([0.05, 0.9, 0.05])
    nominal = ratios(TOY, peaked, human, values)
    assert np.isnan(nominal["variance"]) and nominal["ratio"] == nominal["entropy"]
    ordered = ratios("ordinal", peaked, human, values)
    assert ordered["ratio"] == ordered["variance"] != nominal["ratio"]


def test_individual_correlation_leaves_out_many_option_nominal_kinds(toy):
    """Personas that answer exactly as their respondents: over ordered items their correlation
    with them is 1; the same answers as a three-option nominal kind have no order to correlate."""
    rng = np.random.default_rng(0)
    n, k = 60, 3
    human_rows = {(f"q{j}", "self", None): _one_hot(list(rng.integers(0, k, n)), k)
                  for j in range(4)}  # fmt: skip
    human = ResponseSet(
        ids=np.array([f"r{i}" for i in range(n)], dtype=object),
        weights=np.ones(n),
        rows=human_rows,
        traits={},
    )
    twins = human.take(np.arange(20))
    options = [Option(label=x, value=v) for x, v in (("a", 1), ("b", 2), ("c", 3))]

    def questions(kind: str) -> list[Question]:
        return [Question(id=f"q{j}", text="?", kind=kind, options=options) for j in range(4)]

    ordered = person_scores(twins, human, questions("ordinal"))
    nominal = person_scores(twins, human, questions(TOY))
    assert ordered is not None and nominal is not None
    assert np.nanmean(ordered.r) == pytest.approx(1.0)
    assert np.isnan(nominal.r).all()
    assert nominal.persona == pytest.approx(ordered.persona)  # accuracy does not ask the order
