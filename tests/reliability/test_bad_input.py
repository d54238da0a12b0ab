"""Every case of the bad-input corpus (corpus.py): a non-zero exit (or a 4xx from `chorus
serve`), no traceback, a message naming the file/line/record/option and the fix, and nothing
left behind but a resumable partial run folder."""

from __future__ import annotations

import pytest

from tests.reliability.corpus import CASES, can_mount, run_case


def test_the_corpus_is_large_and_broad():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    areas = {c.area for c in CASES}
    assert {"instruments", "descriptors", "csvs", "pools", "studies", "options", "models",
            "caches", "context", "disks", "servers", "kinds"} <= areas  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_clearly(case, tmp_path):
    if case.needs == "mount" and not can_mount():
        pytest.skip("mounting a small tmpfs needs root (full and read-only disk cases)")
    out = run_case(case, tmp_path)
    assert out.exit_code != 0, out.output
    assert not out.traceback, out.output
    assert out.clear, out.output
    assert out.leftovers == [], out.leftovers
    if case.needs == "":
        assert out.seconds < 30, f"{case.name} took {out.seconds:.0f} s: it should fail fast"
