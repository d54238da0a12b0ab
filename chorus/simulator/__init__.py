"""The simulator: what runs on top of the parts. Four wings, each a subpackage:
consensus/ (the Habermas-style mechanism, with the digital representatives that stand in for
participants), polis/ (real Polis deliberations: held-out vote prediction and the trained reward
model), study/ (one study file -> pool, match, survey, metrics, consensus pilot, report) and
report/ (the self-contained HTML report of a study run). The command line is its own part,
chorus.cli."""
