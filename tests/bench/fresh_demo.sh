#!/usr/bin/env bash
# How long a new user waits on a fresh Debian 12 machine for `./scripts/demo.sh` to show its
# trained run (issue 28's target: 15 minutes on 2 cores): a Debian 12 minbase root (made once with
# debootstrap, like a freshly installed machine: nothing of Hearth's installed), a clean clone of
# this checkout's HEAD in it, then `./scripts/demo.sh` timed from the first apt-get to the last
# picture, with ccache off (a new machine has none). The root is copied afresh for every run, so
# each run installs every package again. Needs root (debootstrap, chroot, mounts) and the network.
#   sudo tests/bench/fresh_demo.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd -P)
base=${HEARTH_DEBIAN12_ROOT:-/var/cache/hearth-ci/debian12-minbase}
mirror=${HEARTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "error: needs root (debootstrap, chroot, mount)" >&2; exit 1; }

if [ ! -f "$base/etc/debian_version" ]; then
  echo "Making a Debian 12 minbase root in $base (once)"
  rm -rf "$base.partial"
  debootstrap --variant=minbase bookworm "$base.partial" "$mirror" > "$base.log" 2>&1 ||
    { tail -n 20 "$base.log" >&2; echo "error: debootstrap failed (log: $base.log)" >&2; exit 1; }
  mv "$base.partial" "$base"
fi

work=$(mktemp -d /var/tmp/hearth-fresh-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -a "$base" "$work/root"
git clone -q "$repo" "$work/root/home/hearth"
cp -L /etc/resolv.conf "$work/root/etc/resolv.conf"
# git and sudo are what a new user has to fetch the checkout and run the script as root: the
# clone is made outside, and the script runs as root, so neither is needed inside.
start=$(date +%s)
unshare --mount --propagation private -- /bin/bash -euo pipefail -c '
  root=$1
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
  exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive CCACHE_DISABLE=1 /bin/bash -c "cd /home/hearth && ./scripts/demo.sh"' \
  _ "$work/root" > "$work/demo.log" 2>&1 || { tail -n 40 "$work/demo.log" >&2; echo "error: the demo failed" >&2; exit 1; }
end=$(date +%s)
grep -E "^== |Pictures to open|metrics.png" "$work/demo.log" | head -20
echo "fresh Debian 12 machine to the demo's pictures: $(( (end - start) / 60 )) min $(( (end - start) % 60 )) s on $(nproc) cores"
