#!/usr/bin/env bash
# Publish the annotated policy to a real OCI registry and fetch it back.
#
# Starts Debian's docker-registry (distribution) on 127.0.0.1 on a free port,
# storage in a temporary folder, then: push with the runner, check the stored
# manifest (media types, sizes, digests, annotations), pull by tag and by
# digest, compare the pulled bytes' sha256 with the local file's, and run the
# pulled module on a fixture, by file and by registry:// URI. The registry is
# stopped on exit; on failure its log is printed.
#
# Usage: .ci/oci-roundtrip.sh [MODULE]   (default: annotated-policy.wasm)
# Needs: /usr/bin/docker-registry, curl, jq, sha256sum, and the runner built
# (target/host/kwrunner, or $KWRUNNER).
set -euo pipefail
cd "$(dirname "$0")/.."

MODULE=${1:-annotated-policy.wasm}
KWRUNNER=${KWRUNNER:-$PWD/target/host/kwrunner}
REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}
REQUEST=test_data/pod_creation.json
SETTINGS=examples/settings.yaml

for tool in "$REGISTRY_BIN" "$KWRUNNER" curl jq sha256sum; do
  if ! command -v "$tool" >/dev/null; then
    echo "oci-roundtrip: missing $tool" >&2
    exit 2
  fi
done
if [ ! -f "$MODULE" ]; then
  echo "oci-roundtrip: missing $MODULE (make annotated-policy.wasm)" >&2
  exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/oci-roundtrip.XXXXXX")
LOG=$WORK/OCI/registry.log
REGISTRY_PID=
passed=0
failed=0

finish() {
  local status=$?
  if [ -n "$REGISTRY_PID" ]; then
    kill "$REGISTRY_PID" 2>/dev/null || true
    wait "$REGISTRY_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
    echo "---- docker-registry log ($LOG) ----" >&2
    cat "$LOG" >&2 2>/dev/null || true
    echo "---- end of registry log ----" >&2
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap finish EXIT

check() {
  local name=$1
  shift
  if "$@"; then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name" >&2
    failed=$((failed + 1))
  fi
}

# jq -e without printing the result.
jq_quiet() {
  jq -e "$@" >/dev/null
}

# The registry helpers e2e-pin.bats uses too: registry_start sets OCI_HOST,
# OCI_PID and OCI_LOG, retrying on another port if it loses a race for one.
# shellcheck source=test_data/registry.bash
source test_data/registry.bash
REGISTRY_WORK=$WORK
registry_start OCI
REGISTRY_PID=$OCI_PID
echo "registry listening on $OCI_HOST (pid $REGISTRY_PID)"
HOST=$OCI_HOST
REPO=$HOST/policies/registry-allowlist
TAG=v0.0.0-ci
STORE=$WORK/store
LOCAL_SHA=$(sha256sum "$MODULE" | cut -d' ' -f1)
SIZE=$(stat -c %s "$MODULE")

# Push over plain HTTP, as asked for with --insecure.
"$KWRUNNER" push --insecure "$MODULE" "registry://$REPO:$TAG" | tee "$WORK/push.out"
DIGEST=$(sed -n 's/^Policy successfully pushed: .*@\(sha256:[0-9a-f]\{64\}\)$/\1/p' "$WORK/push.out")
check "push prints the immutable reference" test -n "$DIGEST"

# Without --insecure the runner talks HTTPS, which this registry does not.
check "push without --insecure does not fall back to HTTP" \
  bash -c '! "$0" push "$1" "registry://$2:https-only" >/dev/null 2>&1' "$KWRUNNER" "$MODULE" "$REPO"

# What the registry stored.
curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  -D "$WORK/manifest.headers" "http://$HOST/v2/policies/registry-allowlist/manifests/$TAG" \
  -o "$WORK/manifest.json"
echo "stored manifest:"
jq . "$WORK/manifest.json"
STORED_DIGEST=$(tr -d '\r' <"$WORK/manifest.headers" | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
check "manifest digest is the pushed digest" test "$STORED_DIGEST" = "$DIGEST"
check "manifest bytes hash to the digest" \
  test "sha256:$(sha256sum "$WORK/manifest.json" | cut -d' ' -f1)" = "$DIGEST"
check "manifest shape is kwctl's" jq_quiet \
  --arg sha "sha256:$LOCAL_SHA" --argjson size "$SIZE" '
    .schemaVersion == 2
    and .config.mediaType == "application/vnd.wasm.config.v1+json"
    and .config.size == 2
    and (.layers | length) == 1
    and .layers[0].mediaType == "application/vnd.wasm.content.layer.v1+wasm"
    and .layers[0].digest == $sha
    and .layers[0].size == $size
    and .annotations["io.kubewarden.policy.title"] == "registry-allowlist"
    and .annotations["org.opencontainers.image.source"] == .annotations["io.kubewarden.policy.source"]
    and (.annotations | has("io.kubewarden.policy.usage") | not)' "$WORK/manifest.json"
CONFIG_DIGEST=$(jq -r .config.digest "$WORK/manifest.json")
check "config blob is {}" \
  test "$(curl -fsS "http://$HOST/v2/policies/registry-allowlist/blobs/$CONFIG_DIGEST")" = "{}"

# Pull by tag and by digest, into the store and to a chosen file.
"$KWRUNNER" pull --insecure --store-path "$STORE" "registry://$REPO:$TAG"
BY_TAG=$STORE/registry/$HOST/policies/registry-allowlist:$TAG
check "pulled by tag, same bytes" test "$(sha256sum "$BY_TAG" | cut -d' ' -f1)" = "$LOCAL_SHA"

"$KWRUNNER" pull --insecure --store-path "$STORE" "registry://$REPO@$DIGEST"
BY_DIGEST=$STORE/registry/$HOST/policies/registry-allowlist@$DIGEST
check "pulled by digest, same bytes" test "$(sha256sum "$BY_DIGEST" | cut -d' ' -f1)" = "$LOCAL_SHA"

"$KWRUNNER" pull --insecure -o "$WORK/pulled.wasm" "registry://$REPO:$TAG" >/dev/null
check "pulled to --output-path, same bytes" cmp -s "$WORK/pulled.wasm" "$MODULE"

check "a wrong digest is refused" bash -c '! "$0" pull --insecure --store-path "$1" "$2" >/dev/null 2>&1' \
  "$KWRUNNER" "$STORE" "registry://$REPO@sha256:$(printf '0%.0s' $(seq 64))"

# Run what came back.
allowed() {
  "$KWRUNNER" run "$@" --request-path "$REQUEST" --settings-path "$SETTINGS" | jq -e '.allowed == true' >/dev/null
}
check "pulled module (by digest) allows $REQUEST" allowed "$BY_DIGEST"
check "run registry://...:tag allows $REQUEST" \
  allowed --insecure --store-path "$WORK/run-store" "registry://$REPO:$TAG"
check "run registry://...@digest allows $REQUEST" \
  allowed --insecure --store-path "$WORK/run-store" "registry://$REPO@$DIGEST"
check "run pulled into its store" test -f "$WORK/run-store/registry/$HOST/policies/registry-allowlist@$DIGEST"

# The metadata travelled with the module.
"$KWRUNNER" inspect -o json "$BY_TAG" >"$WORK/inspect.json"
check "pulled module carries its metadata" \
  jq_quiet '.protocolVersion == "v1" and .executionMode == "kubewarden-wapc"' "$WORK/inspect.json"

echo "oci-roundtrip: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
