"""Data-parallel throughput on one machine: the CNN of the throughput benchmark trained by Hearth
on 1 process x 2 threads and on 2 processes x 1 thread (Gloo over loopback), and the same two
shapes in PyTorch (one process; DistributedDataParallel with gloo), alternated round by round in
one invocation. The global batch is 64 in every shape (2 ranks x 32). Prints samples/s per round,
the share of Hearth's epoch spent waiting on all-reduces (from run.json), and the ratios of the
medians. Memory, in a pass of its own after the rounds: the peak RSS of each process
(/usr/bin/time), and the peak of all of a shape's processes together as the sum of their
proportional set sizes (PSS, sampled every 20 ms from /proc/PID/smaps_rollup): pages several
ranks map (libraries, a shared dataset) count once in that sum, as in the machine's memory, where
a sum of RSS would count them once per rank.

    python3 tests/bench/distributed_two_shapes.py [--build build] [--samples 12000] [--rounds 3]

Needs Debian's python3-torch (the PyTorch contenders) and /usr/bin/time."""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = "/usr/share/datasets/fashion-mnist"

# The throughput benchmark's CNN, written for Hearth's `cnn` plugin.
HEARTH_SETS = [
    "model.channels=[16, 32]", "model.hidden=48", "model.dropout=0.25", "dataset.augment_flip=false",
    "dataset.valid_fraction=0.0", "train.monitor=train.loss", "train.epochs=1", "optimizer.lr=0.001",
    "scheduler={plugin='step',step_size=100}", "losses=[{plugin='cross_entropy'}]",
]



def peak_rss_mb(stderr_text):
    """The 'maxrss=<KB>' lines /usr/bin/time wrote (one per process), in MB."""
    peaks = [int(l.split("=")[1]) for l in stderr_text.splitlines() if l.startswith("maxrss=")]
    return [p / 1024 for p in peaks]


def process_tree(pid):
    out = [pid]
    try:
        children = open("/proc/%d/task/%d/children" % (pid, pid)).read().split()
    except OSError:
        return out
    for c in children:
        out += process_tree(int(c))
    return out


