#!/usr/bin/env bash
# Regenerates the generated part of docs/jobs.md from the schemas of the host and the built-ins.
# A test (docs_test.cpp) fails when docs/jobs.md is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
generated=$(cd "$tmp" && env -u HEARTH_PLUGIN_PATH HEARTH_CACHE_DIR="$tmp/cache" XDG_DATA_HOME="$tmp/data" \
  "$OLDPWD/build/bin/hearth" plugins --markdown)
python3 - "$generated" <<'PY'
import sys
path = "docs/jobs.md"
text = open(path).read()
begin, end = "<!-- generated:begin -->\n", "<!-- generated:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + "\n" + sys.argv[1] + "\n\n" + end + tail)
PY
echo "docs/jobs.md updated"
