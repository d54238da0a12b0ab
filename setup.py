"""The parts live in one import package, `chorus/<part>/`, as real folders: type checkers,
editors' go-to-definition and GitHub's code navigation resolve `chorus.engines.base` to
chorus/engines/base.py with no install hook. The top of the repository keeps a relative link
per part (engines -> chorus/engines, ...): the layout the project was specified with, and the
paths its documents use. Metadata: pyproject.toml.

The benchmarks (chorus/bench) read the checkout (tests/, the Makefile) and stay out of the
wheel."""

from setuptools import find_packages, setup

# tests/test_packaging.py holds PARTS against the folders of chorus/ and the links at the top
PARTS = (
    "core",
    "engines",
    "surveys",
    "backstories",
    "personas",
    "tuning",
    "matching",
    "simulator",
    "cli",
)
CHECKOUT_ONLY = ("bench",)

setup(
    packages=find_packages(
        include=["chorus", "chorus.*"],
        exclude=[f"chorus.{p}" for p in CHECKOUT_ONLY] + [f"chorus.{p}.*" for p in CHECKOUT_ONLY],
    )
)
