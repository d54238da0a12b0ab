"""The self-contained HTML report of a study run."""

from chorus.simulator.report.build import render
from chorus.simulator.report.tables import report_tables

__all__ = ["render", "report_tables"]
