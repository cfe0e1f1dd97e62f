#!/usr/bin/env bash
# Prints a SHA-256 for what a seeded run writes that must not change when the engine is
# refactored: metrics.csv and the checkpoints of an MLP (accumulation, clipping, early stopping),
# a CNN (augmentation, cosine schedule, a step limit inside epoch 2) and a 2-rank MLP run.
# Run it with the binary before and after a change and diff the two outputs:
#   tests/bench/bitwise_identity.sh build/bin/hearth > before.txt
# Times (duration columns, run.json) are left out: they differ between any two runs. So are the
# bytes of a checkpoint that differ between two runs of one binary: LibTorch 1.13 keys an
# optimizer's state by the text of each parameter's address, so the optimizer's archive is digested
# as its tensors' bytes (sorted), and the checkpoint's own checksum (of those bytes) is left out.
set -euo pipefail
hearth=$(realpath "${1:-build/bin/hearth}")
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp assets/jobs/fashion-mnist-mlp.toml assets/jobs/fashion-mnist-cnn.toml "$work/"

digest() {  # digest NAME RUN: the files of one run, times cut out of metrics.csv
  local run=$1/$(ls "$1" | sort | tail -n 1)
  python3 - "$run/metrics.csv" <<'PY' | sha256sum | sed "s|-|$2 metrics.csv (without time columns)|"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
keep = [i for i, name in enumerate(rows[0]) if "time" not in name and "seconds" not in name and "samples_per" not in name]
for row in rows:
    print(",".join(row[i] for i in keep))
PY
  for f in checkpoints/best.pt checkpoints/last.pt; do
    [ -f "$run/$f" ] && python3 - "$run/$f" <<'PY' | sha256sum | sed "s|-|$2 $f (its tensors and counters)|"
import hashlib, io, re, sys, zipfile
def payloads(z):  # the data/N members of an archive, in order of N
    names = [n for n in z.namelist() if re.search(r"/data/\d+$", n)]
    return sorted(names, key=lambda n: int(n.rsplit("/", 1)[1]))
top = zipfile.ZipFile(sys.argv[1])
members = payloads(top)[:-1]  # the last is the checksum of the others
for name in members:
    data = top.read(name)
    if data[:2] == b"PK":  # a module's own archive (model, optimizer, scheduler state)
        inner = zipfile.ZipFile(io.BytesIO(data))
        print(name, sorted(hashlib.sha256(inner.read(n)).hexdigest() for n in payloads(inner)))
    else:
        print(name, hashlib.sha256(data).hexdigest())
PY
  done
  true
}

"$hearth" run "$work/fashion-mnist-mlp.toml" --runs-dir "$work/mlp" --set train.epochs=4 \
  --set train.accumulate=2 --set train.clip_norm=1.0 --set train.patience=2 > /dev/null 2>&1
digest "$work/mlp/fashion-mnist-mlp" mlp
"$hearth" run "$work/fashion-mnist-cnn.toml" --runs-dir "$work/cnn" --set train.epochs=2 \
  --set train.max_steps=1200 > /dev/null 2>&1
digest "$work/cnn/fashion-mnist-cnn" cnn
"$hearth" run "$work/fashion-mnist-mlp.toml" --runs-dir "$work/ddp" --set train.epochs=2 --nproc 2 > /dev/null 2>&1
digest "$work/ddp/fashion-mnist-mlp" 2-rank
