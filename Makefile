# Aftersales: everyday commands. GNU make; needs only python3 (3.11+).
#   make run            serve on http://$(HOST):$(PORT)/graphql (SQLite ./aftersales.db by default)
#   make test           the test suite (TEST_DATABASE_URL / TEST_REDIS_URL enable the
#                       PostgreSQL / Redis halves); extra pytest options in PYTEST_ARGS

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
PYTEST_ARGS ?=
# Test processes (pytest-xdist); each test file stays in one process (its servers with it).
TEST_WORKERS ?= 3

# Stamps: reinstall only when pyproject.toml changes.
RUNTIME_STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help run test test-faults lint format migrate seed clean

help:
	@echo "make run      serve GraphQL on http://$(HOST):$(PORT)/graphql (HOST, PORT, WORKERS)"
	@echo "make test     run the tests in TEST_WORKERS processes (PYTEST_ARGS; TEST_DATABASE_URL, TEST_REDIS_URL)"
	@echo "make test-faults  only the fault tests (own PostgreSQL and Redis, stopped and killed)"
	@echo "make lint     ruff, the layer rules (lint-imports), mypy strict on domain/"
	@echo "make format   ruff format + ruff check --fix"
	@echo "make migrate  apply database migrations (DATABASE_URL)"
	@echo "make seed     load the demo data set (password demo-pass-2026)"
	@echo "make clean    remove .venv and caches (keeps aftersales.db and the secret file)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

# The dev install includes everything the runtime one does, so it satisfies both stamps.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $(RUNTIME_STAMP) $@

run: $(RUNTIME_STAMP)
	$(BIN)/aftersales serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: $(DEV_STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Part of `make test` too: they start their own PostgreSQL cluster and redis-server.
test-faults: $(DEV_STAMP)
	$(BIN)/pytest tests/faults $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy domain

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(RUNTIME_STAMP)
	$(BIN)/aftersales migrate

seed: $(RUNTIME_STAMP)
	$(BIN)/aftersales seed-demo

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
