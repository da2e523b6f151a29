# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up on the way.
# `make demo` installs only what the service needs (requirements.lock); `make test` adds the
# development tools (requirements-dev.lock) to the same virtual environment.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# --no-compile: Python compiles the modules it imports when it first imports them; compiling
# every file of every package at install time would add the ones nothing imports.
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile
RUNTIME := $(VENV)/.runtime-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DEV := $(VENV)/.dev-$(shell cat requirements.lock requirements-dev.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test dev lint typecheck pytest serve clean

$(RUNTIME): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Muster needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	rm -f $(VENV)/.runtime-* $(VENV)/.installed-*
	touch $@

$(DEV): $(RUNTIME) requirements-dev.lock
	$(PIP) -r requirements.lock -r requirements-dev.lock
	rm -f $(VENV)/.dev-*
	touch $@

dev: $(DEV)

demo: $(RUNTIME)
	$(BIN)/muster demo

serve: $(RUNTIME)
	$(BIN)/muster serve

lint: $(DEV)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(DEV)
	$(BIN)/mypy

pytest: $(DEV)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV)
