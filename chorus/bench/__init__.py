"""The benchmarks behind `chorus bench`: each prints JSON. They read the source checkout (tests/,
the Makefile), so they ship with it and not in the wheel."""
