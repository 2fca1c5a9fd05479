# chainplan: build, run the demo chain, test.
#
#   make deps     install what HiGHS needs to build from source, redis-server, and
#                 chromium with chromium-driver for the console's browser tests
#   make build    release build
#   make run      start the server with the demo chain examples/data/gearbox.json loaded:
#                 gRPC on 127.0.0.1:50051, the console on http://127.0.0.1:8080/
#   make test     fmt check, clippy, cargo test (with a local Redis for the store tests),
#                 fuzzing included at 256 cases per property
#   make fuzz     the fuzz properties only, at FUZZ_CASES cases each (default 20000)
#   make bench BENCH_DATA=DIR   benchmark (DIR holds the public instances)
#   make agreement BENCH_DATA=DIR ORACLE=DIR  compare optima with the reference model
#   make proto-lint  buf lint of proto/ (buf from npm, kept under target/)
#   make fmt | lint | clean
#
# good_lp's `highs` feature builds HiGHS from source (cmake + a C++ compiler) and
# generates its bindings with bindgen (libclang), hence the system packages below.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

CARGO       ?= cargo
BIN         := ./target/release/chainplan
DEMO        ?= examples/data/gearbox.json
HTTP_ADDR   ?= 127.0.0.1:8080
BENCH_DATA  ?=
ORACLE      ?=

# The Redis that `make test` uses. `redis` starts one only when nothing answers
# on this port; the pid file records that we started it, so `redis-stop` never
# stops a server someone else runs.
REDIS_PORT    ?= 6379
REDIS_PIDFILE := $(CURDIR)/target/redis-$(REDIS_PORT).pid
REDIS_LOG     := $(CURDIR)/target/redis-$(REDIS_PORT).log
REDIS_PING    := [ "$$(redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping 2>/dev/null)" = PONG ]

# Stops the server named in the pid file, if it is still a redis-server.
# A shell snippet rather than `$(MAKE) redis-stop`: make runs any recipe that
# mentions $(MAKE) even under `make -n`, which would run the tests in a dry run.
REDIS_STOP = \
	if [ ! -f $(REDIS_PIDFILE) ]; then \
	  echo "redis-stop: no Redis started by make on port $(REDIS_PORT)"; \
	else \
	  pid=$$(cat $(REDIS_PIDFILE)); \
	  if [ -n "$$pid" ] && [[ "$$(ps -p "$$pid" -o comm= 2>/dev/null)" == redis* ]]; then \
	    kill "$$pid"; \
	    for _ in $$(seq 50); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done; \
	    echo "redis-stop: stopped pid $$pid"; \
	  else \
	    echo "redis-stop: pid $$pid no longer runs"; \
	  fi; \
	  rm -f $(REDIS_PIDFILE); \
	fi

.PHONY: all deps build run test fuzz bench agreement fmt lint proto-lint clean redis redis-stop

all: build

