# ShopMind: `make demo` serves the demo shop; `make test` runs the whole test suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
export SHOPMIND_DATASETS_DIR ?= $(if $(wildcard ../shared/data/INDEX.md),$(abspath ../shared/data),)

.PHONY: demo test lint format bench install clean

# The demo needs only the package itself; tests add the dev tools and the optional encoders.
$(DEMO_STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $(DEMO_STAMP)

$(STAMP): $(DEMO_STAMP)
	$(PY) -m pip install --quiet -e '.[dev,st]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(DEMO_STAMP)
	$(VENV)/bin/shopmind demo

test: $(STAMP)
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

bench: $(STAMP)
	$(PY) bench/bench_ingest.py

clean:
	rm -rf $(VENV) var artifacts .pytest_cache .ruff_cache
