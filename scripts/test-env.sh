#!/usr/bin/env bash
# Starts what the engine tests need, or stops it again:
#   scripts/test-env.sh run -- <command>   # start, run the command with the variables set, stop
#   source scripts/test-env.sh start       # exports DOCKER_HOST and DOCKWRIGHT_TEST_*
#   scripts/test-env.sh stop
# A Docker Engine (dockerd, no bridge network, its own socket and data folder), a busybox base
# image imported under a test-only name, a registry on 127.0.0.1:5000 holding that image too, and
# a BuildKit daemon (buildkitd, installed from ../shared/buildkit when it is not on the PATH; runc
# from Debian) that pulls from and pushes to that registry. Needs root.
# Nothing can be pulled here: a private resolv.conf makes any accidental pull fail at once.

DOCKWRIGHT_TEST_ROOT="${DOCKWRIGHT_TEST_ROOT:-/tmp/dockwright-test-env}"
DOCKWRIGHT_TEST_IMAGE="dockwright-test/busybox:1"
DOCKWRIGHT_TEST_REGISTRY="127.0.0.1:5000"
# BuildKit v0.21.1 for this machine, where the project's checkout sits beside it (see its README).
DOCKWRIGHT_BUILDKIT_TARBALL="${DOCKWRIGHT_BUILDKIT_TARBALL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/../shared/buildkit/buildkit-v0.21.1.linux-amd64.tar.xz}"

_dw_log() { printf 'test-env: %s\n' "$*" >&2; }

