# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev setup serve lint format lock lock-check bench load screenshot nightly clean typesense typesense-stop

# Installs come from the lock files, every package pinned with its hashes, so the
# venv's own pip (whatever version it is) installs exactly what was tested.
PIP_INSTALL := $(BIN)/python -m pip install --quiet --require-hashes --no-deps
# The lock files are generated from the human-edited inputs (see README "Dependencies");
# the runtime lock is resolved within the dev lock, so both pin the same versions.
LOCK := $(CURDIR)/$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock"
COMPILE_LOCKS = $(LOCK) $(UPGRADE) requirements-dev.txt -o requirements-dev.lock && \
	$(LOCK) requirements.txt -c requirements-dev.lock -o requirements.lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock | $(BIN)/python
	$(PIP_INSTALL) -r requirements-dev.lock
	$(BIN)/python -m pip check
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
	$(BIN)/mypy

$(BIN)/uv: requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$$(grep -E '^uv==' requirements-dev.txt)"
	touch $@

## Regenerate the lock files from requirements*.txt, keeping the versions already
## locked where the inputs allow (UPGRADE="--upgrade" or "--upgrade-package NAME").
## A lock left with merge conflicts keeps its own side's pins as the preferences.
lock: | $(BIN)/uv
	@for lock in requirements.lock requirements-dev.lock; do \
		if [ -f "$$lock" ] && grep -q '^<<<<<<< ' "$$lock"; then \
			awk '/^<<<<<<< /{next} /^=======$$/{skip=1; next} \
				/^>>>>>>> /{skip=0; next} !skip' "$$lock" > "$$lock.tmp" && \
			mv "$$lock.tmp" "$$lock"; \
		fi; \
	done
	$(COMPILE_LOCKS)

## Fail when `make lock` would change a lock file (CI runs this).
lock-check: install-dev
	@tmp=$$(mktemp -d) && cp requirements*.txt requirements*.lock "$$tmp"/ && \
	if (cd "$$tmp" && $(COMPILE_LOCKS)) && \
		diff -u requirements-dev.lock "$$tmp"/requirements-dev.lock && \
		diff -u requirements.lock "$$tmp"/requirements.lock; \
	then rm -rf "$$tmp"; echo "The lock files are up to date."; \
	else rm -rf "$$tmp"; echo "The lock files are out of date: run 'make lock'."; exit 1; fi

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
