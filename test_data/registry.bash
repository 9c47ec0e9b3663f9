# Local OCI registries for the digest pinning e2e tests (e2e-pin.bats).
#
# Source it, then:
#   registry_start NAME          start Debian's docker-registry on a free
#                                127.0.0.1 port, storage and log in $REGISTRY_WORK;
#                                sets NAME_HOST (127.0.0.1:PORT), NAME_PID, NAME_LOG
#   registry_stop NAME           stop it (its log stays in $REGISTRY_WORK)
#   push_image HOST REPO TAG SEED
#                                push an OCI image manifest with one config and
#                                one layer blob made from SEED, as HOST/REPO:TAG
#                                (pushing again with another SEED re-points the
#                                tag); prints the manifest digest the registry gave
#   registry_digest HOST REPO TAG
#                                the Docker-Content-Digest of a HEAD of the manifest
#   registry_requests NAME [PATH]
#                                how many requests not made by curl the registry
#                                logged (for exactly PATH when given); fails when
#                                the log is missing or has no request line
#
# Needs /usr/bin/docker-registry (package docker-registry), curl, sha256sum.
# The images are pushed with curl over the distribution HTTP API, so the tests
# depend on no other client.

REGISTRY_BIN="${REGISTRY_BIN:-/usr/bin/docker-registry}"
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_CONFIG=application/vnd.oci.image.config.v1+json
OCI_LAYER=application/vnd.oci.image.layer.v1.tar

# A port nothing listens on. The registry may still lose a race for it, so
# starting is retried with another port.
registry_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# registry_start NAME
registry_start() {
  local name=$1 attempt port pid dir log
  : "${REGISTRY_WORK:?set REGISTRY_WORK to a scratch directory}"
  dir="$REGISTRY_WORK/$name"
  log="$dir/registry.log"
  mkdir -p "$dir/storage"
  for attempt in 1 2 3 4 5; do
    port=$(registry_free_port) || return 1
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
    "$REGISTRY_BIN" serve "$dir/config.yml" >>"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      if curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then
        printf -v "${name}_HOST" '%s' "127.0.0.1:$port"
        printf -v "${name}_PID" '%s' "$pid"
        printf -v "${name}_LOG" '%s' "$log"
        export "${name}_HOST" "${name}_PID" "${name}_LOG"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "registry $name did not start on port $port (attempt $attempt), retrying" >&2
  done
  echo "cannot start $REGISTRY_BIN; its log:" >&2
  cat "$log" >&2
  return 1
}

# registry_stop NAME
registry_stop() {
  local pid_var="${1}_PID"
  local pid="${!pid_var:-}"
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

# sha256:<hex> of a file.
registry_sha256() {
  echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"
}

# push_blob HOST REPO FILE: monolithic upload (POST, then PUT with the digest).
push_blob() {
  local host=$1 repo=$2 file=$3 digest location
  digest=$(registry_sha256 "$file")
  location=$(curl -fsS -X POST -D - -o /dev/null "http://$host/v2/$repo/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  [ -n "$location" ] || { echo "no upload location from $host" >&2; return 1; }
  case "$location" in
    http*) ;;
    *) location="http://$host$location" ;;
  esac
  case "$location" in
    *\?*) location="$location&digest=$digest" ;;
    *) location="$location?digest=$digest" ;;
  esac
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary "@$file" "$location" -o /dev/null
}

# push_image HOST REPO TAG SEED
push_image() {
  local host=$1 repo=$2 tag=$3 seed=$4 dir config layer manifest pushed
  dir=$(mktemp -d "$REGISTRY_WORK/image.XXXXXX")
  config="$dir/config.json"
  layer="$dir/layer.tar"
  manifest="$dir/manifest.json"
  printf '{"architecture":"amd64","os":"linux","config":{"Labels":{"seed":"%s"}},"rootfs":{"type":"layers","diff_ids":[]}}' \
    "$seed" >"$config"
  mkdir -p "$dir/root"
  printf 'image %s\n' "$seed" >"$dir/root/seed.txt"
  tar -C "$dir/root" --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$layer" seed.txt
  push_blob "$host" "$repo" "$config" || return 1
  push_blob "$host" "$repo" "$layer" || return 1
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%d},"layers":[{"mediaType":"%s","digest":"%s","size":%d}]}' \
    "$OCI_MANIFEST" "$OCI_CONFIG" "$(registry_sha256 "$config")" "$(stat -c %s "$config")" \
    "$OCI_LAYER" "$(registry_sha256 "$layer")" "$(stat -c %s "$layer")" >"$manifest"
  pushed=$(curl -fsS -X PUT -H "Content-Type: $OCI_MANIFEST" --data-binary "@$manifest" \
    -D - -o /dev/null "http://$host/v2/$repo/manifests/$tag" |
    tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
  # The registry names the manifest by the hash of the bytes sent.
  [ "$pushed" = "$(registry_sha256 "$manifest")" ] ||
    { echo "registry digest '$pushed' is not the manifest's $(registry_sha256 "$manifest")" >&2; return 1; }
  echo "$pushed"
}

# registry_digest HOST REPO TAG
registry_digest() {
  curl -fsS -I -H "Accept: $OCI_MANIFEST" "http://$1/v2/$2/manifests/$3" |
    tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'
}

# registry_requests NAME [PATH]: requests in the registry's access log made by
# anything but curl (that is, by the runner under test); with PATH, only the
# requests for exactly that path (/v2/acme/app/manifests/1.0).
#
# Every "no request was made" check rests on this count, so it fails (printing
# nothing) instead of counting 0 when the log is missing or holds no request
# line at all: registry_start's readiness check, made with curl, always logs
# one, so a log without any means the log moved or its format changed.
registry_requests() {
  local log_var="${1}_LOG"
  local log="${!log_var:-}"
  [ -n "$log" ] && [ -f "$log" ] ||
    { echo "registry_requests $1: no access log at '$log'" >&2; return 1; }
  # An access log line: ... "GET /v2/acme/app/manifests/1.0 HTTP/1.1" 200 ... "curl/8.5.0"
  awk -v path="${2:-}" -v file="$log" '
    match($0, /"[A-Z]+ \/v2\/[^" ]* HTTP\//) {
      requests++
      split(substr($0, RSTART + 1, RLENGTH - 1), request, " ")
      if ((path == "" || request[2] == path) && $0 !~ /"curl\//) runner++
    }
    END {
      if (!requests) {
        print "registry_requests: no request line in " file ": has its format changed?" > "/dev/stderr"
        exit 1
      }
      print runner + 0
    }' "$log"
}
