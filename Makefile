# Two commands do all set-up on a fresh machine with only Python 3.11:
#   make demo   generate the demo city (if none), run the nightly job once, print a summary
#   make test   the whole test suite (what .ci/run calls)
#   make docs   dbt docs as one offline HTML file (prints where)
#   make bench  the city-scale benchmark (BENCH_HOUSEHOLDS=200000): time and memory per stage;
#               several sizes (BENCH_HOUSEHOLDS="50000 200000") add a cost curve, and
#               BENCH_ENCRYPTED=1 the cost of encryption (the nights again inside a vault),
#               BENCH_NO_PEER=1 skips the plain Splink peer
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEMO_HOUSEHOLDS ?= 2000
DEMO_SEED ?= 20150901
BENCH_HOUSEHOLDS ?= 200000
BENCH_SEED ?= 20150901
BENCH_ENCRYPTED ?=
BENCH_NO_PEER ?=

export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: env demo test check-defs test-kills bench ui web docs lint clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

demo: env
	$(BIN)/families demo --households $(DEMO_HOUSEHOLDS) --seed $(DEMO_SEED)

test: env
	$(BIN)/python -m pytest

# The definitions load as `dg dev` and the UI load them ([tool.dg] in pyproject.toml), offline.
check-defs: env
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg check defs

# 20 SIGKILLs at random moments of whole nightly runs; writes its report (FAULTS_KILL_REPORT)
test-kills: env
	FAULTS_KILL_REPORT=$${FAULTS_KILL_REPORT:-data/reports/faults/kills.json} $(BIN)/python -m pytest -m kill -s tests/integration/test_faults_kills.py

bench: env
	$(BIN)/families bench --households $(BENCH_HOUSEHOLDS) --seed $(BENCH_SEED) $(if $(BENCH_ENCRYPTED),--encrypted) $(if $(BENCH_NO_PEER),--no-peer)

ui: env
	$(BIN)/families ui

# The web application for named users on 127.0.0.1:8000 (add users first: families users add)
web: env
	$(BIN)/families web

# dbt's documentation as one static page, built offline
docs: env
	$(BIN)/families docs

lint: env
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests

clean:
	rm -rf data/warehouse.duckdb* data/reports data/outputs .dagster_home dbt_project/target