def pss_kb(pid):
    try:
        for line in open("/proc/%d/smaps_rollup" % pid):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_sampled(commands, sample):
    """Runs (cmd, env) pairs side by side under /usr/bin/time; returns their (stdout, stderr,
    returncode) and, when `sample`, the peak of the summed PSS of every process they started, in
    MB. Reading smaps_rollup walks a process's page tables under its memory lock, so throughput is
    measured in rounds that do not sample."""
    procs = [subprocess.Popen(["/usr/bin/time", "-f", "maxrss=%M"] + c, env=e, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for c, e in commands]
    peak = 0
    while sample and any(p.poll() is None for p in procs):
        peak = max(peak, sum(pss_kb(q) for p in procs for q in process_tree(p.pid)))
        time.sleep(0.02)
    outs = [p.communicate() + (p.returncode,) for p in procs]
    return outs, peak / 1024


def hearth(build, samples, nproc, threads, sample=False):
    with tempfile.TemporaryDirectory() as runs:
        sets = HEARTH_SETS + ["job.threads=%d" % threads, "job.device=cpu",
                              "dataset.batch_size=%d" % (64 // nproc), "dataset.subsample=%g" % (samples / 60000)]
        cmd = [os.path.join(build, "bin", "hearth"), "run", os.path.join(ROOT, "assets/jobs/fashion-mnist-cnn.toml"),
               "--runs-dir", runs]
        for s in sets:
            cmd += ["--set", s]
        if nproc > 1:
            # /usr/bin/time around each rank: the launcher re-executes the same command line.
            cmd += ["--nproc", str(nproc)]
        [(out, err, rc)], together = run_sampled([(cmd, None)], sample)
        if rc != 0:
            sys.exit("hearth failed:\n" + out + err)
        info = json.load(open(glob.glob(os.path.join(runs, "*", "*", "run.json"))[0]))
        t = info["timing"][0]
        trained = (samples - samples % nproc)
        wait = t.get("allreduce_wait_seconds", 0.0)
        return trained / t["seconds"], wait / t["seconds"], (peak_rss_mb(err), together)


def pytorch(samples, nproc, threads, port, sample=False):
    script = os.path.join(HERE, "pytorch_ddp.py")
    commands = []
    for rank in range(nproc):
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        commands.append((["/usr/bin/python3", script, str(samples), str(threads), DATA], env))
    outs, together = run_sampled(commands, sample)
    if any(rc != 0 for _, _, rc in outs):
        sys.exit("pytorch failed:\n" + "\n".join(o[1] for o in outs))
    rss = [m for o in outs for m in peak_rss_mb(o[1])]
    return float(outs[0][0].strip().splitlines()[-1]), (rss, together)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--samples", type=int, default=12000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    shapes = {"hearth 1x2": [], "hearth 2x1": [], "pytorch 1x2": [], "pytorch ddp 2x1": []}
    waits = []
    print("CNN on %d Fashion-MNIST samples, global batch 64, 1 epoch; %d rounds" % (a.samples, a.rounds))
    for r in range(a.rounds):
        row = {}
        row["hearth 1x2"], _, _ = hearth(a.build, a.samples, 1, 2)
        row["hearth 2x1"], w, _ = hearth(a.build, a.samples, 2, 1)
        row["pytorch 1x2"], _ = pytorch(a.samples, 1, 2, 29700 + r)
        row["pytorch ddp 2x1"], _ = pytorch(a.samples, 2, 1, 29710 + r)
        waits.append(w)
        for k in shapes:
            shapes[k].append(row[k])
        print("round %d: " % (r + 1) + ", ".join("%s %.0f samples/s" % (k, v) for k, v in row.items()) +
              ", hearth 2x1 all-reduce wait %.1f%% of the epoch" % (100 * w))
    med = {k: statistics.median(v) for k, v in shapes.items()}
    print("\nmedian samples/s: " + ", ".join("%s %.0f" % (k, v) for k, v in med.items()))
    print("hearth 2x1 / hearth 1x2:        %.2f  (target >= 0.9)" % (med["hearth 2x1"] / med["hearth 1x2"]))
    print("hearth 2x1 / pytorch ddp 2x1:   %.2f  (target >= 1.0)" % (med["hearth 2x1"] / med["pytorch ddp 2x1"]))
    print("hearth 1x2 / pytorch 1x2:       %.2f" % (med["hearth 1x2"] / med["pytorch 1x2"]))
    print("hearth 2x1 all-reduce wait: median %.1f%% of the epoch" % (100 * statistics.median(waits)))

    # Memory, in a pass of its own: each shape once more, sampled.
    memory = {"hearth 1x2": hearth(a.build, a.samples, 1, 2, True)[2],
              "hearth 2x1": hearth(a.build, a.samples, 2, 1, True)[2],
              "pytorch 1x2": pytorch(a.samples, 1, 2, 29720, True)[1],
              "pytorch ddp 2x1": pytorch(a.samples, 2, 1, 29730, True)[1]}
    print("\npeak RSS of each process (MB; /usr/bin/time): " +
          ", ".join("%s %s" % (k, "/".join("%.0f" % x for x in v[0])) for k, v in memory.items()))
    together = {k: v[1] for k, v in memory.items()}
    print("peak of all processes together (MB; summed PSS): " +
          ", ".join("%s %.0f" % (k, v) for k, v in together.items()))
    print("hearth 1x2 / pytorch 1x2 memory:      %.2f  (target <= 1.0)" % (together["hearth 1x2"] / together["pytorch 1x2"]))
    print("hearth 2x1 / hearth 1x2 memory:       %.2f  (target <= 1.3)" % (together["hearth 2x1"] / together["hearth 1x2"]))
    print("pytorch ddp 2x1 / pytorch 1x2 memory: %.2f" % (together["pytorch ddp 2x1"] / together["pytorch 1x2"]))

main()
