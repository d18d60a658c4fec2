# Two commands on a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
Q      ?= 中原科技城

PORT   ?= 8000

.PHONY: run test test-fast lint install system-deps opensearch index query bench-exactness clean docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/search index seeds --index index

# Build the index from seeds/ and serve the web UI on http://127.0.0.1:$(PORT)/
run: index
	$(BIN)/search stats --index index
	$(BIN)/search serve --index index --port $(PORT)

# Search the seeds index in the terminal (Q=... to change the query).
query: index
	$(BIN)/search query "$(Q)" --index index

# Debian packages for the browser tests (chromium, CJK fonts); installs only what is missing.
system-deps:
	bash scripts/system-deps.sh

# OpenSearch assembled from Maven Central jars into .opensearch/ (cached); the OpenSearch tests
# start their own nodes from it and are skipped, loudly, only where Java is missing.
opensearch:
	@if command -v java >/dev/null; then bash scripts/opensearch.sh assemble >/dev/null; \
	else echo "*** no Java on this machine: the OpenSearch tests will be skipped ***"; fi

# Install what the tests need and run them.
test: install system-deps opensearch lint
	$(BIN)/python -m pytest

# The documentation site (docs/, mkdocs.yml) into site/; any warning fails the build.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The quick loop while working: everything but the browser, OpenSearch and slow tests.
test-fast: install
	$(BIN)/python -m pytest -q -m "not browser and not opensearch and not slow"
# Lint and types: ruff's rules, its formatter (a check: it changes nothing) and mypy, as configured
# in pyproject.toml.
LINTED := search web tests bench scripts
lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

bench-exactness: install
	$(BIN)/python bench/exactness.py

clean:
	rm -rf $(VENV) index/_MAIN_* index/*.seg index/MAIN_* index/SCHEMA_VERSION
