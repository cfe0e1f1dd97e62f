#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
build=${HEARTH_BUILD_DIR:-build}
. /etc/os-release
echo "== Tests on ${PRETTY_NAME:-this system}: $("$build/bin/hearth" --version | tr '\n' ' ')"
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
