# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev setup serve lint format bench load screenshot nightly clean typesense typesense-stop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed

install-dev: $(VENV)/.dev-installed

## Migrate, create the local admin, ingest seeds/, build the index.
setup: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py ensure_admin --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py ingest --no-index
	$(BIN)/python manage.py rebuild_index

## Everything, then serve on http://127.0.0.1:8000
run: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Install the dev requirements and run the whole suite.
test: install-dev
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Benchmark against SQLite FTS5 and tantivy (see README "Performance").
bench: install-dev
	$(BIN)/python -m bench --paragraphs $(or $(PARAGRAPHS),100000)

## Load test under gunicorn (see README "Load").
load: install-dev
	$(BIN)/python -m bench load --paragraphs $(or $(PARAGRAPHS),0)

## Property-based tests with many more examples than CI runs.
nightly: install-dev
	HYPOTHESIS_PROFILE=nightly $(BIN)/python -m pytest tests/test_hostile.py

## Refresh docs/search.png from a server started by `make run`.
screenshot: install-dev
	$(BIN)/python manage.py screenshot

## A three-node Typesense cluster on loopback under var/typesense/ (see README
## "Scaling out"); then: set -a; . var/typesense/env; set +a
typesense: install-dev
	$(BIN)/python -m search.engine.typesense.cluster start --root var/typesense

typesense-stop:
	$(BIN)/python -m search.engine.typesense.cluster stop --root var/typesense

clean:
	rm -rf $(VENV) var
