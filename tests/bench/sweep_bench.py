#!/usr/bin/env python3
"""A real sweep, measured (docs/benchmarks.md "Sweeps"): the Fashion-MNIST MLP job, learning rate x
hidden sizes, 2 repeats, `hearth sweep --parallel 2`; then a random sweep of the same keys with and
without the median rule. Prints wall minutes, the best point and its test accuracy (hearth eval)
beside the example job's. Usage:

    python3 tests/bench/sweep_bench.py --hearth build/bin/hearth --out /tmp/sweep-bench [--epochs 10]

Runs for about an hour on 2 cores with the job's 10 epochs; --epochs 1 checks the script in minutes.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JOB = os.path.join(ROOT, "assets", "jobs", "fashion-mnist-mlp.toml")


def sweep_file(path, body, epochs):
    with open(path, "w") as f:
        f.write('[sweep]\njob = "%s"\n%s\n[sweep.parameters]\n"train.epochs" = [%d]\n"optimizer.lr" = %s\n'
                '"model.hidden" = [[256, 128], [512, 256]]\n' % (JOB, body[0], epochs, body[1]))
        if len(body) > 2:
            f.write(body[2])


def run_sweep(hearth, path, out):
    t0 = time.monotonic()
    done = subprocess.run([hearth, "sweep", path, "--parallel", "2", "--out", out], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    minutes = (time.monotonic() - t0) / 60
    if done.returncode != 0:
        sys.exit("sweep failed:\n" + done.stdout)
    report = json.loads(subprocess.check_output([hearth, "sweep", "report", out, "--json", "--no-pictures"], text=True))
    return minutes, report


def test_accuracy(hearth, run):
    out = subprocess.check_output([hearth, "eval", run, "--split", "test"], text=True, stderr=subprocess.STDOUT)
    m = re.search(r"test\.accuracy\s+([0-9.]+)", out)
    return float(m.group(1)) if m else float("nan")


def best_trial_run(out, report):
    point = report["points"][0]
    trials = [t for t in report["trials"] if t["point"] == point["point"] and t["best"] is not None]
    best = max(trials, key=lambda t: t["best"]) if report["mode"] == "max" else min(trials, key=lambda t: t["best"])
    return os.path.join(out, best["folder"]), point


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hearth", default=os.path.join(ROOT, "build", "bin", "hearth"))
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--random-trials", type=int, default=8)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    print("machine: %d CPUs; %s" % (os.cpu_count(), subprocess.check_output([a.hearth, "--version"], text=True).strip()))
    rows = []
    grid = os.path.join(a.out, "grid.toml")
    sweep_file(grid, ("repeats = 2", "[0.001, 0.0003]"), a.epochs)
    rows.append(("grid 2 lr x 2 hidden x 2 repeats", os.path.join(a.out, "grid")) + run_sweep(a.hearth, grid, os.path.join(a.out, "grid")))
    rand = 'method = "random"\ntrials = %d\nseed = 1' % a.random_trials
    lr = "{ min = 1e-5, max = 3e-2, log = true }"
    for name, prune in (("random, no pruning", ""), ("random, median rule", '[sweep.prune]\nrule = "median"\nwarmup = 1\nmin_trials = 2\n')):
        path = os.path.join(a.out, name.split(",")[1].strip().replace(" ", "-") + ".toml")
        sweep_file(path, (rand, lr, prune), a.epochs)
        out = os.path.join(a.out, os.path.basename(path)[:-5])
        rows.append((name, out) + run_sweep(a.hearth, path, out))
    t0 = time.monotonic()
    example = os.path.join(a.out, "example")
    subprocess.run([a.hearth, "run", JOB, "--runs-dir", example], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    example_minutes = (time.monotonic() - t0) / 60
    (example_run,) = [os.path.join(r, d) for r, ds, _ in os.walk(example) for d in ds if os.path.exists(os.path.join(r, d, "run.json"))]
    print("\nthe example job as it is (%s): %.1f minutes, test accuracy %.4f" % (os.path.basename(JOB), example_minutes,
                                                                            test_accuracy(a.hearth, example_run)))
    print("\n| sweep | trials | pruned | wall minutes | trial minutes | best point | valid mean +- sd | best trial's test accuracy |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, out, minutes, report in rows:
        run, point = best_trial_run(out, report)
        pruned = sum(1 for t in report["trials"] if t["status"] == "pruned")
        trial_minutes = sum(t["minutes"] for t in report["trials"])
        values = ", ".join("%s=%s" % kv for kv in point["values"].items() if kv[0] != "train.epochs")
        sd = " +- %.4f" % point["stddev"] if point["stddev"] is not None else ""
        print("| %s | %d | %d | %.1f | %.1f | %s | %.4f%s | %.4f |" % (
            name, len(report["trials"]), pruned, minutes, trial_minutes, values, point["mean"], sd, test_accuracy(a.hearth, run)))


if __name__ == "__main__":
    main()
