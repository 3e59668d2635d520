# The two commands a newcomer needs: `make run` and `make test`.
# Each creates (or reuses) .venv and installs everything the project needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench chaos fuzz lint check catalogs messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

catalogs: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d locales -D passerelle --statistics 2>&1 | grep -v "^compiling" || true

# After changing interface strings in the code: refresh the template and every catalog.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k _noop -k _gettext --no-location -o locales/passerelle.pot .
	$(BIN)/pybabel update -i locales/passerelle.pot -d locales -D passerelle --no-fuzzy-matching --ignore-obsolete

run: $(STAMP) catalogs
	$(BIN)/passerelle run

# The suite runs twice: on SQLite, then on a throw-away PostgreSQL server (tools/
# throwaway_postgres.py; PASSERELLE_TEST_DATABASE_URL=postgresql://… uses yours instead).
# The browser tests check pages, not storage: they run in the first pass only.
test: $(STAMP) catalogs
	$(BIN)/python -m pytest
	$(BIN)/python tools/throwaway_postgres.py -- $(BIN)/python -m pytest --ignore=tests/e2e/test_web_browser.py
	$(BIN)/passerelle content check
	$(BIN)/ruff check bot tests tools
	$(BIN)/mypy

bench: $(STAMP) catalogs
	$(BIN)/python tools/bench.py
	$(BIN)/python tools/bench_dispatch.py
	$(BIN)/python tools/bench_capacity.py

# kill -9 the real `passerelle run` 100 times during a workload; count promised messages.
chaos: $(STAMP) catalogs
	$(BIN)/python tools/chaos.py
	$(BIN)/python tools/throwaway_postgres.py -- $(BIN)/python tools/chaos.py --processes 2

# 100,000 random events (text, taps, stale and forged buttons, commands, workers, time) for
# 400 simulated people; prints events/s and the counts that must all be 0 (exit 1 if not).
fuzz: $(STAMP) catalogs
	$(BIN)/python tools/fuzz.py --events 100000 --seed 1 --people 400

lint: $(STAMP)
	$(BIN)/ruff check bot tests tools
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/passerelle content check

clean:
	rm -rf $(VENV) var preview
