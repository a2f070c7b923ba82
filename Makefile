# The README's commands. `make install` creates .venv/ at the repository root.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
DATA ?= ./data
PYTEST_ARGS ?=

.PHONY: install run test lint bench bench-quick clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

run: install
	PERSISTENCE_DATA_PATH=$${PERSISTENCE_DATA_PATH:-$(DATA)} $(VENV)/bin/weavebind serve --host 0.0.0.0 --port 8080 --scheme http

test: install
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check weavebind tests bench

bench: install
	$(PY) bench/import_bench.py --sizes 10000,100000
	$(PY) bench/restart_bench.py --objects 100000

bench-quick: install
	$(PY) bench/import_bench.py --sizes 10000
	$(PY) bench/restart_bench.py --objects 10000

clean:
	rm -rf $(VENV) .pytest_cache
