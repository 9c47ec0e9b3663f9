# Build, run and test the registry-allowlist Kubewarden policy.
#
#   make run     build the policy and the runner, evaluate an example request
#   make check   every test: format, lint, unit, integration, e2e, docs, benchmark smoke run

SHELL := /bin/bash
WASM_TARGET := wasm32-wasip1
POLICY_WASM := target/$(WASM_TARGET)/release/registry_allowlist.wasm
RUNNER := target/host/kwrunner
# `kwctl` when installed, the project's own runner otherwise (same flags, same output).
KWCTL ?= $(shell command -v kwctl || echo $(CURDIR)/$(RUNNER))
BENCH_CALLS ?= 1000
# The benchmark's engine is built like the real one, fully optimized (profile
# kwbench in Cargo.toml); everything else uses the quick-to-build host profile.
BENCH_PROFILE ?= kwbench
# The runner is built through its own manifest. Under the workspace's resolver
# 1, a build started at the root also takes the features that the policy's
# dependencies turn on, and only the package cargo is started for can leave
# out its default features (the runner without its OCI client, below).
RUNNER_CARGO := --profile host --manifest-path runner/Cargo.toml

.PHONY: all setup test-setup policy runner runner-without-oci floors public-suffixes run test integration-tests e2e-tests e2e-pin-tests without-oci-tests docs-setup docs-tests bench check check-all clean

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
	cargo build $(RUNNER_CARGO) --bin kwrunner

# The same runner without its OCI client (cargo feature `oci`): it runs local
# modules only, and a cold build takes about half a minute less (README,
# "Build time"). It shares every other crate with the full one, so switching
# between the two recompiles kwrunner itself and nothing else.
runner-without-oci:
	cargo build $(RUNNER_CARGO) --no-default-features --bin kwrunner

# Benchmark floors: guests that accept without reading, or after one scan.
floors: setup
	cargo build --release --target $(WASM_TARGET) -p floor-call -p floor-scan

run: policy.wasm runner-without-oci
	$(RUNNER) run --request-path test_data/pod_creation.json \
	  --settings-path examples/settings.yaml policy.wasm

test:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo test

# The runner is not a default member, so `make test`'s clippy does not see it.
integration-tests: policy.wasm floors
	cargo clippy $(RUNNER_CARGO) --all-targets -- -D warnings
	cargo test $(RUNNER_CARGO)

# e2e.bats reads examples/ with Python's yaml module (docs-setup).
e2e-tests: docs-setup policy.wasm runner
	KWCTL=$(KWCTL) KWRUNNER=$(CURDIR)/$(RUNNER) bats e2e.bats

# Digest pinning against local docker-registry instances (test_data/registry.bash).
e2e-pin-tests: test-setup oci-setup policy.wasm runner
	KWCTL=$(KWCTL) bats e2e-pin.bats

# `make run`'s runner: built beside the full one, it must compile nothing
# else, run local modules alike, and refuse registry work saying why.
without-oci-tests: test-setup policy.wasm runner
	cargo clippy $(RUNNER_CARGO) --no-default-features --lib --bins -- -D warnings
	bats runner/tests/without-oci.bats

# The public suffixes the policy knows (src/public_suffix/data.rs), from the
# ICANN section of Debian's publicsuffix package (or PSL=path/to/list.dat).
public-suffixes:
	@test -n "$(PSL)" || test -f /usr/share/publicsuffix/public_suffix_list.dat || \
	  { apt-get update -qq && apt-get install -y -qq publicsuffix >/dev/null; }
	cargo test --test public_suffix_data -- --ignored regenerate
	cargo fmt -- src/public_suffix/data.rs

# docs.bats reads YAML with Python's yaml module (Debian's python3-yaml).
docs-setup: test-setup
	@python3 -c 'import yaml' 2>/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq python3-yaml >/dev/null; }

# The README and docs/ against the code and examples/ (.ci/docs.py). It runs
# `make run` itself, after the runner `make run` builds, so nothing recompiles.
docs-tests: docs-setup policy.wasm runner-without-oci
	KWRUNNER=$(CURDIR)/$(RUNNER) bats docs.bats

bench: policy.wasm floors
	cargo run --profile $(BENCH_PROFILE) --manifest-path runner/Cargo.toml --bin kwbench -- --calls $(BENCH_CALLS)

# Every test, then one closing line that counts them all.
check:
	@mkdir -p target
	@set -o pipefail; $(MAKE) --no-print-directory check-all 2>&1 | tee target/check.log
	@.ci/summary.sh target/check.log

# The benchmark smoke run only proves kwbench works: it uses the host profile
# the tests already built, instead of building the whole engine a second time.
check-all: test-setup test integration-tests e2e-tests e2e-pin-tests artifacthub-check oci-tests
	$(MAKE) bench BENCH_CALLS=20 BENCH_PROFILE=host
	$(MAKE) without-oci-tests
	$(MAKE) docs-tests

# Publishing. kwctl annotates and pushes when it is installed, the runner
# (same flags) otherwise; artifacthub-pkg.yml always comes from the runner,
# whose output is reproducible (see README, "Publish to your own registry").
POLICY_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
PUBLISH_SOURCES := target/push-sources.yml

.PHONY: publish-tool artifacthub-check push oci-setup oci-tests

# The runner is built only when it stands in for kwctl.
publish-tool:
ifeq ($(KWCTL),$(CURDIR)/$(RUNNER))
	cargo build $(RUNNER_CARGO) --bin kwrunner
endif

# policy-server refuses a module without metadata: annotate before publishing.
annotated-policy.wasm: policy.wasm metadata.yml README.md publish-tool
	$(KWCTL) annotate -m metadata.yml -u README.md -o annotated-policy.wasm policy.wasm

artifacthub-pkg.yml: metadata.yml questions-ui.yml Cargo.toml runner
	$(RUNNER) scaffold artifacthub --metadata-path metadata.yml \
	  --questions-path questions-ui.yml --version $(POLICY_VERSION) --output $@

# Fails when artifacthub-pkg.yml is not what the command above would write
# (Cargo version, metadata version annotation, rules, questions...).
artifacthub-check: runner
	$(RUNNER) scaffold artifacthub --metadata-path metadata.yml \
	  --questions-path questions-ui.yml --version $(POLICY_VERSION) \
	  --output artifacthub-pkg.yml --check

# make push REGISTRY=host[:port]/path TAG=vX.Y.Z [INSECURE=1 for plain HTTP]
push: annotated-policy.wasm
	@test -n "$(REGISTRY)" && test -n "$(TAG)" || \
	  { echo "usage: make push REGISTRY=host[:port]/path TAG=vX.Y.Z [INSECURE=1]" >&2; exit 2; }
	$(if $(INSECURE),mkdir -p target && printf 'insecure_sources: ["%s"]\n' '$(firstword $(subst /, ,$(REGISTRY)))' > $(PUBLISH_SOURCES))
	$(KWCTL) push $(if $(INSECURE),--sources-path $(PUBLISH_SOURCES)) \
	  annotated-policy.wasm registry://$(REGISTRY):$(TAG)

# Debian's docker-registry for the OCI round trip (curl reads its manifests).
oci-setup:
	@test -x /usr/bin/docker-registry && command -v curl >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry curl >/dev/null; }

# Push to a local registry, pull back by tag and digest, run what came back.
oci-tests: oci-setup annotated-policy.wasm runner
	KWRUNNER=$(CURDIR)/$(RUNNER) bash .ci/oci-roundtrip.sh annotated-policy.wasm

clean:
	cargo clean
	rm -f policy.wasm annotated-policy.wasm
