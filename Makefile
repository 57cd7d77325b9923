# The two commands of the README. Each creates .venv and installs what it
# needs on first use (and again whenever setup.cfg changes).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: run test lint clean mutation

$(STAMP): setup.cfg pyproject.toml
	@echo "[make] creating $(VENV) and installing keras-attention[dev] (first run: ~2 min, ~2.7 GB)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --progress-bar off -e ".[dev]"
	@touch $(STAMP)

# Main job: train the default model on the embedded data set and export it.
run: $(STAMP)
	$(PY) examples/translate_dates.py

# The whole test suite (what .ci/run runs), on 2 worker processes (pytest-xdist;
# one test file per worker at a time, so module fixtures are built once).
test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

# Mutation testing of the attention layers and the samplers (mutmut; hours on
# 2 cores, so not in CI). Score and surviving mutants: docs/testing.md.
mutation: $(STAMP)
	$(VENV)/bin/mutmut run --max-children 2
	$(VENV)/bin/mutmut results

lint: $(STAMP)
	$(VENV)/bin/ruff check keras_attention tests examples bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
