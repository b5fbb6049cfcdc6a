# Hourbank commands (INTERFACES §1). The work is in scripts/*.sh; this file names it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
# Written after a successful install: `make install` is a no-op until the lock file changes.
INSTALL_STAMP := $(VENV)/.hourbank-installed

TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/hourbank
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
BENCH_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/hourbank_bench
PYTEST_WORKERS ?= 2
export TEST_DATABASE_URL TEST_REDIS_URL PYTEST_WORKERS

.PHONY: help install run test serve bench lint lock

help:
	@echo "make run     demo on http://127.0.0.1:8000 (SQLite, tasks in-process) with demo logins"
	@echo "make test    start/install PostgreSQL, Redis, Chromium; run the whole suite"
	@echo "make install .venv with the locked dependencies"
	@echo "make serve   gunicorn + Celery worker + beat on DATABASE_URL and REDIS_URL, DEBUG off"
	@echo "make bench   benchmarks -> bench/results.json"
	@echo "make lint    ruff check, ruff format --check, makemigrations --check"
	@echo "make lock    rewrite requirements.lock from the current .venv"

install: $(INSTALL_STAMP)

$(INSTALL_STAMP): requirements.lock pyproject.toml
	bash scripts/install.sh
	touch $@

run: install
	bash scripts/run.sh

test:
	bash scripts/test_services.sh
	$(MAKE) --no-print-directory install
	bash scripts/test.sh $(PYTEST_ARGS)

serve: install
	bash scripts/serve.sh

# BENCH_SCALE=small: the 1% dataset only (under a minute once built); see bench/run.py.
bench: install
	bash scripts/test_services.sh postgres redis
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PYTHON) bench/run.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(PYTHON) manage.py makemigrations --check --dry-run

# After adding a dependency to pyproject.toml and installing it into .venv.
lock:
	$(VENV)/bin/pip freeze --exclude-editable --exclude hourbank | grep -v '^-e ' > requirements.lock
