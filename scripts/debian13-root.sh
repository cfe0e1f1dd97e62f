#!/usr/bin/env bash
# Runs a command of this checkout inside a Debian 13 "trixie" root (LibTorch 2.6, GCC 14,
# Catch2 3), as a new user's fresh Debian 13 machine would run it. Usage:
#
#   scripts/debian13-root.sh [COMMAND [ARGS...]]     (default: ./scripts/test.sh)
#
# The root is made once with `debootstrap --variant=minbase trixie` under
# $HEARTH_DEBIAN13_ROOT (default /var/cache/hearth-ci/debian13) and kept between runs; when the
# package list of scripts/setup.sh changes, its package lists are refreshed and it is upgraded.
# The checkout is mounted at its own path inside, so build paths match; the build goes to
# build-debian13/ (build/ belongs to the machine itself); ccache's folder is shared with the
# machine's. Mounts live in a private mount namespace and vanish with it, even on SIGKILL.
# Needs root (debootstrap, chroot and mounts do).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd -P)

root=${HEARTH_DEBIAN13_ROOT:-/var/cache/hearth-ci/debian13}
mirror=${HEARTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
build_dir=${HEARTH_DEBIAN13_BUILD_DIR:-build-debian13}

fail() { echo "error: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "the Debian 13 root needs root (debootstrap, chroot, mount): run with sudo"

make_root() {
  if ! command -v debootstrap >/dev/null; then
    echo "Installing debootstrap"
    env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null ||
      fail "apt-get update failed: the Debian mirror is unreachable, so no Debian 13 root can be made"
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null ||
      fail "cannot install debootstrap (Debian's package), so no Debian 13 root can be made"
  fi
  echo "Making a Debian 13 root in $root with debootstrap from $mirror (a few minutes, once)"
  rm -rf "$root.partial"
  mkdir -p "$(dirname "$root")"
  local log="$root.debootstrap.log"
  if ! debootstrap --variant=minbase trixie "$root.partial" "$mirror" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "debootstrap of Debian 13 from $mirror failed (log: $log): the mirror is unreachable or refused, so the Debian 13 stack cannot run; this is a failure, not a skip. Check the network, or set HEARTH_DEBIAN_MIRROR to a reachable Debian mirror"
  fi
  mv "$root.partial" "$root"
}

# The package array of setup.sh: when it changes, the root's package lists are refreshed.
package_stamp() { sed -n '/packages=(/,/^)/p; /packages+=(/,/^)/p' scripts/setup.sh | sha256sum | cut -d' ' -f1; }

# Runs "$@" inside the root, in a private mount namespace.
in_root() {
  local ccache_dir
  ccache_dir=$(ccache -k cache_dir 2>/dev/null || echo /root/.cache/ccache)
  mkdir -p "$ccache_dir" "$root$repo" "$root$ccache_dir"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  unshare --mount --propagation private -- /bin/bash -euo pipefail -c '
    root=$1 repo=$2 ccache_dir=$3; shift 3
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
    mount --bind "$repo" "$root$repo"
    mount --bind "$ccache_dir" "$root$ccache_dir"
    exec chroot "$root" "$@"' _ "$root" "$repo" "$ccache_dir" \
    /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" DEBIAN_FRONTEND=noninteractive \
    CCACHE_DIR="$ccache_dir" HEARTH_BUILD_DIR="$build_dir" \
    /bin/bash -c 'cd "$0" && exec "$@"' "$repo" "$@"
}

# Never delete what this script did not make: a folder that is there but is no Debian root is
# the user's to remove.
if [ ! -e "$root" ]; then
  make_root
elif [ ! -f "$root/etc/debian_version" ] || [ ! -x "$root/usr/bin/apt-get" ]; then
  fail "$root exists but is not a complete Debian root: remove it and run again, or set HEARTH_DEBIAN13_ROOT"
fi
grep -q '^13\|^trixie' "$root/etc/debian_version" || fail "$root is not a Debian 13 root ($(cat "$root/etc/debian_version")): remove it and run again"

stamp=$(package_stamp)
if [ "$(cat "$root/.hearth-packages" 2>/dev/null)" != "$stamp" ]; then
  echo "scripts/setup.sh's package list changed: refreshing the Debian 13 root"
  in_root apt-get update -q || fail "apt-get update inside the Debian 13 root failed: its mirror (in $root/etc/apt/sources.list) is unreachable; check the network and run again"
  in_root apt-get -y -q dist-upgrade || fail "upgrading the Debian 13 root failed"
  echo "$stamp" >"$root/.hearth-packages"
fi

[ $# -gt 0 ] || set -- ./scripts/test.sh
in_root "$@"
