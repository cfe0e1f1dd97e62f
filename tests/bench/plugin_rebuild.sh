#!/usr/bin/env bash
# How long a one-file change to a built-in plugin takes to rebuild (issue 28's target: 15 s on 2
# cores): each source file that plugins/CMakeLists.txt gives a built-in plugin is touched, then its
# target rebuilt with ccache off (an edit misses the cache; a touch alone would hit it), the compile
# and the link timed together. Prints "target file seconds" per file, then the mean and the
# slowest. Run it on a build folder that is up to date and an otherwise idle machine.
#   tests/bench/plugin_rebuild.sh [BUILD_DIR=build]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
ninja -C "$build" >/dev/null
grep -E '^hearth_builtin_plugin\(' plugins/CMakeLists.txt |
  sed -E 's/hearth_builtin_plugin\(([a-z_]+) [a-z]+ "?([^ )"]+)"?\).*/\1 \2/' |
  while read -r name files; do
    for file in ${files//;/ }; do
      touch "plugins/$file"
      start=$(date +%s.%N)
      CCACHE_DISABLE=1 ninja -C "$build" "hearth_$name" >/dev/null
      awk -v n="$name" -v f="$file" -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%s %s %.1f\n", n, f, b - a }'
    done
  done | tee /dev/stderr |
  awk '{ n++; sum += $3; if ($3 > max) { max = $3; slowest = $2 } }
       END { printf "%d files: mean %.1f s, slowest %s %.1f s\n", n, sum / n, slowest, max }'
