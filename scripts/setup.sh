#!/usr/bin/env bash
# Installs the Debian packages Hearth needs (only those missing), then configures and builds it
# into ./build (or $HEARTH_BUILD_DIR). Safe to run again: a second run only rebuilds what changed.
#   ./scripts/setup.sh          everything: the programs, the tests and the packages they use
#   ./scripts/setup.sh --demo   only what scripts/demo.sh runs: the CMake target hearth_demo (the
#                               programs and the demo's 10 plugins) and the packages it needs, no
#                               test tools; `cmake --build build --target hearth_programs` adds
#                               the other built-in plugins and the plugin template
#   ./scripts/setup.sh --packages   every package, and no build (CI prepares a root with it)
# The same package names serve Debian 12 (LibTorch 1.13) and Debian 13 (LibTorch 2.6).
# Packages for the tests only: python3-torch and python3-onnx open every export with Python's own
# tools (and `hearth export --format onnx` runs PyTorch's Python exporter); parallel and
# python3-optuna run the sweep recipes of docs/sweeps.md for real; chromium, chromium-driver and
# python3-selenium drive the studio's real-browser tests; python3-torchvision compares
# [[transforms]] with torchvision's; openmpi-bin and iproute2 start ranks by mpirun and in network
# namespaces; protobuf-compiler and python3-protobuf decode TensorBoard files with TensorBoard's own
# field numbers (tests/python/tensorboard_subset.proto). libcpp-httplib-dev is the studio's HTTP server; libturbojpeg0-dev and libspng-dev
# the image datasets' decoders.
set -euo pipefail
cd "$(dirname "$0")/.."

demo=false
do_build=true
case "${1:-}" in
  --demo) demo=true ;;
  --packages) do_build=false ;;
  "") ;;
  *) echo "usage: $0 [--demo | --packages]" >&2; exit 2 ;;
esac

packages=(
  g++ clang make cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-openmp libboost-dev libtomlplusplus-dev libspdlog-dev
  libcairo2-dev libgraphviz-dev fonts-dejavu-core libxml2-dev catch2 libcli11-dev nlohmann-json3-dev
  libarchive-dev libsodium-dev zlib1g-dev libjpeg-dev libturbojpeg0-dev libspng-dev dataset-fashion-mnist
  libgloo-dev libcpp-httplib-dev
)
$demo || packages+=(
  openmpi-bin iproute2 parallel gfortran
  python3-torch python3-onnx python3-optuna
  chromium chromium-driver python3-selenium python3-torchvision
  protobuf-compiler python3-protobuf
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

$do_build || exit 0
build=${HEARTH_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
# A new build folder gets Clang: LibTorch's templates are instantiated once in its precompiled
# header instead of again in every file, which halves a plugin's build (docs/install.md). A folder
# configured before keeps its compiler, and CC/CXX choose another.
compilers=()
if [ ! -f "$build/CMakeCache.txt" ] && [ -z "${CXX:-}" ] && command -v clang++ >/dev/null; then
  compilers=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${compilers[@]}"
if $demo; then
  cmake --build "$build" -j "$jobs" --target hearth_demo
else
  cmake --build "$build" -j "$jobs"
fi
