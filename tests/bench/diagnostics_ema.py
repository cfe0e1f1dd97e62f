#!/usr/bin/env python3
"""What diagnostics and weight averaging cost, and what averaging changes (docs/benchmarks.md
"Diagnostics and weight averaging"): the Fashion-MNIST CNN job three times, the same seed,
  plain        as written (epochs and the cosine period set to --epochs)
  ema          [train] ema = 0.999
  diagnostics  the six built-in diagnostics at every = 5
and prints each run's time, the diagnostics' share of their run's, EMA's cost per step, and each
run's best and last valid accuracy with the noise of its valid curves (the standard deviation of
epoch-to-epoch changes over the second half). Usage:

    python3 tests/bench/diagnostics_ema.py --hearth build/bin/hearth --out /tmp/diag-bench [--epochs 10]

About 20 minutes on 2 cores with 10 epochs; --epochs 2 checks the script in three. Keep the machine
otherwise idle: times are compared across runs.
"""
import argparse
import csv
import glob
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JOB = os.path.join(ROOT, "assets", "jobs", "fashion-mnist-cnn.toml")
SIX = ("diagnostics=[{plugin='confusion', every=5}, {plugin='predictions', every=5},"
       " {plugin='latent', layer='hidden', every=5, samples=500}, {plugin='saliency', every=5},"
       " {plugin='reconstructions', every=5}, {plugin='weights', every=5}]")


def train(hearth, out, name, epochs, sets):
    runs = os.path.join(out, name)
    args = [hearth, "run", JOB, "--runs-dir", runs, "--set", f"train.epochs={epochs}", "--set", f"scheduler.t_max={epochs}"]
    for s in sets:
        args += ["--set", s]
    t0 = time.monotonic()
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - t0
    if done.returncode != 0:
        sys.exit(f"{name} failed:\n{done.stdout[-3000:]}")
    (run,) = glob.glob(os.path.join(runs, "*", "*", "run.json"))
    folder = os.path.dirname(run)
    with open(run) as f:
        record = json.load(f)
    with open(os.path.join(folder, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    return {"name": name, "folder": folder, "wall": wall, "record": record, "rows": rows}


def noise(values):
    tail = values[len(values) // 2:]
    steps = [b - a for a, b in zip(tail, tail[1:])]
    return statistics.pstdev(steps) if len(steps) > 1 else float("nan")


def summary(r):
    timing = r["record"]["timing"]
    train_s = sum(t["train_seconds"] for t in timing)
    diag_s = sum(t.get("diagnostics_seconds", 0) for t in timing)
    acc = [float(row["valid.accuracy"]) for row in r["rows"]]
    loss = [float(row["valid.loss"]) for row in r["rows"]]
    return {"wall_s": round(r["wall"], 1), "train_s": round(train_s, 1), "diagnostics_s": round(diag_s, 2),
            "diagnostics_share": round(diag_s / r["wall"], 4), "steps": r["record"]["step"],
            "best_valid_accuracy": max(acc), "last_valid_accuracy": acc[-1],
            "valid_accuracy_noise": round(noise(acc), 5), "valid_loss_noise": round(noise(loss), 5)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hearth", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=10)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    results = {}
    for name, sets in (("plain", []), ("ema", ["train.ema=0.999"]), ("diagnostics", [SIX])):
        r = train(a.hearth, a.out, name, a.epochs, sets)
        results[name] = summary(r)
        results[name]["folder"] = r["folder"]
        print(name, json.dumps(results[name]), flush=True)
    plain, ema = results["plain"], results["ema"]
    per_step_ms = 1000 * (ema["train_s"] - plain["train_s"]) / max(ema["steps"], 1)
    print(json.dumps({
        "ema_cost_per_step_ms": round(per_step_ms, 3),
        "ema_cost_share_of_training": round((ema["train_s"] - plain["train_s"]) / plain["train_s"], 4),
        "diagnostics_share_of_run": results["diagnostics"]["diagnostics_share"],
        "diagnostics_seconds_per_time_they_ran": round(results["diagnostics"]["diagnostics_s"] / max(a.epochs // 5, 1), 2),
    }), flush=True)


if __name__ == "__main__":
    main()
