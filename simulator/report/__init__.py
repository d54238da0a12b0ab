"""The self-contained HTML report of a study run."""

from simulator.report.build import render

__all__ = ["render"]
