# The entry point. `make run` and `make test` work on a machine with only Python 3.11 installed
# (make test also needs PostgreSQL and Redis on 127.0.0.1, see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REDRESS_HOST ?= 127.0.0.1
REDRESS_PORT ?= 8000
export REDRESS_HOST REDRESS_PORT
# The settings default to production (DEBUG off); these are development commands and say so.
DJANGO_DEBUG ?= true
export DJANGO_DEBUG

.PHONY: run test check lint fmt messages install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install, migrate, load the demo data, then serve web + Celery worker + beat (Ctrl-C stops all)
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Redress is starting at http://$(REDRESS_HOST):$(REDRESS_PORT)/  (admin: http://$(REDRESS_HOST):$(REDRESS_PORT)/admin/)"
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

# Test processes (pytest-xdist): one per core by default; `TEST_WORKERS=0 make test` runs them in this process.
# Tests are handed out one by one in collection order (--dist load), so each process keeps pytest-django's
# order: the transactional tests, which flush the rows the migrations put in, run after the others.
# The 25 slowest tests are listed at the end: where to look when the suite grows slower.
TEST_WORKERS ?= auto

## test: every test, lint and type checks included (PostgreSQL and Redis on 127.0.0.1 by default)
test: install-dev lint
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/redress}" \
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}" \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 8 --dist load --durations=25

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run

check: test

fmt: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: refresh the catalogs after adding strings (needs GNU gettext), then translate the new entries
messages: install-dev
	sh locale/update.sh

clean:
	rm -rf $(VENV) var
