"""The self-contained HTML report of a study run."""

from chorus.simulator.report.build import render

__all__ = ["render"]
