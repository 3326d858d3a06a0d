# `make run` and `make test` do all set-up on a fresh Debian/Ubuntu machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE ?= examples/figure4.vxdl

.PHONY: run test lint bench system clean

$(STAMP): pyproject.toml setup.py backend/vxdl/_walk.pyx scripts/system-deps.sh
	sh scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

system:
	sh scripts/system-deps.sh

run: $(STAMP)
	$(BIN)/vxi-designer $(EXAMPLE)

test: $(STAMP)
	$(BIN)/ruff check .
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/vxdl_bench.py

clean:
	rm -rf $(VENV) build *.egg-info
