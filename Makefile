# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install services demo test lint bench clean test-n8n test-cluster

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

# Only the cluster on loopback with faults (tests/cluster/, about 2 minutes on 2 cores; also part of `test`).
test-cluster: install services
	$(BIN)/pytest tests/cluster

# Opt-in: a real n8n (Node 24 + n8n 2.41.1, ~3 GB cached outside the checkout) runs deploy/n8n/escalation.json.
test-n8n: install
	VENV=$(VENV) scripts/test-n8n.sh

# Every benchmark at its default size on the embedded stack (about half an hour on 2 CPU cores), then the plots.
BENCH_OUT ?= benchmarks/results
bench: install
	$(BIN)/python benchmarks/answer_latency.py
	for s in llm e2e stt retrieval ingest; do $(BIN)/python -m benchmarks run $$s --out $(BENCH_OUT)/$$s.jsonl || exit 1; done
	$(BIN)/python -m benchmarks plot $(BENCH_OUT)/*.jsonl --out $(BENCH_OUT)

clean:
	-$(BIN)/dialog-keeper llm-server stop
	rm -rf var
