# layouts_cbv — every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.test: $(PY) setup.cfg pyproject.toml
	$(PIP) install -e ".[test]"
	@touch $@

$(VENV)/.docs: $(PY) setup.cfg pyproject.toml
	$(PIP) install -e ".[docs]"
	@touch $@

$(VENV)/.sandbox: $(PY) setup.cfg pyproject.toml
	$(PIP) install -e ".[sandbox]"
	@touch $@

sandbox: $(VENV)/.sandbox ## Migrate, seed demo data and serve the demo on 127.0.0.1:8000
	$(PY) sandbox/manage.py migrate --noinput
	$(PY) sandbox/manage.py seed_demo
	$(PY) sandbox/manage.py runserver 127.0.0.1:8000

test: $(VENV)/.test ## Run the test suite, the manual's build included (installs Redis, memcached, chromium, graphviz if it may)
	@sh tests/ensure_system_packages.sh
	$(PY) -m pytest

bench: $(VENV)/.test ## Run the benchmarks and write docs/benchmarks.md
	@sh tests/ensure_system_packages.sh
	$(PY) -m tests.benchmarks

soak: $(VENV)/.test ## Under gunicorn on Redis, check 20,000 requests to the sandbox and 20,000 to the soak site
	@sh tests/ensure_system_packages.sh
	$(PY) -m tests.soak 20000
	$(PY) -m tests.soak_mixed 20000

docs: $(VENV)/.docs ## Build the manual into docs/_build/html (warnings are errors; installs graphviz if it may)
	@sh tests/ensure_system_packages.sh dot
	$(PY) -m sphinx -W -b html docs docs/_build/html

# pyenv's Pythons, when pyenv is here, so tox finds python3.11, 3.12 and 3.13.
PYENV_BINS := $(shell ls -d "$$(pyenv root 2>/dev/null)"/versions/3.*/bin 2>/dev/null | tr '\n' ':')

test-all: $(VENV)/.test ## Run the suite on every Python and Django pair claimed (tox; see setup.cfg)
	@sh tests/ensure_system_packages.sh
	$(PIP) install tox
	PATH="$(PYENV_BINS)$$PATH" $(VENV)/bin/tox

lint: $(VENV)/.test ## Run ruff and mypy
	$(PIP) install mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean: ## Remove the virtualenv and build leftovers
	rm -rf $(VENV) build dist *.egg-info docs/_build sandbox/db.sqlite3

.PHONY: help sandbox test test-all bench soak docs lint clean
