# The two commands of the README: `make run` and `make test`. Everything else is a step of those two.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test venv migrate populate serve lint quality pytest test-e2e fix clean demo-accounts

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 ou plus récent est requis (python3 --version).")'
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { echo "Le module venv manque : sudo apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --quiet --upgrade pip
	$(BIN)/pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	@touch $@

venv: $(BIN)/.installed

migrate: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

populate: migrate
	$(BIN)/python manage.py bootstrap

demo-accounts: venv
	@$(BIN)/python manage.py demo_accounts

# Sets up, loads the data, then serves the site and runs the worker until Ctrl+C stops both.
run: populate
	@$(BIN)/python manage.py demo_accounts
	@echo "Serveur : http://$(HOST):$(PORT)  (Ctrl+C pour arrêter le serveur et le worker)"
	@$(BIN)/python manage.py run_huey --logfile var/worker.log & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/djlint --check spaser/templates
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Unit and integration tests, then the browser tests (tests/e2e) with Debian's chromium.
pytest: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

test-e2e: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

fix: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint --reformat spaser/templates || true

clean:
	rm -rf $(VENV) var staticfiles
