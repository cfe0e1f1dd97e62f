#!/usr/bin/env bash
# Installs the Debian packages Hearth needs (only those missing), then configures and builds it
# into ./build (or $HEARTH_BUILD_DIR). Safe to run again: a second run only rebuilds what changed.
# The same package names serve Debian 12 (LibTorch 1.13) and Debian 13 (LibTorch 2.6). python3-torch
# and python3-onnx: `hearth export --format onnx` runs PyTorch's Python exporter, and the tests open
# every export with Python's own tools. parallel and python3-optuna: the tests run the sweep
# recipes of docs/sweeps.md (GNU parallel, an Optuna study) for real. libcpp-httplib-dev: the
# studio's HTTP server; chromium, chromium-driver and python3-selenium: its real-browser tests.
# libturbojpeg0-dev and libspng-dev: the image datasets' decoders; python3-torchvision: the tests
# compare [[transforms]] with torchvision's, and tests/bench measures against its ImageFolder.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ make cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-openmp libboost-dev libtomlplusplus-dev libspdlog-dev
  libcairo2-dev libgraphviz-dev fonts-dejavu-core libxml2-dev catch2 libcli11-dev nlohmann-json3-dev
  libarchive-dev libsodium-dev zlib1g-dev libjpeg-dev libturbojpeg0-dev libspng-dev dataset-fashion-mnist
  libgloo-dev openmpi-bin iproute2 parallel
  python3-torch python3-onnx python3-optuna
  libcpp-httplib-dev chromium chromium-driver python3-selenium python3-torchvision
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing missing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

build=${HEARTH_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"
