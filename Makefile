PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -qq -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/branchctl rate sample_ledgers/青山乡_分类定级表.xlsx -o /tmp/branchctl-demo.rated.xlsx; test $$? -le 1

lint: $(STAMP)
	$(BIN)/ruff check branchctl tests benchmarks scripts sample_ledgers
	$(BIN)/ruff format --check branchctl tests benchmarks scripts sample_ledgers
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/pytest --cov --cov-report=term:skip-covered --cov-fail-under=90

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_rate.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
