"""The demographic survey of personas (real model): distributions over the canonical categories
with the "not mentioned" mass stored apart, and the pool's marginals."""

from __future__ import annotations

import numpy as np
import pytest

from chorus.personas import read_pool, split_not_mentioned, summarize
from chorus.surveys import demographic_traits


def test_not_mentioned_mass_is_split_off_and_the_rest_renormalised():
    cats, nm = split_not_mentioned([0.1, 0.3, 0.6], has_not_mentioned=True)
    assert cats == pytest.approx([0.25, 0.75]) and nm == pytest.approx(0.6)
    cats, nm = split_not_mentioned([0.0, 0.0, 1.0], has_not_mentioned=True)
    assert cats == pytest.approx([0.5, 0.5]) and nm == 1.0
    assert split_not_mentioned([0.2, 0.8], has_not_mentioned=False) == (
        pytest.approx([0.2, 0.8]),
        0.0,
    )


def test_every_persona_has_a_distribution_per_trait(shared_pool):
    pool = read_pool(shared_pool)
    table, manifest = pool.table, pool.manifest
    traits = demographic_traits()
    assert manifest.demographics == traits and manifest.profile.debias == "none"
    assert manifest.profile.engine["fingerprint"]
    for trait, cats in traits.items():
        for probs, nm in zip(
            table.column(f"demo__{trait}").to_pylist(),
            table.column(f"demo_nm__{trait}").to_pylist(),
        ):
            assert len(probs) == len(cats) and sum(probs) == pytest.approx(1.0)
            assert 0.0 < nm < 1.0  # the option was offered and got some mass


def test_marginals_average_the_profiled_personas(shared_pool):
    table = read_pool(shared_pool).table
    summary = summarize(shared_pool)
    by_trait: dict[str, list] = {}
    for m in summary.marginals:
        by_trait.setdefault(m.trait, []).append(m)
    assert list(by_trait) == list(demographic_traits())
    for trait, rows in by_trait.items():
        expected = np.mean(np.stack(table.column(f"demo__{trait}").to_pylist()), axis=0)
        assert [r.share for r in rows] == pytest.approx(expected.tolist())
        assert rows[0].not_mentioned == pytest.approx(
            np.mean(table.column(f"demo_nm__{trait}").to_pylist())
        )
