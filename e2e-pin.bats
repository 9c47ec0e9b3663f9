#!/usr/bin/env bats
# Digest pinning end to end: the built policy.wasm, run by `kwctl run` (or the
# project's runner, same flags, same output), looking images up in real local
# registries (Debian's docker-registry) that hold small images pushed by
# test_data/registry.bash.
#
#   KWCTL=kwctl bats e2e-pin.bats     (make e2e-pin-tests)
#
# Two registries: PIN is the allowed one, OTHER is one the settings refuse.
# Each registry's access log tells whether the host contacted it; the curl
# requests of the helpers themselves are not counted.

bats_require_minimum_version 1.5.0
load test_data/assertions

KWCTL="${KWCTL:-kwctl}"
POLICY="${POLICY:-policy.wasm}"

setup_file() {
  export REGISTRY_WORK="$BATS_FILE_TMPDIR/registries"
  mkdir -p "$REGISTRY_WORK"
  source test_data/registry.bash
  registry_start PIN
  registry_start OTHER
  export APP="$PIN_HOST/acme/app"
  # app:1.0 and app:1.0-stable name the first image; app:2.0 another one.
  export FIRST SECOND
  FIRST=$(push_image "$PIN_HOST" acme/app 1.0 first)
  push_image "$PIN_HOST" acme/app 1.0-stable first >/dev/null
  SECOND=$(push_image "$PIN_HOST" acme/app 2.0 second)
  push_image "$OTHER_HOST" acme/app 1.0 elsewhere >/dev/null
  export SOURCES="$REGISTRY_WORK/sources.yml"
  printf 'insecure_sources:\n  - "%s"\n  - "%s"\n' "$PIN_HOST" "$OTHER_HOST" >"$SOURCES"
  export PIN_SETTINGS="{\"registries\":{\"allow\":[\"$PIN_HOST\"]},\"pinDigests\":true}"
  export ADMIT_SETTINGS="{\"registries\":{\"allow\":[\"$PIN_HOST\"]},\"pinDigests\":true,\"onPinFailure\":\"admit\"}"
}

teardown_file() {
  source test_data/registry.bash
  registry_stop PIN
  registry_stop OTHER
}

setup() {
  source test_data/registry.bash
}

# A failed test shows the requests the runner made to each registry.
teardown() {
  if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
    echo "---- PIN registry ($PIN_HOST, log $PIN_LOG): last runner requests ----"
    grep '"[A-Z]* /v2/' "$PIN_LOG" | grep -v '"curl/' | tail -n 6 || true
    echo "---- OTHER registry ($OTHER_HOST, log $OTHER_LOG): runner requests ----"
    grep '"[A-Z]* /v2/' "$OTHER_LOG" | grep -v '"curl/' | tail -n 6 || true
  fi
}

# pod CONTAINER_IMAGE... : a Pod with containers c0, c1... running these images.
pod() {
  local file="$BATS_TEST_TMPDIR/pod.json"
  jq '.request.object.spec.containers =
      [$ARGS.positional | to_entries[] | {"name": "c\(.key)", "image": .value}]' \
    test_data/bench/pod_minimal.json --args "$@" >"$file"
  echo "$file"
}

# pod_update OLD_IMAGE NEW_IMAGE: an UPDATE of a one-container Pod.
pod_update() {
  local file="$BATS_TEST_TMPDIR/update.json"
  jq --arg old "$1" --arg new "$2" '
      .request.operation = "UPDATE"
      | .request.options = {"kind": "UpdateOptions", "apiVersion": "meta.k8s.io/v1"}
      | .request.object.spec.containers = [{"name": "c0", "image": $new}]
      | .request.oldObject = (.request.object | .spec.containers = [{"name": "c0", "image": $old}])' \
    test_data/bench/pod_minimal.json >"$file"
  echo "$file"
}

# evaluate REQUEST SETTINGS [FLAGS...]
evaluate() {
  local request=$1 settings=$2
  shift 2
  run --separate-stderr "$KWCTL" run --sources-path "$SOURCES" "$@" \
    --request-path "$request" --settings-json "$settings" "$POLICY"
}

# assert_warned_with TEXT...: admitted unpinned, one warning containing every TEXT.
assert_warned_with() {
  assert_allowed || return 1
  assert_no_patch || return 1
  [ "$(jq '.warnings | length' <<<"$output")" -eq 1 ] || { echo "$output"; return 1; }
  local warning text
  warning="$(jq -r '.warnings[0]' <<<"$output")"
  for text in "$@"; do
    [[ "$warning" == *"$text"* ]] || { printf 'warning: %s\nmissing: %s\n' "$warning" "$text"; return 1; }
  done
}

