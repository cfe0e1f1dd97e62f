#!/usr/bin/env bash
# Sets everything up, shows what Hearth can find, then trains an MLP on Fashion-MNIST (a few
# minutes on two cores) into runs/fashion-mnist-mlp/<timestamp>/.
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
echo
echo "== hearth run assets/jobs/fashion-mnist-mlp.toml"
build/bin/hearth run assets/jobs/fashion-mnist-mlp.toml
