#!/usr/bin/env bats
# The README and docs/ against the code: each test runs one check of
# .ci/docs.py, which prints what disagrees. The README is the published
# module's Artifact Hub page, so a claim there that the code no longer keeps
# fails here.
#
#   KWRUNNER=target/host/kwrunner bats docs.bats     (make docs-tests)

bats_require_minimum_version 1.5.0

setup() {
  cd "$BATS_TEST_DIRNAME"
  export KWRUNNER="${KWRUNNER:-$PWD/target/host/kwrunner}" POLICY="${POLICY:-$PWD/policy.wasm}"
}

check() {
  run python3 .ci/docs.py "$1"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "docs: README is at most 250 lines" { check length; }
@test "docs: metadata.yml, artifacthub-pkg.yml and the README say what the policy does" { check description; }
@test "docs: README's install example is the file in examples/ it names, byte for byte" { check quoted-examples; }
@test "docs: settings keys: README table, questions-ui.yml and the policy are one set" { check keys; }
@test "docs: settings defaults: README table, questions-ui.yml and src/settings.rs agree" { check defaults; }
@test "docs: mutating: README, metadata.yml, questions-ui.yml and examples agree when" { check mutating; }
@test "docs: README's links are absolute and name files that exist; docs' too" { check links; }
@test "docs: README's settings example loads, its refusal is the policy's" { check settings-example; }
@test "docs: README's make run output is what make run prints" { check make-run; }
@test "docs: README's make check line is what .ci/summary.sh prints" { check make-check; }
@test "docs: per-namespace: both policies load and judge each Pod as the doc's table says" { check per-namespace; }
