# The commands the README names.  `serve`, `build`, `test` and `bench` run
# `install` first when anything it depends on changed; `install` is the only
# target that talks to the package registries (PyPI, npm).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# Pure-Python wheels that the core's test suite needs inside Pyodide (see
# tests/pyodide/); fetched from PyPI once, at install time.
PYODIDE_WHEELS := .cache/pyodide-wheels

export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install serve build test test-fast bench audit clean new-site

install: $(STAMP)

# setuptools 77+ reads the SPDX license string of pyproject.toml; the packaging and new-site tests build
# wheels offline with this venv's setuptools (a fresh venv on Python 3.11 has 65.5).
# One editable install gives the MkDocs plugins and the inferlab core (pyproject.toml ships both).
$(STAMP): pyproject.toml widgets/pyproject.toml package.json package-lock.json tests/pyodide/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip "setuptools>=77"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(PYODIDE_WHEELS)
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps \
		--dest $(PYODIDE_WHEELS) -r tests/pyodide/requirements.txt
	touch $@

# The dev server checks the port before building and shows build errors in the browser.
serve: install
	$(BIN)/python -m inferfolio.portfolio.devserver --strict --dev-addr localhost:$(PORT)

build: install
	$(BIN)/mkdocs build --strict --site-dir site

test: install
	$(BIN)/python -m pytest

# Quick loop while editing: no browser, no Pyodide.
test-fast: install
	INFERLAB_FUZZ_SCALE=0.05 $(BIN)/python -m pytest -m "not browser and not slow" --ignore=tests/pyodide

bench: install
	$(BIN)/python bench/run.py

# Lighthouse (npm, pinned) on four pages of the built site and on a stock Material
# site, served with gzip; fails below the thresholds in tests/audit/lighthouse_audit.py.
audit: install
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(BIN)/python tests/audit/lighthouse_audit.py --runs 5

# A new site for someone else: `make new-site DIR=../my-site` (RESUME=native for the YAML format).
new-site: install
	@test -n "$(DIR)" || { echo "usage: make new-site DIR=path/to/new-site [RESUME=jsonresume|native]"; exit 2; }
	$(BIN)/python -m inferfolio.skeleton "$(DIR)" --resume $(or $(RESUME),jsonresume)

clean:
	rm -rf site .cache .pytest_cache .hypothesis
