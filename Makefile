# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 5000
HOST   ?= 127.0.0.1
BIN    := $(VENV)/bin
LMS    := $(BIN)/lms

.PHONY: run test install install-test browser lint bench i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## Serve the site on $(HOST):$(PORT) with the shipped content and demo data.
run: install
	$(LMS) init
	$(LMS) sync-content
	$(LMS) demo
	$(LMS) run --host $(HOST) --port $(PORT)

## Chromium for the browser tests and poppler's pdfsig (the second, independent validator of
## certificate signatures) come from Debian's packages.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v pdfsig >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) \
	      || echo "warning: could not install chromium/poppler-utils; browser and pdfsig tests will be skipped"; \
	  else echo "note: chromium or pdfsig not installed and not root; those tests will be skipped"; fi; }

## Run the whole suite (on SQLite, or on LMS_DATABASE_URL when set).
test: install-test browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

## The HTTP benchmarks drive load with wrk (Debian package), installed here when missing.
bench: install-test
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	      || echo "warning: could not install wrk; the HTTP benchmarks will fail"; \
	  else echo "note: wrk not installed and not root: apt-get install wrk"; fi; }
	$(BIN)/python bench/run_all.py

## Collect UI strings and merge them into the Vietnamese catalogue (then translate the new ones).
i18n: install-test
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o lms/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel -q update -i lms/translations/messages.pot -d lms/translations -l vi --no-fuzzy-matching
