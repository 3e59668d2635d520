# The two commands a newcomer needs: `make run` and `make test`.
# Each creates (or reuses) .venv and installs everything the project needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint check catalogs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

catalogs: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d locales -D passerelle --statistics 2>&1 | grep -v "^compiling" || true

run: $(STAMP) catalogs
	$(BIN)/passerelle run

test: $(STAMP) catalogs
	$(BIN)/python -m pytest
	$(BIN)/passerelle content check
	$(BIN)/ruff check bot tests tools
	$(BIN)/mypy

bench: $(STAMP) catalogs
	$(BIN)/python tools/bench.py

lint: $(STAMP)
	$(BIN)/ruff check bot tests tools
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/passerelle content check

clean:
	rm -rf $(VENV) var preview
