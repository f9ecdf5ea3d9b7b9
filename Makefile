# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install services demo test lint bench clean

# Re-runs only when the dependencies or the model manifest change.
$(INSTALLED): pyproject.toml scripts/install.sh models/manifest.toml
	VENV=$(VENV) scripts/install.sh
	touch $@

install: $(INSTALLED)

services:
	scripts/ensure-services.sh

demo: install
	$(BIN)/dialog-keeper demo

lint: install
	$(BIN)/ruff check bot inference tests benchmarks
	$(BIN)/mypy

test: install services lint
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/answer_latency.py

clean:
	-$(BIN)/dialog-keeper llm-server stop
	rm -rf var