_dw_install() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v curl >/dev/null || missing+=(curl)
  command -v ssh-agent >/dev/null || missing+=(openssh-client)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v runc >/dev/null || missing+=(runc)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v xz >/dev/null || missing+=(xz-utils)
  command -v tmux >/dev/null || missing+=(tmux) # the live view's test draws in a real terminal
  if [ ${#missing[@]} -gt 0 ]; then
    _dw_log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! command -v buildkitd >/dev/null || ! command -v buildctl >/dev/null; then
    if [ ! -f "$DOCKWRIGHT_BUILDKIT_TARBALL" ]; then
      _dw_log "no buildkitd on the PATH and no $DOCKWRIGHT_BUILDKIT_TARBALL"
      return 1
    fi
    _dw_log "installing buildkitd and buildctl from $DOCKWRIGHT_BUILDKIT_TARBALL"
    tar -xJf "$DOCKWRIGHT_BUILDKIT_TARBALL" -C /usr/local/bin buildkitd buildctl || return 1
  fi
}

# Starts a buildkitd with its own root and socket: _dw_buildkitd <dir> (it writes <dir>/buildkitd.sock).
_dw_buildkitd() {
  local dir="$1"
  mkdir -p "$dir/root"
  cat > "$dir/buildkitd.toml" <<TOML
[registry."$DOCKWRIGHT_TEST_REGISTRY"]
  http = true
  insecure = true
TOML
  nohup buildkitd --root "$dir/root" --addr "unix://$dir/buildkitd.sock" --otel-socket-path "$dir/otel.sock" --oci-worker-net host \
    --containerd-worker=false --config "$dir/buildkitd.toml" >"$dir/buildkitd.log" 2>&1 &
  echo $! > "$dir/buildkitd.pid"
  _dw_wait "buildctl --addr unix://$dir/buildkitd.sock debug workers" buildkitd 60 || { tail -20 "$dir/buildkitd.log" >&2; return 1; }
}

_dw_wait() { # command, what, seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if eval "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  _dw_log "$2 did not come up within $3 s"
  return 1
}

_dw_start() {
  _dw_install || return 1
  local root="$DOCKWRIGHT_TEST_ROOT"
  mkdir -p "$root/data" "$root/exec" "$root/registry"
  export DOCKER_HOST="unix://$root/docker.sock"
  if ! docker version >/dev/null 2>&1; then
    echo 'nameserver 127.0.0.1' > "$root/resolv.conf"
    _dw_log "starting dockerd on $DOCKER_HOST"
    nohup unshare --mount --propagation private sh -c "mount --bind '$root/resolv.conf' /etc/resolv.conf && exec dockerd \
      --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
      --data-root '$root/data' --exec-root '$root/exec' --pidfile '$root/dockerd.pid' \
      -H '$DOCKER_HOST'" >"$root/dockerd.log" 2>&1 &
    _dw_wait "docker version" dockerd 60 || { tail -20 "$root/dockerd.log" >&2; return 1; }
  fi
  if ! docker image inspect "$DOCKWRIGHT_TEST_IMAGE" >/dev/null 2>&1; then
    _dw_log "importing $DOCKWRIGHT_TEST_IMAGE from busybox-static"
    local rootfs="$root/rootfs"
    rm -rf "$rootfs" && mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
    cp /bin/busybox "$rootfs/bin/busybox"
    local applet
    for applet in $(/bin/busybox --list); do
      [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
    echo 'root:x:0:' > "$rootfs/etc/group"
    tar -C "$rootfs" -c . | docker import --change 'ENV PATH=/bin' - "$DOCKWRIGHT_TEST_IMAGE" >/dev/null || return 1
  fi
  if ! curl -fsS "http://$DOCKWRIGHT_TEST_REGISTRY/v2/" >/dev/null 2>&1; then
    _dw_log "starting a registry on $DOCKWRIGHT_TEST_REGISTRY"
    cat > "$root/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $root/registry
http:
  addr: $DOCKWRIGHT_TEST_REGISTRY
YML
    nohup docker-registry serve "$root/registry.yml" >"$root/registry.log" 2>&1 &
    echo $! > "$root/registry.pid"
    _dw_wait "curl -fsS http://$DOCKWRIGHT_TEST_REGISTRY/v2/" registry 30 || { tail -20 "$root/registry.log" >&2; return 1; }
  fi
  # BuildKit pulls its bases from the registry: the same busybox, under the same name.
  local repo="${DOCKWRIGHT_TEST_IMAGE%:*}" tag="${DOCKWRIGHT_TEST_IMAGE##*:}"
  if ! curl -fsSI -H "Accept: application/vnd.docker.distribution.manifest.v2+json" "http://$DOCKWRIGHT_TEST_REGISTRY/v2/$repo/manifests/$tag" >/dev/null 2>&1; then
    _dw_log "pushing $DOCKWRIGHT_TEST_IMAGE to $DOCKWRIGHT_TEST_REGISTRY"
    docker tag "$DOCKWRIGHT_TEST_IMAGE" "$DOCKWRIGHT_TEST_REGISTRY/$DOCKWRIGHT_TEST_IMAGE" &&
      docker push -q "$DOCKWRIGHT_TEST_REGISTRY/$DOCKWRIGHT_TEST_IMAGE" >/dev/null || return 1
  fi
  DOCKWRIGHT_TEST_BUILDKIT="unix://$root/buildkit/buildkitd.sock"
  if ! buildctl --addr "$DOCKWRIGHT_TEST_BUILDKIT" debug workers >/dev/null 2>&1; then
    _dw_log "starting buildkitd on $DOCKWRIGHT_TEST_BUILDKIT"
    _dw_buildkitd "$root/buildkit" || return 1
  fi
  export DOCKWRIGHT_TEST_IMAGE DOCKWRIGHT_TEST_REGISTRY DOCKWRIGHT_TEST_BUILDKIT
  _dw_log "ready: DOCKER_HOST=$DOCKER_HOST, base image $DOCKWRIGHT_TEST_IMAGE, registry $DOCKWRIGHT_TEST_REGISTRY, BuildKit $DOCKWRIGHT_TEST_BUILDKIT"
}

_dw_stop() {
  local root="$DOCKWRIGHT_TEST_ROOT" pid
  for pid in "$root/buildkit/buildkitd.pid" "$root/registry.pid" "$root/dockerd.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null
  done
  _dw_wait "! pgrep -f 'dockerd.*$root' " "dockerd stop" 30 || pkill -9 -f "dockerd.*$root"
  _dw_log "stopped"
}

# Runs a command with the environment up, and takes it down afterwards whatever happens.
# Without root (or without the packages) the command runs anyway: the engine tests then skip
# with a message, except under CI=true, where they fail.
_dw_run() {
  local started=0 status
  if DOCKER_HOST="unix://$DOCKWRIGHT_TEST_ROOT/docker.sock" docker version >/dev/null 2>&1; then
    _dw_start # already up (someone started it by hand): use it, leave it running
  elif [ "$(id -u)" = 0 ] && _dw_start; then
    started=1
  else
    _dw_log "no test engine: the tests that need one will $([ -n "${CI:-}" ] && echo fail || echo skip)"
  fi
  "$@"
  status=$?
  [ "$started" = 1 ] && _dw_stop
  return $status
}

case "${1:-}" in
  start) _dw_start ;;
  stop) _dw_stop ;;
  run) shift; [ "${1:-}" = -- ] && shift; _dw_run "$@" ;;
  *) echo "usage: scripts/test-env.sh run -- <command> | source scripts/test-env.sh start | scripts/test-env.sh stop" >&2; false ;;
esac
