# Quick start: `make demo` and `make test` work on a fresh machine with
# Python 3.11+ and make; both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench samples clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"  # dask: the cluster test runs in CI
	touch $(STAMP)

demo: $(STAMP)
	@echo "== budgetlint check samples/  (exit 1 = findings at error level, as expected for these real reports)"
	-$(BIN)/budgetlint check samples/

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:randomly; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected: failing"; exit 1; fi; exit $$status

bench: $(STAMP)
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/batch.py

samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py

clean:
	rm -rf $(VENV) build dist *.egg-info
