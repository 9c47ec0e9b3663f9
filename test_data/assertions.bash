# Assertions on the AdmissionResponse that `kwctl run` (or the runner) prints,
# shared by e2e.bats, e2e-pin.bats and runner/tests/without-oci.bats (`load test_data/assertions`). They read
# bats' $status, $output and $stderr of the last `run --separate-stderr`.

assert_allowed() {
  [ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
  [ "$(jq -r .allowed <<<"$output")" = true ] || { echo "$output"; return 1; }
}

# assert_rejected MESSAGE: allowed false, with exactly this message.
assert_rejected() {
  [ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
  [ "$(jq -r .allowed <<<"$output")" = false ] || { echo "$output"; return 1; }
  local got
  got="$(jq -r .status.message <<<"$output")"
  [ "$got" = "$1" ] || { printf 'message: %s\nwanted:  %s\n' "$got" "$1"; return 1; }
}

# assert_rejected_with TEXT...: refused, the message containing every TEXT.
assert_rejected_with() {
  [ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
  [ "$(jq -r .allowed <<<"$output")" = false ] || { echo "$output"; return 1; }
  local message text
  message="$(jq -r .status.message <<<"$output")"
  for text in "$@"; do
    [[ "$message" == *"$text"* ]] || { printf 'message: %s\nmissing: %s\n' "$message" "$text"; return 1; }
  done
}

# assert_patch JSON_PATCH: allowed, with exactly this JSONPatch.
assert_patch() {
  assert_allowed || return 1
  [ "$(jq -r .patchType <<<"$output")" = JSONPatch ] || { echo "$output"; return 1; }
  local got
  got="$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)"
  [ "$got" = "$(jq -cS . <<<"$1")" ] || { printf 'patch:  %s\nwanted: %s\n' "$got" "$1"; return 1; }
}

# assert_no_patch: no mutation.
assert_no_patch() {
  [ "$(jq -r .patchType <<<"$output")" = null ] || { echo "$output"; return 1; }
  [ "$(jq -r .patch <<<"$output")" = null ] || { echo "$output"; return 1; }
}