# --- Pinning -------------------------------------------------------------------------

@test "pin: the patch pins exactly the digest the registry reports for the tag" {
  local reported
  reported=$(registry_digest "$PIN_HOST" acme/app 1.0)
  [ "$reported" = "$FIRST" ]
  evaluate "$(pod "$APP:1.0")" "$PIN_SETTINGS"
  assert_patch "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$APP:1.0@$reported\"}]"
  [ "$(jq -r .warnings <<<"$output")" = null ]
}

# manifest_requests TAG: manifest requests for acme/app:TAG the runner made to PIN.
manifest_requests() {
  registry_requests PIN "/v2/acme/app/manifests/$1"
}

@test "pin: each distinct image is looked up once, each container patched" {
  local one two
  one=$(manifest_requests 1.0)
  two=$(manifest_requests 2.0)
  evaluate "$(pod "$APP:1.0" "$APP:2.0" "$APP:1.0")" "$PIN_SETTINGS"
  assert_patch "[
    {\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$APP:1.0@$FIRST\"},
    {\"op\":\"replace\",\"path\":\"/spec/containers/1/image\",\"value\":\"$APP:2.0@$SECOND\"},
    {\"op\":\"replace\",\"path\":\"/spec/containers/2/image\",\"value\":\"$APP:1.0@$FIRST\"}]"
  # One manifest request per distinct image: a HEAD, answered with the digest.
  [ $(($(manifest_requests 1.0) - one)) -eq 1 ]
  [ $(($(manifest_requests 2.0) - two)) -eq 1 ]
}

@test "pin: after the tag is re-pointed, the next request pins the new digest" {
  local moved
  moved=$(push_image "$PIN_HOST" acme/app 1.0-stable moved)
  [ "$moved" != "$FIRST" ]
  [ "$(registry_digest "$PIN_HOST" acme/app 1.0-stable)" = "$moved" ]
  evaluate "$(pod "$APP:1.0-stable")" "$PIN_SETTINGS"
  assert_patch "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$APP:1.0-stable@$moved\"}]"
}

@test "pin: an image that already carries a digest is neither looked up nor changed" {
  local before
  before=$(registry_requests PIN)
  evaluate "$(pod "$APP:1.0@$SECOND")" "$PIN_SETTINGS"
  assert_allowed
  assert_no_patch
  [ "$(registry_requests PIN)" -eq "$before" ]
}

# --- Failed lookups ----------------------------------------------------------------

@test "missing tag: refused, naming container, image and the host's error" {
  evaluate "$(pod "$APP:9.9")" "$PIN_SETTINGS"
  assert_rejected_with '"c0"' "$APP:9.9" "manifest unknown"
}

@test "missing tag under onPinFailure admit: admitted unpinned with a warning" {
  evaluate "$(pod "$APP:9.9")" "$ADMIT_SETTINGS"
  assert_warned_with '"c0"' "$APP:9.9" "manifest unknown"
}

@test "registry down: refused, naming the connection failure" {
  local down
  down=$(registry_free_port)
  printf 'insecure_sources:\n  - "127.0.0.1:%s"\n' "$down" >"$BATS_TEST_TMPDIR/down.yml"
  run --separate-stderr "$KWCTL" run --sources-path "$BATS_TEST_TMPDIR/down.yml" \
    --request-path "$(pod "127.0.0.1:$down/acme/app:1.0")" \
    --settings-json "{\"registries\":{\"allow\":[\"127.0.0.1:$down\"]},\"pinDigests\":true}" "$POLICY"
  assert_rejected_with '"c0"' "127.0.0.1:$down/acme/app:1.0" "onnection refused"
}

# --- No request for what the rules refuse ---------------------------------------------

@test "an image from a registry the settings refuse is rejected without contacting it" {
  local other pin
  other=$(registry_requests OTHER)
  pin=$(registry_requests PIN)
  evaluate "$(pod "$OTHER_HOST/acme/app:1.0")" "$PIN_SETTINGS"
  assert_rejected_with '"c0"' "$OTHER_HOST/acme/app:1.0" "registries not allowed: $OTHER_HOST"
  [ "$(registry_requests OTHER)" -eq "$other" ]
  [ "$(registry_requests PIN)" -eq "$pin" ]
  # The image is there: only the policy kept the host from asking.
  [ "$(registry_digest "$OTHER_HOST" acme/app 1.0)" != "" ]
}

@test "a Pod with one refused image makes no lookup for its allowed images either" {
  local other pin
  other=$(registry_requests OTHER)
  pin=$(registry_requests PIN)
  evaluate "$(pod "$APP:1.0" "$OTHER_HOST/acme/app:1.0")" "$PIN_SETTINGS"
  assert_rejected_with '"c1"' "registries not allowed: $OTHER_HOST"
  [ "$(registry_requests OTHER)" -eq "$other" ]
  [ "$(registry_requests PIN)" -eq "$pin" ]
}

# --- UPDATE ----------------------------------------------------------------------------

@test "UPDATE with the image the old object has: no request, no patch" {
  local before
  before=$(registry_requests PIN)
  evaluate "$(pod_update "$APP:2.0" "$APP:2.0")" "$PIN_SETTINGS"
  assert_allowed
  assert_no_patch
  [ "$(registry_requests PIN)" -eq "$before" ]
}

@test "UPDATE dropping the digest the old object was pinned to: written back, no request" {
  local before
  before=$(registry_requests PIN)
  # app:2.0 names SECOND in the registry; the old pin (FIRST) comes back, unasked.
  evaluate "$(pod_update "$APP:2.0@$FIRST" "$APP:2.0")" "$PIN_SETTINGS"
  assert_patch "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$APP:2.0@$FIRST\"}]"
  [ "$(registry_requests PIN)" -eq "$before" ]
}

# --- Host capabilities -------------------------------------------------------------------

@test "oci not granted by --allowed-host-capabilities: refused, no request" {
  local before
  before=$(registry_requests PIN)
  evaluate "$(pod "$APP:1.0")" "$PIN_SETTINGS" --allowed-host-capabilities 'net/*'
  assert_rejected_with '"c0"' "$APP:1.0" "oci/v1/manifest_digest"
  [ "$(registry_requests PIN)" -eq "$before" ]
}

@test "oci not granted, under onPinFailure admit: admitted unpinned with a warning" {
  evaluate "$(pod "$APP:1.0")" "$ADMIT_SETTINGS" --allowed-host-capabilities 'net/v1/dns_lookup_host'
  assert_warned_with '"c0"' "$APP:1.0" "oci/v1/manifest_digest"
}

@test "oci granted by an exact capability or a prefix: pinned" {
  for granted in 'oci/v1/manifest_digest' 'oci/*' 'oci/v1/*'; do
    evaluate "$(pod "$APP:2.0")" "$PIN_SETTINGS" --allowed-host-capabilities 'net/*' \
      --allowed-host-capabilities "$granted"
    assert_patch "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$APP:2.0@$SECOND\"}]" ||
      { echo "granted: $granted"; return 1; }
  done
}

# --- Session files ------------------------------------------------------------------------

@test "a recorded session replays the same patch with no registry contacted" {
  local session="$BATS_TEST_TMPDIR/session.yml" before
  evaluate "$(pod "$APP:2.0")" "$PIN_SETTINGS" --record-host-capabilities-interactions "$session"
  assert_patch "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$APP:2.0@$SECOND\"}]"
  grep -q '!OciManifestDigest' "$session"
  before=$(registry_requests PIN)
  # No sources file: the replay must not need the registry at all.
  run --separate-stderr "$KWCTL" run --replay-host-capabilities-interactions "$session" \
    --request-path "$(pod "$APP:2.0")" --settings-json "$PIN_SETTINGS" "$POLICY"
  assert_patch "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"$APP:2.0@$SECOND\"}]"
  [ "$(registry_requests PIN)" -eq "$before" ]
}

@test "a replayed session without the call refuses the image, saying so" {
  local session="$BATS_TEST_TMPDIR/session.yml"
  evaluate "$(pod "$APP:2.0")" "$PIN_SETTINGS" --record-host-capabilities-interactions "$session"
  assert_allowed
  run --separate-stderr "$KWCTL" run --replay-host-capabilities-interactions "$session" \
    --request-path "$(pod "$APP:1.0")" --settings-json "$PIN_SETTINGS" "$POLICY"
  assert_rejected_with '"c0"' "$APP:1.0" "Replay error: unexpected request"
}
