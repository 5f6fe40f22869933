# Every target sets itself up: a fresh clone needs only `make serve` or `make test`.
SHELL := /bin/bash
export NO_MKDOCS_2_WARNING := 1
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
WHEEL := dist/pysim-0.1.0-py3-none-any.whl
PYODIDE_WHEELS := build/pyodide-wheels/.downloaded
PYSIM_SOURCES := $(shell find pysim -name '*.py' 2>/dev/null) pyproject.toml
SITE_SOURCES := $(shell find docs exercises coursekit -type f 2>/dev/null) mkdocs.yml
# Pure wheels that the pysim test suite needs inside Pyodide (pytest and its dependencies).
# hypothesis: 6.155.7 is the last py3-none-any release; later ones ship only compiled wheels.
PYODIDE_TEST_WHEELS := pytest==9.2.0 pluggy==1.7.0 iniconfig==2.3.1 packaging==26.4 \
	pygments==2.21.0 hypothesis==6.155.7 sortedcontainers==2.4.0

.PHONY: help setup wheel site serve test test-fast explore bench confluent-tests clean

help:
	@echo "make serve   build the course and serve it at http://127.0.0.1:$(PORT)"
	@echo "make test    every test: unit, property, exercises, parity, Pyodide, end-to-end"
	@echo "make bench   benchmarks; results go to benchmarks/results/"
	@echo "make explore property tests with fresh randomness and $(EXPLORE_FACTOR)x their examples (not in make test)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP) $(NODE_STAMP)

$(WHEEL): $(STAMP) $(PYSIM_SOURCES)
	rm -f dist/pysim-*.whl
	$(PY) -m build --wheel --no-isolation --outdir dist . > /dev/null
	test -f $@

wheel: $(WHEEL)

site/.built: $(STAMP) $(NODE_STAMP) $(WHEEL) $(SITE_SOURCES)
	@# Not --quiet: it silences warnings before --strict counts them, so a figure whose code
	@# raised was rendered as a traceback and the build passed.
	$(VENV)/bin/mkdocs build --strict 2>&1 | { grep -v '^INFO' || true; }; test $${PIPESTATUS[0]} -eq 0
	touch $@

site: site/.built

serve: site/.built
	@echo "Serving the course at http://127.0.0.1:$(PORT)/ (Ctrl+C stops)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory site

$(PYODIDE_WHEELS): Makefile
	mkdir -p build/pyodide-wheels
	$(PY) -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
		-d build/pyodide-wheels $(PYODIDE_TEST_WHEELS)
	touch $@

test: site/.built $(PYODIDE_WHEELS)
	$(PY) -m pytest

# Everything but the browser and Pyodide: the quick loop while editing pysim.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e and not pyodide"

# `make test` runs every property test derandomized (tests/conftest.py): the same commit gives
# the same result anywhere. Exploration draws fresh examples, EXPLORE_FACTOR times as many;
# each failure it finds goes into the suite as a fixed regression example.
EXPLORE_FACTOR ?= 40
explore: $(STAMP)
	mkdir -p build
	set -o pipefail; HYPOTHESIS_PROFILE=explore EXPLORE_FACTOR=$(EXPLORE_FACTOR) $(PY) -m pytest tests/pysim \
		-m "not e2e and not pyodide" -p no:cacheprovider --hypothesis-show-statistics -q | tee build/explore.log

bench: site/.built $(PYODIDE_WHEELS)
	mkdir -p benchmarks/results
	$(PY) benchmarks/run_all.py

# Issue 13: confluent-kafka-python's own unit tests against pysim and the real client (not in
# `make test`: it needs a checkout, CONFLUENT_KAFKA_SRC=/path/to/confluent-kafka-python; more
# options in CONFLUENT_TEST_ARGS, e.g. "--ref v2.15.0 --commit <sha>" for an archived checkout).
# The tests' extras (avro for test_Producer.py's imports, pytest-asyncio) go into build/, not the venv.
CONFLUENT_TEST_DEPS := build/confluent-test-deps/.installed
$(CONFLUENT_TEST_DEPS):
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --target build/confluent-test-deps \
		avro==1.12.2 pytest-asyncio==1.5.0
	touch $@

confluent-tests: $(STAMP) $(CONFLUENT_TEST_DEPS)
	$(PY) benchmarks/confluent_unit_tests.py $(CONFLUENT_KAFKA_SRC) $(CONFLUENT_TEST_ARGS)

clean:
	rm -rf site dist build .pytest_cache
