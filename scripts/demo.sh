#!/usr/bin/env bash
# Sets up what Hearth runs (no test tools: scripts/test.sh adds them), shows what Hearth can
# find, then trains an MLP on Fashion-MNIST (a minute on two cores) into
# assets/jobs/runs/fashion-mnist-mlp/<timestamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --demo
build=${HEARTH_BUILD_DIR:-build}
echo
echo "== hearth --version"
"$build/bin/hearth" --version
echo
echo "== hearth plugins"
"$build/bin/hearth" plugins
echo
echo "== hearth plugins describe mlp"
"$build/bin/hearth" plugins describe mlp
echo
echo "== hearth run assets/jobs/fashion-mnist-mlp.toml"
"$build/bin/hearth" run assets/jobs/fashion-mnist-mlp.toml
run=$(ls -d assets/jobs/runs/fashion-mnist-mlp/*/ | sort | tail -n 1)  # the run just trained
run=${run%/}
echo
echo "== hearth analyze assets/jobs/fashion-mnist-mlp.toml"
"$build/bin/hearth" analyze assets/jobs/fashion-mnist-mlp.toml
echo
echo "== hearth render assets/jobs/fashion-mnist-mlp.toml --run $run --index 0-15"
"$build/bin/hearth" render assets/jobs/fashion-mnist-mlp.toml --run "$run" --index 0-15
echo
echo "== hearth graph assets/jobs/fashion-mnist-mlp.toml --out $run/graph.svg"
"$build/bin/hearth" graph assets/jobs/fashion-mnist-mlp.toml --out "$run/graph.svg"
echo
echo "Pictures to open:"
echo "  $run/metrics.png               the metric curves"
echo "  $run/renders/contact-sheet.png samples with their labels and the model's predictions"
echo "  $run/graph.svg                 the model graph"
echo "  $(ls -d assets/jobs/runs/fashion-mnist-mlp/*/analysis | sort | tail -n 1)/multiclass.png  the class balance"
echo
echo "The demo built the 10 built-in plugins it loads. The others (CNN, ResNet, U-Net, the CSV, NumPy,"
echo "image-folder, token and shard datasets, more losses, metrics, optimizers, schedulers, renderers)"
echo "and the plugin template of 'hearth new':"
echo "  cmake --build $build --target hearth_programs"

