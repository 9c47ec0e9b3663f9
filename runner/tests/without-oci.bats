#!/usr/bin/env bats
# The runner `make run` builds: kwrunner without its OCI client (cargo
# feature `oci`). It must share every crate but its own with the full runner,
# so that switching between the two recompiles kwrunner alone; run local
# modules exactly as the full one does; and refuse registry work saying what
# is missing.
#
#   bats runner/tests/without-oci.bats     (make without-oci-tests)

bats_require_minimum_version 1.5.0

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
load "$ROOT/test_data/assertions"

# build NAME FLAGS... : builds the runner, writes the artifact files cargo
# reports for every crate but kwrunner itself (fresh or compiled) to
# NAME.crates, and copies the binary to NAME. A failed build fails here:
# piped into jq, its status was lost, and the binary of the build before
# (the full runner) was then compared with itself.
build() {
  local name=$1 messages="$BATS_FILE_TMPDIR/$1.json"
  shift
  cargo build --profile host --manifest-path "$ROOT/runner/Cargo.toml" --bin kwrunner \
    --message-format=json "$@" >"$messages" ||
    { echo "cargo build $* failed" >&2; return 1; }
  # cargo's own last word on the build, in case its exit status ever is not.
  [ "$(jq -c 'select(.reason == "build-finished") | .success' "$messages")" = true ] ||
    { echo "cargo build $* did not report success" >&2; return 1; }
  jq -r 'select(.reason == "compiler-artifact" and .target.name != "kwrunner")
         | .filenames[]' "$messages" | sort >"$BATS_FILE_TMPDIR/$name.crates"
  # The binary this build made (not one left by an earlier build).
  cp "$(jq -r 'select(.reason == "compiler-artifact" and .target.name == "kwrunner"
               and .target.kind == ["bin"]) | .executable' "$messages")" "$BATS_FILE_TMPDIR/$name"
}

setup_file() {
  cd "$ROOT"
  export FULL="$BATS_FILE_TMPDIR/full" LITE="$BATS_FILE_TMPDIR/lite"
  build full
  build lite --no-default-features
}

@test "without OCI: the two builds made two different runners" {
  [ -x "$FULL" ] && [ -x "$LITE" ]
  # Were they the same file, every comparison below would compare a runner with itself.
  ! cmp -s "$FULL" "$LITE"
}

setup() {
  cd "$ROOT"
}

@test "without OCI: every crate it uses is the full runner's own build of it" {
  [ -s "$BATS_FILE_TMPDIR/lite.crates" ] && [ -s "$BATS_FILE_TMPDIR/full.crates" ]
  # Crates built apart (other features, so another hash) are listed here.
  run comm -23 "$BATS_FILE_TMPDIR/lite.crates" "$BATS_FILE_TMPDIR/full.crates"
  [ "$status" -eq 0 ]
  [ -z "$output" ] || { echo "built only for the runner without OCI:"; echo "$output"; return 1; }
  # And the OCI stack is left out.
  grep -q 'liboci_client-' "$BATS_FILE_TMPDIR/full.crates"
  ! grep -q 'liboci_client-\|librustls-\|libreqwest-' "$BATS_FILE_TMPDIR/lite.crates"
}

@test "without OCI: make run's request is answered as by the full runner" {
  local request
  for request in test_data/pod_creation.json test_data/pod_creation_untrusted.json; do
    run --separate-stderr "$FULL" run --request-path "$request" \
      --settings-path examples/settings.yaml policy.wasm
    local full_status=$status full_output=$output
    run --separate-stderr "$LITE" run --request-path "$request" \
      --settings-path examples/settings.yaml policy.wasm
    [ "$status" -eq "$full_status" ]
    [ "$output" = "$full_output" ] || { printf 'full: %s\nlite: %s\n' "$full_output" "$output"; return 1; }
  done
  [ "$(jq -r .allowed <<<"$output")" = false ]
}

@test "without OCI: a registry:// module is refused, saying why" {
  run --separate-stderr "$LITE" run --request-path test_data/pod_creation.json \
    --store-path "$BATS_TEST_TMPDIR/store" registry://127.0.0.1:5000/policies/allowlist:v1
  # 2: could not evaluate, as when the full runner cannot reach the registry.
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [[ "$stderr" == *"Cannot fetch policy module registry://127.0.0.1:5000/policies/allowlist:v1: this kwrunner was built without its OCI client"*"make runner"* ]] ||
    { echo "$stderr"; return 1; }
}

@test "without OCI: push and pull are refused, saying why" {
  run --separate-stderr "$LITE" pull --store-path "$BATS_TEST_TMPDIR/store" \
    registry://127.0.0.1:5000/policies/allowlist:v1
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"cannot pull registry://127.0.0.1:5000/policies/allowlist:v1: this kwrunner was built without its OCI client"* ]] ||
    { echo "$stderr"; return 1; }
  run --separate-stderr "$LITE" push --force policy.wasm registry://127.0.0.1:5000/policies/allowlist:v1
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"cannot push to registry://127.0.0.1:5000/policies/allowlist:v1: this kwrunner was built without its OCI client"* ]] ||
    { echo "$stderr"; return 1; }
}

@test "without OCI: a digest lookup for pinning fails closed, saying why" {
  local request="$BATS_TEST_TMPDIR/pod.json"
  jq '.request.object.spec.containers = [{"name": "app", "image": "127.0.0.1:5000/acme/app:1.0"}]' \
    test_data/bench/pod_minimal.json >"$request"
  run --separate-stderr "$LITE" run --request-path "$request" \
    --settings-json '{"registries":{"allow":["127.0.0.1:5000"]},"pinDigests":true}' policy.wasm
  assert_rejected_with 'container "app"' "127.0.0.1:5000/acme/app:1.0" \
    "cannot fetch the manifest digest of 127.0.0.1:5000/acme/app:1.0: this kwrunner was built without its OCI client"
}
