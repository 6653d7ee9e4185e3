# `make demo` runs the service with embedded defaults; `make test` runs the whole suite;
# `make bench` runs every benchmark. Each sets itself up on a fresh machine first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-data
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: demo test test-sqlite test-sqlite-core test-browser test-postgresql bench bench-quick lint typecheck system-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	HEARTHWATCH_DATA_DIR=$${HEARTHWATCH_DATA_DIR:-$(DEMO_DIR)} $(VENV)/bin/hearthwatch demo --host $(HOST) --port $(PORT)

system-deps:
	scripts/system-deps

# The two databases' suites run side by side: most tests wait on real time (cameras,
# servers), so two cores carry both; each suite's output is printed when it ends. The
# browser tests come last, alone: Chromium decoding live video must not compete for the
# cores with four test workers (it dropped frames and failed the frame-rate checks).
test: $(STAMP) system-deps lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite-core test-postgresql
	$(MAKE) --no-print-directory test-browser

# Each suite runs on two workers (tests grouped by module, see tests/conftest.py).
test-sqlite: test-sqlite-core test-browser

test-sqlite-core: $(STAMP)
	$(PY) -m pytest --db=sqlite -m "not browser" -n 2 --dist loadgroup --durations=15

test-browser: $(STAMP)
	$(PY) -m pytest --db=sqlite -m browser --durations=15

test-postgresql: $(STAMP)
	$(PY) -m pytest --db=postgresql -m "not browser" -n 2 --dist loadgroup --durations=15

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports --no-cache  # the architecture contracts in pyproject.toml

typecheck: $(STAMP)
	$(VENV)/bin/mypy src/hearthwatch

bench: $(STAMP) system-deps
	@set -e; for b in bench/[a-z]*.py; do echo "== $$b"; $(PY) $$b $(BENCH_ARGS); done

bench-quick:
	$(MAKE) bench BENCH_ARGS=--quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