## deps: install missing build tools (as root via apt-get), else say what to run.
## Also adds the rustfmt and clippy components, which a minimal toolchain lacks.
deps:
	@if ! command -v $(CARGO) >/dev/null 2>&1; then \
	  echo "deps: cargo not found. Install Rust with rustup:" >&2; \
	  echo "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y" >&2; \
	  echo '  . "$$HOME/.cargo/env"' >&2; \
	  exit 1; \
	fi
	@missing=(); \
	command -v cmake >/dev/null 2>&1 || missing+=(cmake); \
	{ command -v g++ >/dev/null 2>&1 || command -v c++ >/dev/null 2>&1; } || missing+=(g++); \
	command -v clang >/dev/null 2>&1 || missing+=(clang); \
	{ ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 \
	  || dpkg -s libclang-dev >/dev/null 2>&1; } || missing+=(libclang-dev); \
	{ command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; } \
	  || missing+=(redis-server); \
	command -v chromium >/dev/null 2>&1 || missing+=(chromium); \
	command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver); \
	if [ $${#missing[@]} -eq 0 ]; then \
	  echo "deps: build tools present"; \
	elif [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "deps: installing $${missing[*]}"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends "$${missing[@]}"; \
	else \
	  echo "deps: missing $${missing[*]}; install them with:" >&2; \
	  echo "  sudo apt-get update && sudo apt-get install -y $${missing[*]}" >&2; \
	  exit 1; \
	fi
	@if ! $(CARGO) fmt --version >/dev/null 2>&1 || ! $(CARGO) clippy --version >/dev/null 2>&1; then \
	  if command -v rustup >/dev/null 2>&1; then \
	    rustup component add rustfmt clippy; \
	  else \
	    echo "deps: cargo fmt / cargo clippy missing; run: rustup component add rustfmt clippy" >&2; \
	    exit 1; \
	  fi; \
	fi

## build: release build (HiGHS is compiled once, then cached in target/).
build: deps
	$(CARGO) build --release

## run: serve the demo chain over gRPC and HTTP (console, portal, JSON API).
run: build
	@echo "chainplan: the demo chain is network \"demo\"."
	@echo "  console:         http://$(HTTP_ADDR)/"
	@echo "  supplier portal: http://$(HTTP_ADDR)/portal"
	@echo "From another shell, try:"
	@echo "  cargo run --release --example erp_client"
	@echo "  cargo run --release --example supplier_client -- gearworks"
	@echo "  grpcurl -plaintext 127.0.0.1:50051 list"
	@echo "  ./target/release/chainplan solve $(DEMO) --format summary   # the same plan offline"
	$(BIN) serve --load $(DEMO) --network-id demo --http $(HTTP_ADDR)

## test: formatting, lints and tests; stops the Redis it started even on failure.
## Everything uses the release profile: HiGHS (built from source by a build
## script) is then compiled once, optimised, and shared with `make run`.
test: deps redis proto-lint
	@status=0; \
	{ $(CARGO) fmt --all -- --check \
	  && $(CARGO) clippy --release --all-targets -- -D warnings \
	  && REDIS_URL=redis://127.0.0.1:$(REDIS_PORT) $(CARGO) test --release; \
	} || status=$$?; \
	$(REDIS_STOP); \
	exit $$status

## fuzz: the property-based fuzzing of tests/fuzz.rs (document parser and
## validation, scenario changes, gRPC request decoding) at FUZZ_CASES cases
## per property; `make test` runs the same properties at proptest's default.
FUZZ_CASES ?= 20000
fuzz: deps
	PROPTEST_CASES=$(FUZZ_CASES) $(CARGO) test --release --test fuzz -- --nocapture

## bench: time the planner on generated chains, and on the Willems chains
## when BENCH_DATA names the folder holding `willems/` (docs/performance.md).
bench: deps
	BENCH_DATA="$(BENCH_DATA)" $(CARGO) bench --bench plan_bench

## agreement: compare optima with the independent reference model, a separate
## program in the folder ORACLE (needs `pip install pulp highspy`).
agreement: build
	@if [ -z "$(ORACLE)" ] || [ -z "$(BENCH_DATA)" ]; then \
	  echo "agreement: set ORACLE=DIR (the reference model) and BENCH_DATA=DIR (the public instances)" >&2; exit 2; fi
	python3 benches/oracle_agreement.py --tools $(ORACLE) --data $(BENCH_DATA) --bin $(BIN)

fmt:
	$(CARGO) fmt --all

# buf (from npm) lints proto/ with the STANDARD rules; kept under target/.
BUF_VERSION := 1.75.0
BUF         := $(CURDIR)/target/buf/node_modules/.bin/buf

$(BUF):
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq npm; \
	  else echo "proto-lint: npm not found; run: sudo apt-get install -y npm" >&2; exit 1; fi; }
	npm install --silent --no-audit --no-fund --prefix $(CURDIR)/target/buf @bufbuild/buf@$(BUF_VERSION)

proto-lint: $(BUF)
	cd proto && $(BUF) lint && $(BUF) build

lint: proto-lint
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --all-targets -- -D warnings

## clean: this crate's build outputs only; dependencies (HiGHS) stay built.
clean:
	$(CARGO) clean -p chainplan

## redis: make sure a Redis answers on REDIS_PORT, starting a throwaway one if not.
redis: deps
	@if $(REDIS_PING); then \
	  echo "redis: already answering on 127.0.0.1:$(REDIS_PORT)"; \
	  exit 0; \
	fi; \
	mkdir -p $(dir $(REDIS_PIDFILE)); \
	redis-server --daemonize yes --bind 127.0.0.1 --port $(REDIS_PORT) \
	  --save "" --appendonly no --dir $(dir $(REDIS_PIDFILE)) \
	  --pidfile $(REDIS_PIDFILE) --logfile $(REDIS_LOG); \
	for _ in $$(seq 50); do \
	  if $(REDIS_PING); then echo "redis: started on 127.0.0.1:$(REDIS_PORT) (pid $$(cat $(REDIS_PIDFILE)))"; exit 0; fi; \
	  sleep 0.1; \
	done; \
	echo "redis: no answer on port $(REDIS_PORT) after 5 s; see $(REDIS_LOG)" >&2; \
	exit 1

## redis-stop: stop the Redis that `make redis` started, and only that one.
redis-stop:
	@$(REDIS_STOP)
