# Comment moderation service: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= ../shared/data
ARTICLES_DIR ?= ../shared/articles
MODEL_DIR ?= model/default
# `make train FEEDBACK=var/feedback.sqlite3` also learns from moderators' stored verdicts.
FEEDBACK ?=

.PHONY: help install browser run test test-all lint bench bench-api train eval eval-parse serve clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev extra (no-op when up to date)

browser: ## Install headless Chromium for the browser test (Debian package; no-op when present)
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

run: $(STAMP) ## Parse and score every page in seeds/ and print a readable report
	$(BIN)/moderate report seeds/

test: $(STAMP) ## The fast loop: every test not marked slow (under 4 minutes)
	$(BIN)/pytest -q -m "not slow"

test-all: $(STAMP) browser ## Every test, the slow ones too (training, servers, browser): what CI runs
	$(BIN)/pytest -q

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP) ## Print parser, scorer, distinct-comment stream and batch benchmark figures
	$(BIN)/python -m bench --data-dir $(DATA_DIR) --articles-dir $(ARTICLES_DIR)

bench-api: $(STAMP) ## Load-test the REST service (2 workers on loopback)
	$(BIN)/python -m bench.api

train: $(STAMP) ## Retrain the model on $(DATA_DIR) into $(MODEL_DIR)
	$(BIN)/moderate train --data-dir $(DATA_DIR) --out $(MODEL_DIR) $(if $(FEEDBACK),--feedback $(FEEDBACK))

eval: $(STAMP) ## Evaluate the model on held-out data; fails below the pinned floors
	$(BIN)/moderate eval --data-dir $(DATA_DIR)

eval-parse: $(STAMP) ## Per-page parser accuracy over $(ARTICLES_DIR)
	$(BIN)/moderate eval-parse --articles-dir $(ARTICLES_DIR)

serve: $(STAMP) ## Start the REST service (MODERATION_* env vars configure it)
	$(BIN)/moderate serve

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
