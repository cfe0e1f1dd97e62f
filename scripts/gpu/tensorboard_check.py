"""TensorBoard's own reader against Hearth's event files: every scalar of every epoch that
TensorBoard's EventAccumulator reads from a run must equal the run's metrics.csv (to float32, the
precision of TensorBoard's simple_value), and every metrics.csv value must be there.
Usage: tensorboard_check.py RUNS_DIR  (checks each run folder under it). Exit 1 on any mismatch."""
import csv
import glob
import math
import os
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def check(run):
    acc = EventAccumulator(run, size_guidance={"scalars": 0})
    acc.Reload()
    tags = acc.Tags()["scalars"]
    with open(os.path.join(run, "metrics.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    compared, problems = 0, []
    for row in rows:
        epoch = int(row["epoch"])
        for column, text in row.items():
            if column in ("epoch", "step") or text == "":
                continue
            tag = column.replace(".", "/")
            if tag not in tags:
                problems.append(f"{tag}: in metrics.csv, not in the events")
                continue
            found = [e.value for e in acc.Scalars(tag) if e.step == epoch]
            want = float(text)
            if not found:
                problems.append(f"{tag} epoch {epoch}: missing")
            elif not math.isclose(found[-1], want, rel_tol=1e-6, abs_tol=1e-7):
                problems.append(f"{tag} epoch {epoch}: events {found[-1]} vs metrics.csv {want}")
            else:
                compared += 1
    return compared, len(tags), problems


def main():
    runs = [os.path.dirname(p) for p in glob.glob(os.path.join(sys.argv[1], "**", "metrics.csv"), recursive=True)]
    if not runs:
        print(f"- tensorboard: FAILED, no run under {sys.argv[1]}")
        return 1
    failed = False
    for run in runs:
        compared, tags, problems = check(run)
        failed |= bool(problems) or compared == 0
        verdict = "OK" if not problems and compared else "FAILED"
        print(f"- tensorboard: {verdict}: EventAccumulator read {tags} scalar tags; {compared} values equal metrics.csv"
              + "".join(f"\n    {p}" for p in problems))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
