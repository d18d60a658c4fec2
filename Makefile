# Two commands on a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
Q      ?= 中原科技城

.PHONY: run test install index bench-exactness clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/search index seeds --index index

# Build the index from seeds/ and search it in the terminal (Q=... to change the query).
run: index
	$(BIN)/search stats --index index
	$(BIN)/search query "$(Q)" --index index

# Install what the tests need and run them.
test: install
	$(BIN)/python -m pytest

bench-exactness: install
	$(BIN)/python bench/exactness.py

clean:
	rm -rf $(VENV) index/_MAIN_* index/*.seg index/MAIN_* index/SCHEMA_VERSION
