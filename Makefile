# Quick start: `make demo` then `make test`. `make dev` opens the Dagster UI.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install demo test dev bench clean

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/capstone demo

# 3 workers on 2 cores: the UI and deployment tests mostly wait (the daemon's 30 s backfill ticks, a hung headless
# Chromium killed after 70 s) and a third worker fills those waits (2026-12-03: 12:25 against 13:30-15:51 with 2)
PYTEST_WORKERS ?= 3

test: install
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS)

dev: install
	$(BIN)/dagster dev -w workspace.yaml

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data .dagster_home/storage .dagster_home/history .dagster_home/schedules .dagster_home/logs
