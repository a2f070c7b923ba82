# The README's commands. `make install` creates .venv/ at the repository root.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
DATA ?= ./data
PYTEST_ARGS ?=

.PHONY: install run test lint bench bench-quick clean compat-envs compat-clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	# ImageBind's reference model code for tests/vectorizers/models/test_reference_parity.py; its declared
	# dependencies (torchvision, pytorchvideo, ...) do not install beside the pinned CPU torch and are not needed.
	$(PY) -m pip install -q --no-deps imagebind-unofficial==0.1.1
	touch $@

# multi2vec-clip is on by default with the in-process model (sentence-transformers/clip-ViT-B-32, Weaviate's default
# CLIP container's model), loaded on first use; set CLIP_INFERENCE_API to use a container instead.
run: install
	PERSISTENCE_DATA_PATH=$${PERSISTENCE_DATA_PATH:-$(DATA)} ENABLE_MODULES=$${ENABLE_MODULES-multi2vec-clip} \
		$(VENV)/bin/weavebind serve --host 0.0.0.0 --port 8080 --scheme http

test: install compat-envs
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The real Weaviate clients for tests/compat (v3 and v4 Python clients, the TypeScript 2.x and 3.x clients), cached
# in .compat/.
compat-envs: install
	$(PY) -m tests.compat.envs

compat-clean:
	rm -rf .compat

lint: install
	$(VENV)/bin/ruff check weavebind tests bench

bench: install
	$(PY) bench/import_bench.py --sizes 10000,100000
	$(PY) bench/restart_bench.py --objects 100000

bench-quick: install
	$(PY) bench/import_bench.py --sizes 10000
	$(PY) bench/restart_bench.py --objects 10000

clean:
	rm -rf $(VENV) .pytest_cache

# GraphQL nearVector queries vs raw FAISS and a `chroma run` server (installed into a throwaway venv under /tmp).
.PHONY: bench-query bench-query-quick
bench-query: install
	$(PY) bench/query_bench.py --objects 100000 --dim 512 --queries 1000 --concurrency 1,8

bench-query-quick: install
	$(PY) bench/query_bench.py --objects 10000 --queries 1000 --concurrency 1,8

# near_vector queries/s over gRPC (v4 client) against GraphQL (v3 client), same server, same run, 100k objects; the
# clients run from their .compat environments. `make bench-grpc BENCH_GRPC_ARGS=--quick`: 10k objects, ~1 minute.
.PHONY: bench-grpc
BENCH_GRPC_ARGS ?=
bench-grpc: install compat-envs
	$(PY) bench/grpc_bench.py $(BENCH_GRPC_ARGS)

# The v4 client's batch.dynamic() against batch.fixed_size(1000): 20,000 objects x 128-d, same server, two rounds
# in ABBA order, about 40 s on 2 cores; the client runs from .compat/py-v4.
.PHONY: bench-dynamic
bench-dynamic: install compat-envs
	$(PY) bench/batch_dynamic_bench.py --objects 20000 --dim 128 --rounds 2

# Multi-tenancy: 1,000 tenants x 100 objects against the same objects in one class (import, queries, memory with 990
# tenants COLD), and 10,000 tenants (10 active): about 2.5-4 minutes on 2 cores. Not part of `make test`.
# `make bench-tenants BENCH_TENANTS_ARGS=--quick`: 100 tenants and 1,000 for the scale part, under a minute.
.PHONY: bench-tenants
BENCH_TENANTS_ARGS ?=
bench-tenants: install
	$(PY) bench/tenants_bench.py $(BENCH_TENANTS_ARGS)

# Workers and nodes (issue 12): GraphQL nearVector from 8 clients on 1 vs 2 worker processes (100k x 512, SQLite) and
# on 1 vs 2 nodes over one throwaway PostgreSQL (50k x 512: both nodes build their own index), RSS/PSS per process,
# and the mixed read/write load (20k x 128, 30 s per run) on 1 and 2 workers with lost writes counted. About 9-11
# minutes on 2 cores shared with other work (load average 5); not part of `make test`. Needs Debian's postgresql for
# the nodes part (else BENCH_SCALE_ARGS="--parts workers,mixed"); docs/benchmarks.md has the options.
.PHONY: bench-scale
BENCH_SCALE_ARGS ?= --objects 100000 --node-objects 50000
bench-scale: install
	$(PY) bench/scale_bench.py $(BENCH_SCALE_ARGS)

# A million objects (issue 13): weavebind, raw FAISS and LanceDB (embedded) on the same 1M x 512-d seeded data in one
# run: import acknowledged/indexed, RSS, restart, nearVector p50/p99/recall at 1/10/50/90 % selectivity, bm25,
# Aggregate. Not part of `make test` or CI; long on 2 cores (docs/benchmarks.md has the estimate and the options).
# LanceDB goes into its own venv .bench-peers (not a project dependency). The short check, under 3 minutes:
# `make bench-million BENCH_MILLION_ARGS="--objects 50000 --dim 128"`.
.PHONY: bench-million
BENCH_MILLION_ARGS ?=
PEERS ?= .bench-peers
LANCEDB_SPEC ?= lancedb==0.40.0
$(PEERS)/.installed:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install -q '$(LANCEDB_SPEC)'
	touch $@
bench-million: install $(PEERS)/.installed
	$(PY) bench/million_bench.py --peer-python $(PEERS)/bin/python $(BENCH_MILLION_ARGS)
