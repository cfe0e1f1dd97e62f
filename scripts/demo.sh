#!/usr/bin/env bash
# Sets everything up, then shows what Hearth can find: the plugin list and one module's details.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo
echo "== hearth --version"
build/bin/hearth --version
echo
echo "== hearth plugins"
build/bin/hearth plugins
echo
echo "== hearth plugins describe mlp"
build/bin/hearth plugins describe mlp
