#!/usr/bin/env bash
# Run on a GPU machine from a checkout carrying .gpu/ (scripts/gpu/prepare.sh): unpacks the
# carried Debian libraries into .gpu/root (never into /), builds Hearth into build-gpu/ against
# the image's CUDA LibTorch (the one inside its PyTorch), and runs the stages named (default: all):
#   build        configure and build with every core
#   test         the whole CTest suite (the [cuda] tests run here instead of skipping)
#   tensorboard  TensorBoard's own EventAccumulator reads a GPU run's events; scalars = metrics.csv
#   bench        Hearth against a PyTorch eager loop and PyTorch Lightning (tests/bench/gpu_peers.py)
# Logs and report.md go to $OUT (the device tool's folder) or ./gpu-report.
set -uo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
out=${OUT:-$src/gpu-report}
mkdir -p "$out"
root=$src/.gpu/root
libdir=$root/usr/lib/x86_64-linux-gnu
build=$src/build-gpu
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(build test tensorboard bench)

note() { echo "$*" | tee -a "$out/report.md"; }
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

# The carried libraries, unpacked once. A carried runtime library whose soname the image already
# has is dropped (the image's newer copy serves), unless a carried -dev link points at it.
unpack() {
  [ -f "$root/.unpacked" ] && return 0
  [ -d .gpu/debs ] || { echo "error: no .gpu/debs: run scripts/gpu/prepare.sh on Debian 12 and carry .gpu" >&2; exit 1; }
  rm -rf "$root" && mkdir -p "$root"
  for deb in .gpu/debs/*.deb; do dpkg -x "$deb" "$root"; done
  tar -xzf .gpu/icu-headers.tar.gz -C "$root"
  local linked f soname
  linked=$(for l in "$libdir"/*.so; do readlink -f "$l"; done | sort -u)
  for f in "$libdir"/*.so.*; do
    [ -L "$f" ] && continue
    soname=$(objdump -p "$f" 2>/dev/null | awk '/SONAME/{print $2}')
    [ -n "$soname" ] || continue
    if ldconfig -p | grep -q "	$soname " && ! grep -qxF "$f" <<<"$linked"; then
      rm -f "$f" "$libdir/$soname"
      echo "$soname: the image's" >> "$root/libraries.txt"
    else
      echo "$soname: carried" >> "$root/libraries.txt"
    fi
  done
  # Only static linking reads private requirements, and their .pc files are not carried.
  for pc in "$libdir"/pkgconfig/*.pc "$root"/usr/share/pkgconfig/*.pc; do
    [ -f "$pc" ] && sed -i -e "s|=/usr\$|=$root/usr|" -e "s|=/usr/|=$root/usr/|" -e '/^Requires.private/d' -e '/^Libs.private/d' "$pc"
  done
  cp .gpu/config6a "$libdir/graphviz/config6a"
  printf '<?xml version="1.0"?>\n<fontconfig><dir>%s/usr/share/fonts</dir><cachedir>/tmp/hearth-fontconfig</cachedir></fontconfig>\n' \
    "$root" > "$root/fonts.conf"
  touch "$root/.unpacked"
}

environment() {
  torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
  export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export PKG_CONFIG_PATH=$libdir/pkgconfig:$root/usr/share/pkgconfig
  export CMAKE_PREFIX_PATH="$root/usr:$torch_prefix"
  export GVBINDIR=$libdir/graphviz FONTCONFIG_FILE=$root/fonts.conf
  # The jobs and tests read Fashion-MNIST where Debian's package puts it: a link, if it is absent.
  if [ ! -e /usr/share/datasets/fashion-mnist ]; then
    mkdir -p /usr/share/datasets && ln -s "$root/usr/share/datasets/fashion-mnist" /usr/share/datasets/fashion-mnist
  fi
}

stage_build() {
  local t0; t0=$(date +%s)
  # The system's GCC, whose libstdc++ is the one loaded at run time (an image may put another
  # compiler first through CC/CXX).
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
    -DCMAKE_C_COMPILER=/usr/bin/gcc -DCMAKE_CXX_COMPILER=/usr/bin/g++ \
    -DCUDAToolkit_ROOT=/usr/local/cuda -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc -DCMAKE_CUDA_ARCHITECTURES=90 \
    > "$out/configure.log" 2>&1 || { note "- configure: FAILED (configure.log)"; tail -30 "$out/configure.log"; return 1; }
  cmake --build "$build" -j "$(nproc)" > "$out/build.log" 2>&1 || { note "- build: FAILED (build.log)"; grep -m20 -B2 -A8 "error" "$out/build.log"; return 1; }
  note "- build: OK in $(elapsed "$t0") with $(nproc) cores; $(grep -E "LibTorch [0-9]|NCCL:|CUDA" "$out/configure.log" | tr '\n' ' ')"
}

stage_test() {
  local t0; t0=$(date +%s)
  ctest --test-dir "$build" -j 12 --timeout 600 --output-on-failure > "$out/ctest.log" 2>&1
  local rc=$?
  note "- test: $(grep -E "tests passed|tests failed" "$out/ctest.log") in $(elapsed "$t0")"
  grep -E "\*\*\*|Failed|Skipped" "$out/ctest.log" | grep -v "^\s*$" | head -40 | sed 's/^/    /' | tee -a "$out/report.md"
  note "  CUDA tests:"
  grep -E "Test +#[0-9]+: CUDA:" "$out/ctest.log" | sed -e 's/ \.\.\.*/:/' -e 's/^ */    /' | tee -a "$out/report.md"
  return $rc
}

stage_tensorboard() {
  local runs=$out/tb-runs
  rm -rf "$runs"
  "$build/bin/hearth" run assets/jobs/fashion-mnist-mlp.toml --runs-dir "$runs" --set train.epochs=3 \
    --set dataset.subsample=0.2 > "$out/tensorboard-run.log" 2>&1 || { note "- tensorboard: the run FAILED"; tail "$out/tensorboard-run.log"; return 1; }
  python3 scripts/gpu/tensorboard_check.py "$runs" 2>&1 | tee -a "$out/report.md"
  return "${PIPESTATUS[0]}"
}

stage_bench() {
  PYTHONUNBUFFERED=1 python3 tests/bench/gpu_peers.py --hearth "$build/bin/hearth" --rounds "${HEARTH_BENCH_ROUNDS:-2}" \
    2>&1 | tee "$out/bench.log" | tee -a "$out/report.md"
}

unpack
environment
note "## $(date -u +%F\ %H:%M) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null), $(python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda)')"
status=0
for s in "${stages[@]}"; do
  "stage_$s" || status=1
done
exit $status
