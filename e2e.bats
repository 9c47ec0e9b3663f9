#!/usr/bin/env bats
# End-to-end tests: the built policy.wasm, evaluated by `kwctl run` (or the
# project's runner, which takes the same flags and prints the same JSON).
#
#   KWCTL=kwctl bats e2e.bats        (make e2e-tests picks kwctl when installed)

bats_require_minimum_version 1.5.0
load test_data/assertions

KWCTL="${KWCTL:-kwctl}"
POLICY="${POLICY:-policy.wasm}"
DIGEST="sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"

# evaluate REQUEST_FILE SETTINGS_JSON
evaluate() {
  run --separate-stderr "$KWCTL" run --request-path "$1" --settings-json "$2" "$POLICY"
}

# A Pod with one container "app" running IMAGE.
pod_with_image() {
  local file="$BATS_TEST_TMPDIR/pod.json"
  jq --arg image "$1" '.request.object.spec.containers = [{"name": "app", "image": $image}]' \
    test_data/bench/pod_minimal.json >"$file"
  echo "$file"
}

# evaluate_image IMAGE SETTINGS_JSON
evaluate_image() {
  evaluate "$(pod_with_image "$1")" "$2"
}


# assert_invalid_settings MESSAGE: exit 1, and stderr has kwctl's line with the
# policy's message written plain (not quoted), starting with MESSAGE.
assert_invalid_settings() {
  [ "$status" -eq 1 ] || { echo "exit $status: $output $stderr"; return 1; }
  local line
  line="$(grep -F 'Provided settings are not valid: ' <<<"$stderr")" || { echo "stderr: $stderr"; return 1; }
  [[ "$line" == "Error: Provided settings are not valid: $1"* ]] || { printf 'line:   %s\nwanted: %s...\n' "$line" "Error: Provided settings are not valid: $1"; return 1; }
}

ALLOW_ACME='{"registries": {"allow": ["docker.io/library", "ghcr.io/acme", "registry.corp.example"]}}'
ALLOW_QUAY='{"registries": {"allow": ["quay.io"]}}'

# --- The example: README's first command --------------------------------------

@test "example settings accept the example Pod" {
  run --separate-stderr "$KWCTL" run --request-path test_data/pod_creation.json \
    --settings-path examples/settings.yaml "$POLICY"
  assert_allowed
  [ "$(jq -r .uid <<<"$output")" = "$(jq -r .request.uid test_data/pod_creation.json)" ]
}

@test "example settings reject look-alike registries, naming each container" {
  run --separate-stderr "$KWCTL" run --request-path test_data/pod_creation_untrusted.json \
    --settings-path examples/settings.yaml "$POLICY"
  assert_rejected 'container "app" image "docker.io.evil.example/library/nginx:1.27.0": registries not allowed: docker.io.evil.example; initContainer "setup" image "ghcr.io/acme-evil/setup:1.0": registries not allowed: ghcr.io'
}

# --- wasmtime's compilation cache (kwctl's --disable-wasmtime-cache) -------------

