# `make run` and `make test` do all set-up on a fresh Debian/Ubuntu machine.
# Every pip install takes its exact versions from requirements.lock (`make lock` writes it from pyproject.toml's
# ranges); PIP_BUILD_CONSTRAINT (pip >= 25.3) and PIP_CONSTRAINT (older pips) reach the isolated build
# environments too, so the compiled walk is built against the lxml that runs it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCK := requirements.lock
EXAMPLE ?= examples/figure4.vxdl
export PIP_CONSTRAINT := $(CURDIR)/$(LOCK)
export PIP_BUILD_CONSTRAINT := $(CURDIR)/$(LOCK)
# mkdocs-material 9.7 prints an advertisement for its successor on every build; the site's build stays quiet.
export NO_MKDOCS_2_WARNING := 1

.PHONY: run test lint bench system clean lock docs cli-docs smoke smoke-all wheel

$(STAMP): pyproject.toml setup.py $(LOCK) backend/vxdl/_walk.pyx scripts/system-deps.sh
	sh scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,docs,libvirt]' build
	touch $(STAMP)

system:
	sh scripts/system-deps.sh

run: $(STAMP)
	$(BIN)/vxi-designer $(EXAMPLE)

# ruff, the docs site (strict: a broken link fails), the whole suite, then the wheel and the sdist installed in
# fresh venvs outside the checkout (scripts/smoke.sh, after the suite: run beside the kernel's tests, its two
# parallel installs starved a throughput measurement once).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mkdocs build --strict --quiet --site-dir build/site
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist loadgroup --durations=20
	sh scripts/smoke.sh $(BIN)/python

lint: $(STAMP)
	$(BIN)/ruff check .

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir build/site
	@echo "the manual: build/site/index.html"

# docs/cli.md and the man pages docs/man/vxi*.1, generated from the argument parsers.
cli-docs: $(STAMP)
	$(BIN)/python scripts/cli_docs.py

smoke: $(STAMP)
	sh scripts/smoke.sh $(BIN)/python

# The smoke, then the sdist with and without a C compiler, the commands and the quick tests on every other
# supported Python this machine has (scripts/supported-pythons.sh): not part of `make test` (about 3 minutes a
# Python); docs/contributing.md gives the figures.
smoke-all: $(STAMP)
	sh scripts/smoke.sh $(BIN)/python $$(sh scripts/supported-pythons.sh 3.10 \
		$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'))

lock:
	sh scripts/lock.sh

bench: $(STAMP)
	$(BIN)/python bench/vxdl_bench.py

clean:
	rm -rf $(VENV) build dist *.egg-info
