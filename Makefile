# Everything runs from a local virtualenv that `make install` creates from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run index test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed ## create .venv and install tutor with its dev tools

index: install ## index corpus/ into the local Chroma store
	$(BIN)/tutor index

run: index ## set up, index the corpus and serve on http://$(HOST):$(PORT)
	$(BIN)/tutor serve --host $(HOST) --port $(PORT)

lint: install ## ruff and mypy
	$(BIN)/ruff check tutor tests benchmarks
	$(BIN)/mypy

test: lint ## lint, then the whole test suite
	$(BIN)/pytest

bench: install ## print retrieval figures
	$(BIN)/python benchmarks/retrieval.py

clean:
	rm -rf $(VENV) .tutor-data .pytest_cache .mypy_cache .ruff_cache
