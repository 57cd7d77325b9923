# The two commands of the README. Each creates .venv and installs what it
# needs on first use (and again whenever setup.cfg changes).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
PIP_QUIET := --quiet --progress-bar off

.PHONY: run test test-backends test-jax test-torch lint clean mutation mutation-sample

$(STAMP): setup.cfg pyproject.toml
	@echo "[make] creating $(VENV) and installing keras-attention[dev] (first run: ~2 min, ~2.7 GB)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) -e ".[dev]"
	@touch $(STAMP)

# Main job: train the default model on the embedded data set and export it.
run: $(STAMP)
	$(PY) examples/translate_dates.py

# The whole test suite on TensorFlow, on 2 worker processes (pytest-xdist;
# one test file per worker at a time, so module fixtures are built once; the
# slowest files first, tests/conftest.py). TensorFlow runs its ops on one
# thread per worker: no gain on this 2-CPU machine's whole suite, but CI,
# with this setting and the slow-files-first order, went from 55.5 to
# 41.4 minutes (bench/RESULTS.md), so it stays until CI shows it does not
# matter there (a runner that shows TensorFlow more CPUs than it grants
# would oversubscribe without it).
XDIST := -n 2 --dist loadfile --no-loadscope-reorder
test: $(STAMP)
	TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 $(PY) -m pytest -q $(XDIST)

# Mutation testing of the attention layers and the samplers (mutmut; hours on
# 2 cores, so not in CI). Score and surviving mutants: docs/testing.md.
mutation: $(STAMP)
	$(VENV)/bin/mutmut run --max-children 2
	$(VENV)/bin/mutmut results

# The score estimated from a random sample of the mutants (about 40 minutes
# for 120 on 2 cores; JSON with a 95% interval). The first mutmut run
# generates the mutants and measures which tests cover what.
mutation-sample: $(STAMP)
	$(VENV)/bin/mutmut run --max-children 2 "keras_attention.models.samplers.greedy_sampler*"
	$(PY) bench/mutation_sample.py --size 120 --seed 0

# The same suite on JAX and on PyTorch, each in its own venv without
# TensorFlow: the package (--no-deps: its requirements name TensorFlow),
# Keras, the backend and the test tools. TensorFlow-only tests skip
# themselves (tests/conftest.py). The cross-backend test (train on JAX,
# export from TensorFlow) uses .venv's python when it exists.
# .ci/run runs test-jax only: the PyTorch wheel (~190 MB, 2.13.0 CPU build,
# pinned so that pip takes it instead of a multi-GB CUDA build) and its run
# do not fit CI's time budget on 2 cores next to `make test` (bench/RESULTS.md).
BACKEND_DEPS := "keras>=3.5" "numpy>=1.26" "pandas>=2.0" \
	"pytest>=8.0" "pytest-xdist>=3.5" "hypothesis>=6.100" \
	"matplotlib>=3.8" "sacrebleu>=2.4" "scikit-learn>=1.3"
JAX_DEPS   := "jax[cpu]>=0.4.30"
TORCH_DEPS := "torch==2.13.0"
TEST_BACKEND_ARGS := -q $(XDIST) -p no:cacheprovider

.venv-%/.installed: setup.cfg pyproject.toml Makefile
	@echo "[make] creating .venv-$* (keras-attention on $*, no TensorFlow)"
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install $(PIP_QUIET) --no-deps -e .
	.venv-$*/bin/python -m pip install $(PIP_QUIET) $(BACKEND_DEPS) \
		$(if $(filter jax,$*),$(JAX_DEPS),$(TORCH_DEPS))
	@touch $@

# JAX compiles every jitted function with XLA; its persistent compilation
# cache lets the workers and the tests' fresh processes reuse what another
# process already compiled (the same small models recur across tests): the
# model serialization and linear-part test files ran in 133 s instead of
# 223 s (bench/RESULTS.md). Cached programs are keyed by their XLA program,
# JAX version and compile options, so a stale entry cannot be reused.
# XLA's CPU compiler at LLVM optimisation level 0: the tests' programs are
# tiny, so compiling is most of their time and running them is not (three
# model and layer test files: 201 -> 166 s of CPU; bench/RESULTS.md,
# "Suite speed, eighth session"). Your own XLA_FLAGS come after these, so
# they are kept and, where they set the same flag, win.
JAX_CACHE := JAX_COMPILATION_CACHE_DIR=$(CURDIR)/.jax-cache \
	JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0 \
	XLA_FLAGS="--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true $$XLA_FLAGS"
test-jax: .venv-jax/.installed
	$(JAX_CACHE) KERAS_BACKEND=jax .venv-jax/bin/python -m pytest $(TEST_BACKEND_ARGS)

test-torch: .venv-torch/.installed
	KERAS_BACKEND=torch .venv-torch/bin/python -m pytest $(TEST_BACKEND_ARGS)

test-backends: test-jax test-torch

lint: $(STAMP)
	$(VENV)/bin/ruff check keras_attention tests examples bench

clean:
	rm -rf $(VENV) .venv-jax .venv-torch .pytest_cache .hypothesis .jax-cache build *.egg-info
