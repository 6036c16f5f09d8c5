# One command to set up and run the demo, one to set up and run the tests.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean browser postgres

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned to the CPU wheel first, so nothing can pull the CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[embed,dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/backfire demo

# The browser test drives Debian's chromium (installed here when missing; Playwright never downloads one).
browser:
	scripts/browser-deps

# The PostgreSQL store's tests run a throwaway server from Debian's postgresql package (installed here when
# missing); the tests start it on loopback and stop it. Without it they fail, unless BACKFIRE_NO_PG=1.
postgres:
	scripts/postgres install || [ "$${BACKFIRE_NO_PG:-}" = 1 ]

test: setup browser postgres
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info
