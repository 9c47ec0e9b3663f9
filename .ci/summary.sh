#!/usr/bin/env bash
# One closing line for a `make check` log: every test counted, from cargo
# test, bats and the OCI round trip. Exits non-zero when any failed.
set -euo pipefail
log="$1"
read -r cargo_pass cargo_fail < <(grep -E '^test result:' "$log" | awk '{p += $4; f += $6} END {print p + 0, f + 0}')
bats_pass=$(grep -cE '^ok [0-9]+ ' "$log" || true)
bats_fail=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
read -r oci_pass oci_fail < <(grep -E '^oci-roundtrip: [0-9]+ passed' "$log" | awk '{p += $2; f += $4} END {print p + 0, f + 0}')
passed=$((cargo_pass + bats_pass + oci_pass))
failed=$((cargo_fail + bats_fail + oci_fail))
echo "cargo test: $cargo_pass passed, bats (e2e, e2e-pin, without-oci, docs): $bats_pass passed, OCI round trip: $oci_pass passed"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
