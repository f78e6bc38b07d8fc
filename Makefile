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
# `make train` publishes each new model version here (var/models/<version>/), beside the shipped one:
# where the service lists versions (MODERATION_VERSIONS_DIR) when set, or the new version is never seen.
MODELS_DIR ?= $(or $(MODERATION_VERSIONS_DIR),var/models)
# ... and lists the service's shipped model (MODERATION_MODEL_DIR) first, carrying attributes over from it.
SHIPPED_DIR ?= $(or $(MODERATION_MODEL_DIR),$(MODEL_DIR))
# `make train FEEDBACK=var/moderation.sqlite3` (or FEEDBACK=postgresql://user@host/db) also learns from
# moderators' stored verdicts.
FEEDBACK ?=
# OpenBLAS picks its kernels by CPU, and off_topic's truncated SVD turns their last-bit differences into
# probabilities up to 0.02 apart (an AMD EPYC against an AVX-512 machine). One kernel set on every x86-64
# CPU with AVX2, so `make train-shipped` and the tests reproduce the shipped model on any such machine.
ifneq ($(shell grep -m1 -ow avx2 /proc/cpuinfo 2>/dev/null),)
export OPENBLAS_CORETYPE ?= Haswell
endif

.PHONY: help install browser postgres run test test-all lint bench bench-api soak train train-shipped train-parse eval eval-parse serve clean

# The descriptions name directories as make variables: shown with the values this run would use.
# Colours only on a terminal: piped or redirected (`make help | less`), they were "ESC[36m" in the text.
help: ## List the targets
	@if [ -t 1 ]; then on=$$'\033[36m' off=$$'\033[0m'; fi; \
	grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "}; {printf "  %s%-14s%s %s\n", on, $$1, off, $$2}' \
		| sed -e 's|$$(MODELS_DIR)|$(MODELS_DIR)|g' -e 's|$$(SHIPPED_DIR)|$(SHIPPED_DIR)|g' \
			-e 's|$$(MODEL_DIR)|$(MODEL_DIR)|g' -e 's|$$(ARTICLES_DIR)|$(ARTICLES_DIR)|g'

# A .venv of another Python (made by a run under the wrong PYTHON) is made again: `venv` over it would
# keep its interpreter, and every install would fail on requires-python until `make clean`. So is one
# without pip: Debian's python3 without python3-venv stops at ensurepip and leaves .venv/bin/python.
$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/pip ] || [ "$$($(BIN)/python -VV 2>&1)" != "$$($(PYTHON) -VV 2>&1)" ]; then \
		echo "$(PYTHON) -m venv --clear $(VENV)"; $(PYTHON) -m venv --clear $(VENV); fi
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev extra (no-op when up to date)

browser: ## Install headless Chromium for the browser test (Debian package; no-op when present)
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The store tests start a throwaway PostgreSQL server (tests/pg.py): its binaries, and as root the
# `postgres` system user to run it (PostgreSQL refuses to run as root).
postgres: ## Install PostgreSQL server binaries for the store tests (Debian package; no-op when present)
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@if [ "$$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then \
		useradd --system --no-create-home --shell /usr/sbin/nologin postgres; fi

run: $(STAMP) ## Parse and score every page in seeds/ and print a readable report
	$(BIN)/moderate report seeds/

# One pytest worker per core (pytest-xdist): in one process a minute of the run waited on subprocesses and
# servers while the other core idled. loadscope sends each module (or class) to one worker, so a module's
# fixtures (a trained model, a running server, the browser) are built once, not on every worker.
PARALLEL ?= -n auto --dist loadscope
# Tests keep Python's default bytecode caches even where PYTHONDONTWRITEBYTECODE is set: without them
# every run rewrites the asserts of ~390 modules again (~40 s of a make test run on two workers).
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest

test: $(STAMP) ## The fast loop: every test not marked slow (under 4 minutes)
	$(PYTEST) -q -m "not slow" $(PARALLEL)

test-all: $(STAMP) browser postgres ## Every test, the slow ones too (training, servers, browser): what CI runs
	$(PYTEST) -q $(PARALLEL)

lint: $(STAMP) ## ruff check, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP) ## Print parser, scorer, stream, batch, language, REST and obfuscated-abuse benchmark figures
	$(BIN)/python -m bench --data-dir $(DATA_DIR) --articles-dir $(ARTICLES_DIR)

bench-api: $(STAMP) ## Load-test the REST service (2 workers on loopback)
	$(BIN)/python -m bench.api

# SOAK_SECONDS=180 make soak: a shorter run. Not part of `make test`.
soak: $(STAMP) ## Mixed and hostile traffic against 2 workers for 10 min: latency, statuses, RSS over time
	DATA_DIR=$(DATA_DIR) ARTICLES_DIR=$(ARTICLES_DIR) $(BIN)/python -m bench.soak

train: $(STAMP) ## Train a NEW model version into $(MODELS_DIR)/<version>/ (the shipped $(SHIPPED_DIR) is kept)
	$(BIN)/moderate train --data-dir $(DATA_DIR) --versions-dir $(MODELS_DIR) --model-dir $(SHIPPED_DIR) $(if $(FEEDBACK),--feedback '$(FEEDBACK)')

train-shipped: $(STAMP) ## Maintainers: retrain the shipped model in $(MODEL_DIR) itself (a reviewed change)
	$(BIN)/moderate train --data-dir $(DATA_DIR) --out $(MODEL_DIR) $(if $(FEEDBACK),--feedback '$(FEEDBACK)')

train-parse: $(STAMP) ## Retrain the parser's line model and section gate on the Dragnet train split (service/parse/*.json)
	$(BIN)/python -m training.parse_lines --data-dir $(DATA_DIR)

eval: $(STAMP) ## Evaluate the model on held-out data; fails below the pinned floors
	$(BIN)/moderate eval --data-dir $(DATA_DIR)

eval-parse: $(STAMP) ## Parser quality on the Dragnet test split and $(ARTICLES_DIR); fails below pinned floors
	$(BIN)/moderate eval-parse --articles-dir $(ARTICLES_DIR) --data-dir $(DATA_DIR)

serve: $(STAMP) ## Start the REST service (MODERATION_* env vars configure it)
	$(BIN)/moderate serve

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
