# The README's commands. Only Python 3.11 and make are needed; everything else goes into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALE ?= 1000

.PHONY: install demo serve test test-fast bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/crm demo

serve: install
	$(BIN)/crm serve

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not e2e" tests/unit

bench: install
	$(BIN)/python -m tests.bench.run --scale $(SCALE)
	$(BIN)/python -m tests.bench.scale --scale $(SCALE)
	$(BIN)/python -m tests.bench.mixed --scale $(SCALE)
	$(BIN)/python -m tests.bench.contract_benchmarks
	$(BIN)/python -m tests.bench.archive_benchmarks

clean:
	rm -rf $(VENV) var
