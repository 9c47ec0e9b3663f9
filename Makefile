# Build, run and test the registry-allowlist Kubewarden policy.
#
#   make run     build the policy and the runner, evaluate an example request
#   make check   every test: format, lint, unit, integration, e2e, benchmark smoke run

SHELL := /bin/bash
WASM_TARGET := wasm32-wasip1
POLICY_WASM := target/$(WASM_TARGET)/release/registry_allowlist.wasm
RUNNER := target/host/kwrunner
# `kwctl` when installed, the project's own runner otherwise (same flags, same output).
KWCTL ?= $(shell command -v kwctl || echo $(CURDIR)/$(RUNNER))
BENCH_CALLS ?= 1000

.PHONY: all setup test-setup policy runner floors run test integration-tests e2e-tests bench check clean

all: policy.wasm

# The wasm target is the one piece of the toolchain a fresh machine lacks.
setup:
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)

# bats runs e2e.bats, jq reads the runner's JSON there.
test-setup: setup
	@command -v bats >/dev/null && command -v jq >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq bats jq >/dev/null; }

policy.wasm: setup
	cargo build --release --target $(WASM_TARGET) -p registry-allowlist
	cp $(POLICY_WASM) policy.wasm

policy: policy.wasm

runner:
	cargo build --profile host -p kwrunner

# Benchmark floors: guests that accept without reading, or after one scan.
floors: setup
	cargo build --release --target $(WASM_TARGET) -p floor-call -p floor-scan

run: policy.wasm runner
	$(RUNNER) run --request-path test_data/pod_creation.json \
	  --settings-path examples/settings.yaml policy.wasm

test:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo test

integration-tests: policy.wasm floors
	cargo test --profile host -p kwrunner

e2e-tests: test-setup policy.wasm runner
	KWCTL=$(KWCTL) bats e2e.bats

bench: policy.wasm floors
	cargo run --profile host -p kwrunner --bin kwbench -- --calls $(BENCH_CALLS)

check: test-setup test integration-tests e2e-tests
	$(MAKE) bench BENCH_CALLS=20

clean:
	cargo clean
	rm -f policy.wasm annotated-policy.wasm
