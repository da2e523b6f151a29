# Two commands for a newcomer: `make demo` and `make test`. Everything else is set up on the way.
# `make demo` installs only what the service needs (requirements.lock); `make test` adds the
# development tools (requirements-dev.lock) to the same virtual environment.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The virtual environment gets no pip of its own when this Python has pip 22.3 or newer:
# that pip installs into it (`pip --python`). `python -m venv` would spend seconds of a
# newcomer's first `make demo` installing and compiling pip and setuptools that Muster
# never imports. A Python without such a pip gives the virtual environment its own.
HOST_PIP := $(shell $(PYTHON) -c 'import pip, sys; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (22, 3))' >/dev/null 2>&1 && echo yes)
ifeq ($(HOST_PIP),yes)
VENV_ARGS := --without-pip
PIP_RUN := $(PYTHON) -m pip --python $(BIN)/python
else
VENV_ARGS :=
PIP_RUN := $(BIN)/python -m pip
endif
# --no-compile: Python compiles the modules it imports when it first imports them; compiling
# every file of every package at install time would add the ones nothing imports.
PIP := $(PIP_RUN) install --quiet --disable-pip-version-check --no-compile
RUNTIME := $(VENV)/.runtime-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DEV := $(VENV)/.dev-$(shell cat requirements.lock requirements-dev.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test dev lint typecheck pytest serve clean

# One pip run installs the lock and the project (editable; flit_core builds it in a second).
$(RUNTIME): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Muster needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV_ARGS) $(VENV)
	$(PIP) -r requirements.lock -e .
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
