#!/usr/bin/env python3
"""An Optuna study that drives `hearth run` (docs/sweeps.md, "Optuna").

Each trial runs `hearth run JOB --set ...` into a runs folder of its own and reads the trial's
result from that run's run.json (its best value of the job's [train] monitor). Optuna decides
the values; Hearth trains. Usage:

    python3 optuna_study.py JOB.toml STUDY_FOLDER [--trials N] [--hearth PATH]

Debian ships Optuna as python3-optuna.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import optuna


def run_trial(args, trial):
    lr = trial.suggest_float("optimizer.lr", 1e-3, 0.3, log=True)
    hidden = trial.suggest_categorical("model.hidden", ["[16]", "[32]", "[32, 16]"])
    runs = os.path.join(args.study, "trial-%03d" % trial.number)
    command = [args.hearth, "run", args.job, "--runs-dir", runs,
               "--set", "optimizer.lr=%r" % lr, "--set", "model.hidden=" + hidden]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        print(done.stdout, file=sys.stderr)
        raise optuna.TrialPruned() if done.returncode > 128 else RuntimeError("hearth run failed: %d" % done.returncode)
    (info_file,) = glob.glob(os.path.join(runs, "*", "*", "run.json"))
    with open(info_file) as f:
        info = json.load(f)
    trial.set_user_attr("run", os.path.dirname(info_file))
    return info["best"]["value"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("job")
    parser.add_argument("study")
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--hearth", default="hearth")
    parser.add_argument("--direction", default="maximize", choices=["maximize", "minimize"])
    args = parser.parse_args()
    os.makedirs(args.study, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=args.direction, sampler=optuna.samplers.TPESampler(seed=1))
    study.optimize(lambda t: run_trial(args, t), n_trials=args.trials)
    best = study.best_trial
    result = {"value": best.value, "params": best.params, "run": best.user_attrs["run"], "trials": len(study.trials)}
    with open(os.path.join(args.study, "best.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