@test "--disable-wasmtime-cache: the same answer as with the cache" {
  run --separate-stderr "$KWCTL" run --request-path test_data/pod_creation_untrusted.json \
    --settings-path examples/settings.yaml "$POLICY"
  [ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
  local cached="$output"
  run --separate-stderr "$KWCTL" run --disable-wasmtime-cache \
    --request-path test_data/pod_creation_untrusted.json \
    --settings-path examples/settings.yaml "$POLICY"
  assert_rejected 'container "app" image "docker.io.evil.example/library/nginx:1.27.0": registries not allowed: docker.io.evil.example; initContainer "setup" image "ghcr.io/acme-evil/setup:1.0": registries not allowed: ghcr.io'
  [ "$output" = "$cached" ] || { printf 'cached:   %s
uncached: %s
' "$cached" "$output"; return 1; }
}

# --- Every kind ------------------------------------------------------------------

@test "every kind with a pod template is accepted when its images are allowed" {
  for kind in pod deployment replicaset statefulset daemonset replicationcontroller job cronjob podtemplate; do
    evaluate "test_data/${kind}_creation.json" "$ALLOW_ACME"
    assert_allowed || { echo "kind: $kind"; return 1; }
  done
}

@test "Deployment: every container of the template is judged" {
  evaluate test_data/deployment_creation.json "$ALLOW_QUAY"
  assert_rejected 'container "app" image "ghcr.io/acme/app:1.4.2": registries not allowed: ghcr.io; container "sidecar" image "nginx:1.27.0": registries not allowed: docker.io; initContainer "migrate" image "registry.corp.example/tools/migrate:3.1": registries not allowed: registry.corp.example'
}

@test "ReplicaSet, StatefulSet, DaemonSet, ReplicationController, Job: template judged" {
  for kind in replicaset statefulset daemonset replicationcontroller job; do
    evaluate "test_data/${kind}_creation.json" "$ALLOW_QUAY"
    assert_rejected 'container "app" image "ghcr.io/acme/app:1.4.2": registries not allowed: ghcr.io; container "sidecar" image "nginx:1.27.0": registries not allowed: docker.io; initContainer "migrate" image "registry.corp.example/tools/migrate:3.1": registries not allowed: registry.corp.example' ||
      { echo "kind: $kind"; return 1; }
  done
}

@test "CronJob: the job template's pod template is judged" {
  evaluate test_data/cronjob_creation.json '{"registries": {"allow": ["ghcr.io/acme", "registry.corp.example"]}}'
  assert_rejected 'container "sidecar" image "nginx:1.27.0": registries not allowed: docker.io'
}

@test "PodTemplate: the top-level template is judged" {
  evaluate test_data/podtemplate_creation.json '{"registries": {"reject": ["registry.corp.example"]}}'
  assert_rejected 'initContainer "migrate" image "registry.corp.example/tools/migrate:3.1": registries not allowed: registry.corp.example'
}

@test "a kind without a pod spec is accepted untouched" {
  evaluate test_data/service_creation.json "$ALLOW_QUAY"
  assert_allowed
}

# --- Ephemeral containers ------------------------------------------------------

@test "kubectl debug: an ephemeral container from an untrusted registry is rejected" {
  evaluate test_data/pod_ephemeralcontainers_update.json "$ALLOW_ACME"
  assert_rejected 'ephemeralContainer "debugger" image "evil.example/debug:1": registries not allowed: evil.example'
}

@test "ephemeral containers of a Pod are judged" {
  evaluate test_data/pod_creation_ephemeral.json '{"tags": {"reject": ["1.36"]}}'
  assert_rejected 'ephemeralContainer "debugger" image "busybox:1.36": tags not allowed: 1.36'
}

# --- Settings forms ---------------------------------------------------------------

@test "host entry: any port on that host" {
  evaluate_image registry.corp.example:8443/team/app:1 '{"registries": {"allow": ["registry.corp.example"]}}'
  assert_allowed
}

@test "host:port entry: that port only" {
  evaluate_image localhost:5001/app:1 '{"registries": {"allow": ["localhost:5000"]}}'
  assert_rejected 'container "app" image "localhost:5001/app:1": registries not allowed: localhost:5001'
  evaluate_image localhost:5000/app:1 '{"registries": {"allow": ["localhost:5000"]}}'
  assert_allowed
}

@test "IPv6 entry: compared as an address" {
  evaluate_image '[fd00:0:0:0:0:0:0:1]:5000/app:1' '{"registries": {"allow": ["[fd00::1]:5000"]}}'
  assert_allowed
  evaluate_image '[fd00::2]:5000/app:1' '{"registries": {"allow": ["[fd00::1]:5000"]}}'
  assert_rejected 'container "app" image "[fd00::2]:5000/app:1": registries not allowed: [fd00::2]:5000'
}

@test "path prefix entry: whole components only" {
  evaluate_image ghcr.io/acme/team/app:1 '{"registries": {"allow": ["ghcr.io/acme"]}}'
  assert_allowed
  evaluate_image ghcr.io/acme-evil/app:1 '{"registries": {"allow": ["ghcr.io/acme"]}}'
  assert_rejected 'container "app" image "ghcr.io/acme-evil/app:1": registries not allowed: ghcr.io'
}

@test "wildcard entry: subdomains, never the bare domain or a glued name" {
  evaluate_image eu.mirror.corp.example/app:1 '{"registries": {"allow": ["*.mirror.corp.example"]}}'
  assert_allowed
  evaluate_image mirror.corp.example/app:1 '{"registries": {"allow": ["*.mirror.corp.example"]}}'
  assert_rejected 'container "app" image "mirror.corp.example/app:1": registries not allowed: mirror.corp.example'
  evaluate_image evilmirror.corp.example/app:1 '{"registries": {"allow": ["*.mirror.corp.example"]}}'
  assert_rejected 'container "app" image "evilmirror.corp.example/app:1": registries not allowed: evilmirror.corp.example'
}

@test "reject list wins over allow list" {
  evaluate_image ghcr.io/evil/app:1 '{"registries": {"allow": ["ghcr.io"], "reject": ["ghcr.io/evil"]}}'
  assert_rejected 'container "app" image "ghcr.io/evil/app:1": registries not allowed: ghcr.io'
}

@test "tags: no tag and no digest counts as latest" {
  evaluate test_data/pod_creation_latest.json '{"tags": {"reject": ["latest"]}}'
  assert_rejected 'container "app" image "busybox": tags not allowed: latest; container "web" image "nginx:latest": tags not allowed: latest'
}

@test "tags: a digest-pinned image has no tag to reject" {
  evaluate_image "nginx:latest@$DIGEST" '{"tags": {"reject": ["latest"]}}'
  assert_allowed
}

@test "images allow list: short names are Docker Hub names, any tag" {
  evaluate_image docker.io/library/nginx:1.27 '{"images": {"allow": ["nginx"]}}'
  assert_allowed
  evaluate_image ghcr.io/library/nginx:1.27 '{"images": {"allow": ["nginx"]}}'
  assert_rejected 'container "app" image "ghcr.io/library/nginx:1.27": images not allowed: ghcr.io/library/nginx:1.27'
}

@test "images reject list: an exact tag, and a glob" {
  evaluate_image quay.io/coreos/etcd:v3.4.12 '{"images": {"reject": ["quay.io/coreos/etcd:v3.4.12"]}}'
  assert_rejected 'container "app" image "quay.io/coreos/etcd:v3.4.12": images not allowed: quay.io/coreos/etcd:v3.4.12'
  evaluate_image ghcr.io/acme/team/app:1 '{"images": {"reject": ["ghcr.io/acme/*"]}}'
  assert_rejected 'container "app" image "ghcr.io/acme/team/app:1": images not allowed: ghcr.io/acme/team/app:1'
}

@test "requireDigest: tags alone are refused, digests admitted" {
  evaluate test_data/pod_creation.json '{"requireDigest": true}'
  assert_rejected 'container "app" image "nginx:1.27.0": digest required; container "log-agent" image "ghcr.io/acme/log-agent:2.3.1": digest required; initContainer "setup" image "registry.corp.example/tools/setup:1.0": digest required'
  evaluate test_data/pod_creation_digest.json '{"requireDigest": true}'
  assert_allowed
}

# --- Docker Hub names and the two flaws of prefix matching -------------------------

@test "Docker Hub short names are allowed by docker.io" {
  for image in busybox nginx:1.27 bitnami/redis:7 index.docker.io/library/nginx registry-1.docker.io/library/nginx; do
    evaluate_image "$image" '{"registries": {"allow": ["docker.io"]}}'
    assert_allowed || { echo "image: $image"; return 1; }
  done
}

@test "bypass: a look-alike host does not pass a docker.io allowlist" {
  evaluate_image docker.io.evil.example/x:1 '{"registries": {"allow": ["docker.io"]}}'
  assert_rejected 'container "app" image "docker.io.evil.example/x:1": registries not allowed: docker.io.evil.example'
}

@test "bypass: an allowed registry named in the path is not the registry" {
  evaluate_image evil.com/ghcr.io/app:1 '{"registries": {"allow": ["ghcr.io"]}}'
  assert_rejected 'container "app" image "evil.com/ghcr.io/app:1": registries not allowed: evil.com'
}

@test "bypass: upper-case registry names are compared case-insensitively" {
  evaluate_image EVIL.example/app:1 '{"registries": {"reject": ["evil.example"]}}'
  assert_rejected 'container "app" image "EVIL.example/app:1": registries not allowed: EVIL.example'
}

@test "bypass: localhost:5000 alone is a Docker Hub image, not the local registry" {
  evaluate_image localhost:5000 '{"registries": {"allow": ["localhost:5000"]}}'
  assert_rejected 'container "app" image "localhost:5000": registries not allowed: docker.io'
}

@test "bypass: a registry part that is no valid host is refused, not read as Docker Hub" {
  evaluate_image my_registry.com/app:1 '{"registries": {"reject": ["evil.example"]}}'
  assert_rejected 'container "app" image "my_registry.com/app:1": invalid reference format: "my_registry.com" is read as the registry but is not a valid host[:port]'
}

@test "bypass: a trailing dot on the host is refused" {
  evaluate_image docker.io./library/nginx '{"registries": {"allow": ["docker.io"]}}'
  assert_rejected 'container "app" image "docker.io./library/nginx": invalid reference format: "docker.io." is read as the registry but is not a valid host[:port]'
}

@test "bypass: non-ASCII look-alike letters are refused" {
  evaluate_image 'dоcker.io/library/nginx' '{"registries": {"allow": ["docker.io"]}}'
  assert_rejected 'container "app" image "dоcker.io/library/nginx": invalid reference format: "dоcker.io" is read as the registry but is not a valid host[:port]'
}

@test "bypass: whitespace and path traversal are refused" {
  evaluate_image ' ghcr.io/acme/app' '{"registries": {"allow": ["ghcr.io"]}}'
  assert_rejected 'container "app" image " ghcr.io/acme/app": invalid reference format: " ghcr.io" is read as the registry but is not a valid host[:port]'
  evaluate_image ghcr.io/acme/../evil/app '{"registries": {"allow": ["ghcr.io/acme"]}}'
  assert_rejected 'container "app" image "ghcr.io/acme/../evil/app": invalid reference format: invalid repository path component ".." (lowercase letters, digits and single separators only)'
}

@test "invalid image references are rejected, never accepted" {
  evaluate test_data/pod_creation_invalid_image.json '{"registries": {"reject": ["evil.example"]}}'
  assert_rejected 'container "app" image "my_registry.com/x:1": invalid reference format: "my_registry.com" is read as the registry but is not a valid host[:port]; container "web" image "Nginx:1.0": invalid reference format: the repository name must be lowercase'
}

# --- UPDATE ----------------------------------------------------------------------

@test "UPDATE: an image already running is not judged again (allowExistingViolations)" {
  evaluate test_data/pod_update.json "$ALLOW_ACME"
  assert_allowed
  evaluate test_data/deployment_update.json "$ALLOW_ACME"
  assert_allowed
}

@test "UPDATE: allowExistingViolations false judges every image" {
  evaluate test_data/pod_update.json '{"registries": {"allow": ["ghcr.io"]}, "allowExistingViolations": false}'
  assert_rejected 'container "app" image "quay.io/legacy/app:1.0": registries not allowed: quay.io'
}

@test "UPDATE: a changed image is judged as on CREATE" {
  evaluate test_data/pod_update_new_image.json "$ALLOW_ACME"
  assert_rejected 'container "app" image "quay.io/legacy/app:2.0": registries not allowed: quay.io'
}

# --- Invalid settings --------------------------------------------------------------

@test "invalid settings: no rule at all" {
  evaluate test_data/pod_creation.json '{}'
  assert_invalid_settings 'no rule is set, so every image would be admitted'
}

@test "invalid settings: a typo in a key" {
  evaluate test_data/pod_creation.json '{"registry": {"allow": ["ghcr.io"]}}'
  assert_invalid_settings 'unknown field `registry`'
}

@test "invalid settings: each bad entry is named with what is wrong" {
  evaluate test_data/pod_creation.json '{"registries": {"allow": ["ghcr.io", "docker.io/", "*.*"]}, "tags": {"reject": [""]}}'
  assert_invalid_settings 'registries.allow[1] "docker.io/": empty path component; registries.allow[2] "*.*": wildcards alone would admit every registry: name at least one label, like *.corp.example or registry-*.corp.example; tags.reject[0] "": empty entry'
}

@test "invalid settings: a value of the wrong type" {
  evaluate test_data/pod_creation.json '{"registries": {"allow": "ghcr.io"}}'
  assert_invalid_settings 'invalid type: string "ghcr.io", expected a sequence'
}

# --- trusted-repos settings, unchanged ---------------------------------------------

@test "trusted-repos: a DaemonSet refused by images.allow names the image" {
  evaluate test_data/daemonset_creation.json '{"images": {"allow": ["ghcr.io/acme/*", "registry.corp.example/tools/migrate:3.1"]}}'
  assert_rejected 'container "sidecar" image "nginx:1.27.0": images not allowed: nginx:1.27.0'
}

@test "trusted-repos: a Job with an unreadable images.allow entry is refused at settings time" {
  evaluate test_data/job_creation.json '{"images": {"allow": ["ghcr.io/acme/app:1.0.0+rc1"]}}'
  assert_invalid_settings 'images.allow[0] "ghcr.io/acme/app:1.0.0+rc1": invalid reference format: invalid tag "1.0.0+rc1"'
}

@test "trusted-repos: a tag glob refuses release candidates" {
  evaluate_image ghcr.io/acme/app:1.5.0-rc2 '{"tags": {"reject": ["latest", "*-rc*"]}}'
  assert_rejected 'container "app" image "ghcr.io/acme/app:1.5.0-rc2": tags not allowed: 1.5.0-rc2'
}

@test "trusted-repos: a tag glob admits the release" {
  evaluate_image ghcr.io/acme/app:1.5.0 '{"tags": {"reject": ["latest", "*-rc*"]}}'
  assert_allowed
}

@test "trusted-repos: one-character globs in registries and images" {
  evaluate_image registry-2.corp.example/shop/api:1.4 '{"registries": {"allow": ["registry-?.corp.example"]}, "images": {"allow": ["registry-?.corp.example/shop/ap?:*"]}}'
  assert_allowed
  evaluate_image registry-12.corp.example/shop/api:1.4 '{"registries": {"allow": ["registry-?.corp.example"]}}'
  assert_rejected 'container "app" image "registry-12.corp.example/shop/api:1.4": registries not allowed: registry-12.corp.example'
}

@test "trusted-repos: an allow entry that can never match is refused, not silently inert" {
  evaluate test_data/pod_creation.json '{"images": {"allow": ["docker.io/library/Ngin?:*"]}}'
  assert_invalid_settings 'images.allow[0] "docker.io/library/Ngin?:*": the repository path must be lowercase, so this glob matches nothing'
}

# --- Allow-list wildcards never reach a registry the admin did not write out ------

@test "allow wildcards: a glob's * does not cross into another domain" {
  evaluate_image ghcr.io/acme/app:1 '{"images": {"allow": ["ghcr.io*/acme/*"]}}'
  assert_invalid_settings 'images.allow[0] "ghcr.io*/acme/*": a wildcard in the last label matches every top-level domain, including ones others register: write the domain out, like docker.io'
}

@test "allow wildcards: a glob must name its registry" {
  evaluate_image ghcr.io/acme/app:1 '{"images": {"allow": ["*/acme/*"]}}'
  assert_invalid_settings 'images.allow[0] "*/acme/*": wildcards alone would admit every registry: name the registry, like ghcr.io/acme/* or *.corp.example'
}

@test "allow wildcards: no wildcard over a public suffix" {
  evaluate_image ghcr.io/acme/app:1 '{"registries": {"allow": ["ghcr.io", "*.io"]}}'
  assert_invalid_settings 'registries.allow[1] "*.io": "io" is a public suffix, under which anyone can register a name: write your own domain out, like *.example.io or registry.example.io'
}

@test "allow wildcards: no wildcard where a cloud registry puts its customer's name" {
  evaluate_image myorg.azurecr.io/app:1 '{"registries": {"allow": ["*.azurecr.io"]}}'
  assert_invalid_settings 'registries.allow[0] "*.azurecr.io": admits every Azure customer'"'"'s registry: name yours, like myorg.azurecr.io'
}

@test "allow wildcards: near misses keep working" {
  evaluate_image a.b.corp.example/x:1 '{"images": {"allow": ["*.corp.example/*"]}}'
  assert_allowed
  evaluate_image registry-eu.corp.example/team/app:1 '{"images": {"allow": ["registry-*.corp.example/team/*"]}}'
  assert_allowed
  evaluate_image myorg.azurecr.io/app:1 '{"registries": {"allow": ["myorg.azurecr.io", "registry-?.corp.example"]}}'
  assert_allowed
  evaluate_image registry.svc.cluster.local:5000/app:1 '{"registries": {"allow": ["*.internal", "*.svc.cluster.local"]}}'
  assert_allowed
}

@test "allow wildcards: an images glob's * stays inside one host label" {
  evaluate_image ghcr.io.attacker.example/acme/app:1 '{"images": {"allow": ["ghcr.*.example/acme/*"]}}'
  assert_rejected 'container "app" image "ghcr.io.attacker.example/acme/app:1": images not allowed: ghcr.io.attacker.example/acme/app:1'
}

@test "reject wildcards: not limited, they only refuse more" {
  evaluate_image anyone-can-buy-this.io/app:1 '{"registries": {"reject": ["*.io"]}}'
  assert_rejected 'container "app" image "anyone-can-buy-this.io/app:1": registries not allowed: anyone-can-buy-this.io'
  evaluate_image attacker.example/evil/x:1 '{"images": {"reject": ["*/evil/*"]}}'
  assert_rejected 'container "app" image "attacker.example/evil/x:1": images not allowed: attacker.example/evil/x:1'
}

@test "reject wildcards: every Docker Hub spelling of an image meets the glob" {
  for image in busybox:1 docker.io/library/busybox:1 index.docker.io/library/busybox:1 registry-1.docker.io/library/busybox:1; do
    evaluate_image "$image" '{"registries": {"reject": ["docker.*"]}}'
    assert_rejected_with "container \"app\" image \"$image\": registries not allowed: "
    evaluate_image "$image" '{"images": {"reject": ["*.docker.io/library/*"]}}'
    assert_rejected "container \"app\" image \"$image\": images not allowed: $image"
  done
}

@test "reject globs: the registry part is read as a registry (port, IPv6, Docker Hub)" {
  evaluate_image localhost:5000/evil/x:1 '{"images": {"reject": ["localhost:05000/evil/*"]}}'
  assert_rejected 'container "app" image "localhost:5000/evil/x:1": images not allowed: localhost:5000/evil/x:1'
  evaluate_image '[::1]:5000/evil/x:1' '{"images": {"reject": ["[0:0:0:0:0:0:0:1]:5000/evil/*"]}}'
  assert_rejected 'container "app" image "[::1]:5000/evil/x:1": images not allowed: [::1]:5000/evil/x:1'
  evaluate_image busybox:1 '{"images": {"reject": ["index.docker.io/library/*"]}}'
  assert_rejected 'container "app" image "busybox:1": images not allowed: busybox:1'
}

# --- Rollout: warn lists, exemptions, enforcement: warn, hint, audit annotations --

ROLLOUT_BASE='"registries": {"allow": ["registry.corp.example", "k8s.gcr.io"]'

# assert_told WARNINGS_JSON ANNOTATIONS_JSON: admitted, with exactly these
# warnings and audit annotations (JSON, null for none).
assert_told() {
  assert_allowed
  local warnings annotations
  warnings="$(jq -c .warnings <<<"$output")"
  annotations="$(jq -c .auditAnnotations <<<"$output")"
  [ "$warnings" = "$1" ] || { printf 'warnings: %s\nwanted:   %s\n' "$warnings" "$1"; return 1; }
  [ "$annotations" = "$2" ] || { printf 'annotations: %s\nwanted:      %s\n' "$annotations" "$2"; return 1; }
}

@test "rollout: a registry in registries.warn is admitted with a warning" {
  evaluate_image k8s.gcr.io/pause:3.9 "{$ROLLOUT_BASE, \"warn\": [\"k8s.gcr.io\"]}}"
  assert_told '["container \"app\" image \"k8s.gcr.io/pause:3.9\": registry k8s.gcr.io is discouraged"]' \
    '{"warned":"container \"app\": registry k8s.gcr.io is discouraged"}'
}

@test "rollout: tags.warn and images.warn, a line per rule" {
  evaluate_image registry.corp.example/legacy-api:2.0-rc1 "{$ROLLOUT_BASE}, \"tags\": {\"warn\": [\"*-rc*\"]}, \"images\": {\"warn\": [\"registry.corp.example/legacy-*\"]}}"
  assert_told '["container \"app\" image \"registry.corp.example/legacy-api:2.0-rc1\": tag 2.0-rc1 is discouraged","container \"app\" image \"registry.corp.example/legacy-api:2.0-rc1\": image is discouraged"]' \
    '{"warned":"container \"app\": tag 2.0-rc1 is discouraged; container \"app\": image is discouraged"}'
}

@test "rollout: an exempted image skips every rule, and the audit trail says so" {
  evaluate_image docker.io/library/busybox:1.36 "{$ROLLOUT_BASE}, \"exemptImages\": [\"docker.io/library/busybox:1.36\"]}"
  assert_told null '{"exempted":"container \"app\": docker.io/library/busybox:1.36"}'
  evaluate_image docker.io/library/busybox:1.37 "{$ROLLOUT_BASE}, \"exemptImages\": [\"docker.io/library/busybox:1.36\"]}"
  assert_rejected 'container "app" image "docker.io/library/busybox:1.37": registries not allowed: docker.io'
}

@test "rollout: enforcement warn admits, each refusal a warning" {
  evaluate test_data/pod_creation_untrusted.json "{$ROLLOUT_BASE}, \"enforcement\": \"warn\"}"
  assert_told '["would be refused: container \"app\" image \"docker.io.evil.example/library/nginx:1.27.0\": registries not allowed: docker.io.evil.example","would be refused: initContainer \"setup\" image \"ghcr.io/acme-evil/setup:1.0\": registries not allowed: ghcr.io"]' \
    '{"warned":"container \"app\": would be refused; initContainer \"setup\": would be refused"}'
}

@test "rollout: enforcement warn still refuses an unreadable image" {
  evaluate_image 'Registry.corp.example/App:1' "{$ROLLOUT_BASE}, \"enforcement\": \"warn\"}"
  assert_rejected 'container "app" image "Registry.corp.example/App:1": invalid reference format: the repository name must be lowercase'
}

@test "rollout: the hint follows every refusal and warning, once" {
  local hint='Registry policy: https://wiki.corp.example/registries, #platform-help'
  evaluate test_data/pod_creation_untrusted.json "{$ROLLOUT_BASE}, \"hint\": \"$hint\"}"
  assert_rejected "container \"app\" image \"docker.io.evil.example/library/nginx:1.27.0\": registries not allowed: docker.io.evil.example; initContainer \"setup\" image \"ghcr.io/acme-evil/setup:1.0\": registries not allowed: ghcr.io ($hint)"
  evaluate_image k8s.gcr.io/pause:3.9 "{$ROLLOUT_BASE, \"warn\": [\"k8s.gcr.io\"]}, \"hint\": \"$hint\"}"
  assert_told "[\"container \\\"app\\\" image \\\"k8s.gcr.io/pause:3.9\\\": registry k8s.gcr.io is discouraged ($hint)\"]" \
    '{"warned":"container \"app\": registry k8s.gcr.io is discouraged"}'
}

@test "rollout: a mirror rewrite is recorded in the audit trail" {
  evaluate_image nginx:1.27 '{"registries": {"allow": ["harbor.corp.example"]}, "mirrors": [{"from": "docker.io", "to": "harbor.corp.example/dockerhub"}]}'
  assert_patch '[{"op":"replace","path":"/spec/containers/0/image","value":"harbor.corp.example/dockerhub/library/nginx:1.27"}]'
  [ "$(jq -c .auditAnnotations <<<"$output")" = '{"rewritten":"container \"app\": nginx:1.27 -> harbor.corp.example/dockerhub/library/nginx:1.27"}' ] || { echo "$output"; return 1; }
}

@test "rollout: the example policy's settings load and warn as written" {
  local settings
  settings="$(python3 -c 'import json, yaml; print(json.dumps(yaml.safe_load(open("examples/rollout-policy.yaml"))["spec"]["settings"]))')"
  evaluate_image docker.io/library/busybox:1.36 "$settings"
  assert_told null '{"exempted":"container \"app\": docker.io/library/busybox:1.36"}'
  evaluate_image quay.io/x/app:1 "$settings"
  assert_told '["would be refused: container \"app\" image \"quay.io/x/app:1\": registries not allowed: quay.io (Registry policy: https://wiki.corp.example/registries, #platform-help)"]' \
    '{"warned":"container \"app\": would be refused"}'
}

@test "invalid settings: a warn entry the allow list refuses could never warn" {
  evaluate_image k8s.gcr.io/pause:3.9 '{"registries": {"allow": ["registry.corp.example"], "warn": ["k8s.gcr.io"]}}'
  assert_invalid_settings 'registries.warn[0] "k8s.gcr.io": registries.allow refuses every image there, so it could never warn: add it to registries.allow too'
}

# --- Mirrors (mutation) ------------------------------------------------------------

MIRRORS='"mirrors": [{"from": "docker.io", "to": "harbor.corp.example/dockerhub"}, {"from": "ghcr.io/acme", "to": "harbor.corp.example/acme"}]'


@test "mirrors: a Pod's Docker Hub image is rewritten, only its image field is patched" {
  evaluate test_data/pod_creation.json "{\"registries\": {\"allow\": [\"harbor.corp.example\", \"registry.corp.example\"]}, $MIRRORS}"
  assert_patch '[{"op":"replace","path":"/spec/containers/0/image","value":"harbor.corp.example/dockerhub/library/nginx:1.27.0"},{"op":"replace","path":"/spec/containers/1/image","value":"harbor.corp.example/acme/log-agent:2.3.1"}]'
}

@test "mirrors: a Deployment's template images are rewritten, the most specific mirror wins" {
  evaluate test_data/deployment_creation.json "{\"registries\": {\"allow\": [\"harbor.corp.example\", \"registry.corp.example\"]}, $MIRRORS}"
  assert_patch '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"harbor.corp.example/acme/app:1.4.2"},{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"harbor.corp.example/dockerhub/library/nginx:1.27.0"}]'
}

@test "mirrors: digests are kept when rewriting" {
  evaluate test_data/pod_creation_digest.json "{\"registries\": {\"allow\": [\"harbor.corp.example\"]}, $MIRRORS}"
  assert_patch "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"harbor.corp.example/acme/app@$DIGEST\"}]"
}

@test "mirrors: nothing to rewrite is a plain accept without a patch" {
  evaluate test_data/podtemplate_creation.json "{\"registries\": {\"allow\": [\"ghcr.io/acme\", \"docker.io/library\", \"registry.corp.example\"]}, \"mirrors\": [{\"from\": \"quay.io\", \"to\": \"harbor.corp.example/quay\"}]}"
  assert_allowed
  [ "$(jq -r .patchType <<<"$output")" = null ]
}

@test "mirrors: a rewritten image is still judged by the rules" {
  evaluate_image nginx:1.27 "{\"registries\": {\"allow\": [\"ghcr.io\"]}, $MIRRORS}"
  assert_rejected 'container "app" image "nginx:1.27" (mirrored as "harbor.corp.example/dockerhub/library/nginx:1.27"): registries not allowed: harbor.corp.example'
}

@test "mirrors: an unchanged image on UPDATE is left alone, no patch churn" {
  evaluate test_data/pod_update.json "{\"registries\": {\"allow\": [\"harbor.corp.example\"]}, \"mirrors\": [{\"from\": \"quay.io\", \"to\": \"harbor.corp.example/quay\"}]}"
  assert_allowed
  [ "$(jq -r .patchType <<<"$output")" = null ]
}

@test "invalid settings: a mirror target that another mirror would rewrite again" {
  evaluate test_data/pod_creation.json '{"registries": {"allow": ["harbor.corp.example"]}, "mirrors": [{"from": "docker.io", "to": "harbor.corp.example/hub"}, {"from": "harbor.corp.example", "to": "registry.corp.example"}]}'
  assert_invalid_settings 'mirrors[0].to "harbor.corp.example/hub": images rewritten there would be rewritten again by mirrors[1].from "harbor.corp.example"'
}

# --- kwrunner scan: rendered manifests (issue 11) ------------------------------------
# `scan` is the runner's own command (kwctl has none), so these cases always
# run the runner: KWRUNNER, which `make e2e-tests` sets.

KWRUNNER="${KWRUNNER:-target/host/kwrunner}"
EVIL_BUSYBOX='container "shell" image "docker.io.evil.example/library/busybox:1.36": registries not allowed: docker.io.evil.example'

# scan ARGS...: kwrunner scan with the example settings and the policy.
scan() {
  run --separate-stderr "$KWRUNNER" scan --settings-path examples/settings.yaml "$@" "$POLICY"
}

# assert_lines EXIT LINE...: that exit status and exactly these lines on stdout.
assert_lines() {
  local want_status="$1"
  shift
  [ "$status" -eq "$want_status" ] || { echo "exit $status, wanted $want_status: $output $stderr"; return 1; }
  local want
  want="$(printf '%s\n' "$@")"
  [ "$output" = "$want" ] || { printf 'got:\n%s\nwanted:\n%s\n' "$output" "$want"; return 1; }
}

# xml_well_formed FILE: parsed by a real XML parser.
xml_well_formed() {
  if command -v python3 >/dev/null; then
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$1"
  elif command -v xmllint >/dev/null; then
    xmllint --noout "$1"
  else
    echo "need python3 or xmllint to check the JUnit XML"
    return 1
  fi
}

@test "scan: a multi-document file, admitted Deployment and Service, refused Pod at its line" {
  scan -f test_data/scan/app.yaml
  assert_lines 1 \
    "test_data/scan/app.yaml:39: Pod default/debug: $EVIL_BUSYBOX" \
    "scanned 3 objects: 2 admitted, 1 refused, 0 mutated"
  scan -o json -f test_data/scan/app.yaml
  [ "$(jq -r '.results[] | "\(.line) \(.kind) \(.namespace)/\(.name) \(.result)"' <<<"$output")" = \
    "$(printf '%s\n' '5 Deployment shop/web admitted' '27 Service shop/web admitted' '39 Pod default/debug refused')" ]
}

@test "scan: a directory, recursively, only .yaml .yml .json files" {
  scan -f test_data/scan/dir
  assert_lines 1 \
    'test_data/scan/dir/nested/cronjob.json:1: CronJob ops/report: container "report" image "quay.io/acme/report:1.0": registries not allowed: quay.io' \
    "scanned 3 objects: 2 admitted, 1 refused, 0 mutated"
}

@test "scan: stdin, as from helm template" {
  scan -f - <test_data/scan/app.yaml
  assert_lines 1 \
    "<stdin>:39: Pod default/debug: $EVIL_BUSYBOX" \
    "scanned 3 objects: 2 admitted, 1 refused, 0 mutated"
}

@test "scan: several -f, nothing refused exits 0" {
  scan -f test_data/scan/dir/configmap.yml -f test_data/scan/dir/statefulset.yaml
  assert_lines 0 "scanned 2 objects: 2 admitted, 0 refused, 0 mutated"
}

@test "scan: the items of a List, each judged" {
  scan -f test_data/scan/list.yaml
  assert_lines 1 \
    'test_data/scan/list.yaml:2: Pod shop/scratch (items[1]): container "scratch" image "busybox": tags not allowed: latest' \
    "scanned 2 objects: 1 admitted, 1 refused, 0 mutated"
}

@test "scan: a mirror rewrite is shown as mutated, with the images it rewrites" {
  run --separate-stderr "$KWRUNNER" scan --settings-path test_data/scan/mirror-settings.yaml \
    -f test_data/scan/app.yaml "$POLICY"
  assert_lines 1 \
    "test_data/scan/app.yaml:5: Deployment shop/web: mutated: nginx:1.27.0 -> harbor.corp.example/dockerhub/library/nginx:1.27.0" \
    "test_data/scan/app.yaml:39: Pod default/debug: $EVIL_BUSYBOX" \
    "scanned 3 objects: 1 admitted, 1 refused, 1 mutated"
  run --separate-stderr "$KWRUNNER" scan --settings-path test_data/scan/mirror-settings.yaml \
    -f test_data/scan/dir/statefulset.yaml "$POLICY"
  assert_lines 0 \
    "test_data/scan/dir/statefulset.yaml:1: StatefulSet default/db: mutated: postgres:16.4 -> harbor.corp.example/dockerhub/library/postgres:16.4" \
    "scanned 1 object: 0 admitted, 0 refused, 1 mutated"
}

@test "scan: --output json, one record per object" {
  scan -o json -f test_data/scan/app.yaml -f test_data/scan/list.yaml
  [ "$status" -eq 1 ] || { echo "exit $status: $stderr"; return 1; }
  [ "$(jq -c '.summary | [.scanned, .admitted, .refused, .mutated, .errors]' <<<"$output")" = '[5,3,2,0,0]' ]
  [ "$(jq -r '.results | length' <<<"$output")" = 5 ]
  [ "$(jq -r '.results[2].message' <<<"$output")" = "$EVIL_BUSYBOX" ]
  [ "$(jq -c '.results[4] | [.file, .line, .item, .kind, .name, .result]' <<<"$output")" = \
    '["test_data/scan/list.yaml",2,1,"Pod","scratch","refused"]' ]
}

@test "scan: --output junit is well-formed XML, a test case per object, a failure per refusal" {
  local xml="$BATS_TEST_TMPDIR/scan.xml"
  scan -o junit -f test_data/scan/app.yaml -f test_data/scan/junit-escaping.yaml
  [ "$status" -eq 1 ] || { echo "exit $status: $stderr"; return 1; }
  printf '%s\n' "$output" >"$xml"
  xml_well_formed "$xml"
  # What a JUnit reader sees: counts, names, and the unescaped message.
  run python3 - "$xml" <<'PY'
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
root = doc.documentElement
print(root.tagName, root.getAttribute("tests"), root.getAttribute("failures"), root.getAttribute("errors"))
for case in doc.getElementsByTagName("testcase"):
    failures = case.getElementsByTagName("failure")
    print(case.getAttribute("classname"), case.getAttribute("name"), "|",
          failures[0].getAttribute("message") if failures else "passed")
PY
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  # The escaped message reads back exactly as written here (not as the same
  # binary's JSON report gives it, which would hide a fault both share).
  local refusal
  refusal="container \"<main>\" image \"evil.example/it\\'s:1\": invalid reference format: invalid repository path component \"it\\'s\" (lowercase letters, digits and single separators only)"
  local want
  want="$(printf '%s\n' \
    'testsuites 4 2 0' \
    'test_data/scan/app.yaml line 5: Deployment shop/web | passed' \
    'test_data/scan/app.yaml line 27: Service shop/web | passed' \
    "test_data/scan/app.yaml line 39: Pod default/debug | $EVIL_BUSYBOX" \
    "test_data/scan/junit-escaping.yaml line 2: Pod x&y/a-b | $refusal")"
  [ "$output" = "$want" ] || { printf 'got:\n%s\nwanted:\n%s\n' "$output" "$want"; return 1; }
}

@test "scan: a YAML syntax error names file and line, exit 2, the other documents still judged" {
  scan -f test_data/scan/broken.yaml
  [ "$status" -eq 2 ] || { echo "exit $status: $output"; return 1; }
  [[ "${lines[0]}" == "test_data/scan/broken.yaml:14: error: YAML syntax error: "*"line 14"* ]] || { echo "$output"; return 1; }
  [ "${lines[1]}" = "test_data/scan/broken.yaml:17: error: no apiVersion: not a Kubernetes object" ]
  [ "${lines[2]}" = 'test_data/scan/broken.yaml:20: Pod default/last: container "app" image "evil.example/app:1": registries not allowed: evil.example' ]
  [ "${lines[3]}" = "scanned 2 objects: 1 admitted, 1 refused, 0 mutated, 2 errors" ]
  [ "${#lines[@]}" -eq 4 ]
}

@test "scan: invalid settings stop with kwctl's message, exit 2, nothing scanned" {
  run --separate-stderr "$KWRUNNER" scan --settings-json '{"registry": ["docker.io"]}' \
    -f test_data/scan/app.yaml "$POLICY"
  [ "$status" -eq 2 ] || { echo "exit $status: $output $stderr"; return 1; }
  [ -z "$output" ]
  [[ "$stderr" == "Error: Provided settings are not valid: "* ]] || { echo "stderr: $stderr"; return 1; }
}

@test "scan: the README's scan of examples/ (settings.yaml is no object: skipped, exit 1 for the refusals)" {
  scan -f examples/
  [ "$status" -eq 1 ] || { echo "exit $status: $output $stderr"; return 1; }
  [[ "$output" == *$'\nexamples/settings.yaml:7: skipped: not a Kubernetes object\n'* ]] || { echo "$output"; return 1; }
  [[ "${lines[-1]}" == "scanned "*", 2 refused, "*" skipped" ]] || { echo "$output"; return 1; }
}

@test "scan: a repository directory: Helm and Kustomize files and non-objects skipped, the manifests' exit code" {
  scan -f test_data/scan/repo
  assert_lines 1 \
    "test_data/scan/repo/chart/Chart.yaml: skipped: a Helm chart's Chart.yaml, not a manifest" \
    'test_data/scan/repo/chart/values-prod.yaml: skipped: Helm values, not a manifest' \
    'test_data/scan/repo/chart/values.yaml: skipped: Helm values, not a manifest' \
    'test_data/scan/repo/kustomization.yaml: skipped: a Kustomize kustomization, not a manifest' \
    'test_data/scan/repo/rendered.yaml:19: skipped: not a Kubernetes object' \
    "test_data/scan/repo/rendered.yaml:22: Pod shop/debug: $EVIL_BUSYBOX" \
    'test_data/scan/repo/settings.yaml:2: skipped: not a Kubernetes object' \
    'scanned 2 objects: 1 admitted, 1 refused, 0 mutated, 6 skipped'
  # Named with -f, the same file stays strict.
  scan -f test_data/scan/repo/settings.yaml
  assert_lines 2 \
    'test_data/scan/repo/settings.yaml:2: error: no apiVersion: not a Kubernetes object' \
    'scanned 0 objects: 0 admitted, 0 refused, 0 mutated, 1 error'
}

@test "scan: an unrendered Helm template says to render it first" {
  scan -f test_data/scan/chart/templates/service.yaml
  assert_lines 2 \
    'test_data/scan/chart/templates/service.yaml:1: error: looks like an unrendered Helm or Go template ({{ at line 1): render it first, e.g. `helm template ... | kwrunner scan -f -`' \
    'scanned 0 objects: 0 admitted, 0 refused, 0 mutated, 1 error'
}

@test "scan: 100,000-deep flow nesting is refused at once with its file and line" {
  local deep="$BATS_TEST_TMPDIR/deep.yaml"
  python3 -c 'import sys; n = 100000; sys.stdout.write("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: " + "[" * n + "]" * n + "\n")' >"$deep"
  # How long it takes is measured by make bench (kwbench's scan-input table).
  scan -f "$deep"
  assert_lines 2 \
    "$deep:4: error: YAML nested deeper than 128 levels at line 4: not read" \
    'scanned 0 objects: 0 admitted, 0 refused, 0 mutated, 1 error'
}

# A digest lookup that fails (the capability is not granted) with
# onPinFailure: admit: the policy admits with a warning.
PIN_OR_WARN='{"registries": {"allow": ["docker.io/library"]}, "pinDigests": true, "onPinFailure": "admit"}'
POSTGRES_WARNING="container \"postgres\" image \"postgres:16.4\": admitted unpinned, digest lookup failed: Policy has not been granted access to the 'oci/v1/manifest_digest' host capability. The violation has been reported."

# scan_warned ARGS...: the StatefulSet and the ConfigMap of test_data/scan/dir, the first warned.
scan_warned() {
  run --separate-stderr "$KWRUNNER" scan --settings-json "$PIN_OR_WARN" --allowed-host-capabilities 'kubernetes/*' \
    -f test_data/scan/dir/statefulset.yaml -f test_data/scan/dir/configmap.yml "$@" "$POLICY"
}

@test "scan: warnings in text, counted, exit 0; exit 1 with --fail-on-warnings" {
  scan_warned
  assert_lines 0 \
    "test_data/scan/dir/statefulset.yaml:1: StatefulSet default/db: warning: $POSTGRES_WARNING" \
    'scanned 2 objects: 1 admitted, 0 refused, 0 mutated, 1 warned'
  scan_warned --fail-on-warnings
  assert_lines 1 \
    "test_data/scan/dir/statefulset.yaml:1: StatefulSet default/db: warning: $POSTGRES_WARNING" \
    'scanned 2 objects: 1 admitted, 0 refused, 0 mutated, 1 warned'
}

@test "scan: warnings in the JSON records and summary" {
  scan_warned -o json --fail-on-warnings
  [ "$status" -eq 1 ] || { echo "exit $status: $output $stderr"; return 1; }
  [ "$(jq -c '.summary | [.scanned, .admitted, .warned, .skipped, .errors]' <<<"$output")" = '[2,1,1,0,0]' ]
  [ "$(jq -r '.results[0].result' <<<"$output")" = warned ]
  [ "$(jq -r '.results[0].warnings[0]' <<<"$output")" = "$POSTGRES_WARNING" ]
  [ "$(jq -c '.results[1].warnings' <<<"$output")" = '[]' ]
}

@test "scan: JUnit: warnings pass in system-out, skips are skipped, every case and suite has a time" {
  local xml="$BATS_TEST_TMPDIR/warned.xml"
  scan_warned -o junit -f test_data/scan/repo
  [ "$status" -eq 1 ] || { echo "exit $status: $stderr"; return 1; }
  printf '%s\n' "$output" >"$xml"
  xml_well_formed "$xml"
  run python3 - "$xml" <<'PY'
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
root = doc.documentElement
print(root.getAttribute("tests"), root.getAttribute("failures"), root.getAttribute("skipped"))
for element in doc.getElementsByTagName("testsuite") + doc.getElementsByTagName("testcase"):
    float(element.getAttribute("time"))  # seconds, a number
out = [o.firstChild.data for o in doc.getElementsByTagName("system-out")]
print(out[0])
print(len(doc.getElementsByTagName("skipped")))
PY
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  [ "${lines[0]}" = "10 1 6" ]
  [ "${lines[1]}" = "warning: $POSTGRES_WARNING" ]
  [ "${lines[2]}" = 6 ]
}
