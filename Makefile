# The two commands a newcomer needs: `make demo` runs syncd on its embedded default
# (SQLite store, bundled Jira emulator); `make test` runs every check CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SYNCD_BENCH_POSTGRES ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# The demo's endpoints: `make demo PORT=9999`, or PORT in the environment.
PORT ?= 9464

.PHONY: demo test lint typecheck unit install bench bench-postgresql clean

demo: $(VENV)/.installed
	$(BIN)/syncd demo --port $(PORT)

test: lint typecheck unit

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed
	$(BIN)/mypy

unit: $(VENV)/.installed
	$(BIN)/pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

bench: $(VENV)/.installed
	$(BIN)/python -m bench

# The same against PostgreSQL (SYNCD_BENCH_POSTGRES: a server URL; the benchmark creates and
# drops a database of its own there).
bench-postgresql: $(VENV)/.installed
	$(BIN)/python -m bench --sizes 10000,100000 --postgres $(SYNCD_BENCH_POSTGRES)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
