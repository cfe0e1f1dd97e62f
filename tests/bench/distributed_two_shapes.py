"""Data-parallel throughput on one machine: the CNN of the throughput benchmark trained by Hearth
on 1 process x 2 threads and on 2 processes x 1 thread (Gloo over loopback), and the same two
shapes in PyTorch (one process; DistributedDataParallel with gloo), alternated round by round in
one invocation. The global batch is 64 in every shape (2 ranks x 32). Prints samples/s per round,
the share of Hearth's epoch spent waiting on all-reduces (from run.json), and the ratios of the
medians. Peak RSS of every process is measured by /usr/bin/time.

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

PYTORCH_DDP = r'''
import gzip, os, sys, time
import numpy as np
import torch
import torch.distributed as dist

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)

def main():
    samples, threads, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    if world > 1:
        dist.init_process_group("gloo", rank=rank, world_size=world)
    # The whole train split in memory, as Hearth's idx dataset holds it; training uses `samples`.
    images = torch.from_numpy(read_idx(folder + "/train-images-idx3-ubyte.gz").copy()).float().div_(255)
    images = images.sub_(0.2860).div_(0.3530).unsqueeze(1)
    labels = torch.from_numpy(read_idx(folder + "/train-labels-idx1-ubyte.gz").astype(np.int64))
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 48), torch.nn.ReLU(), torch.nn.Dropout(0.25),
        torch.nn.Linear(48, 10))
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    model.train()
    order = torch.randperm(samples)[: samples - samples % world][rank::world]
    batch = 64 // world
    start = time.perf_counter()
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images[idx]), labels[idx])
        loss.backward()
        optimizer.step()
    if world > 1:
        dist.barrier()
    if rank == 0:
        print(len(order) * world / (time.perf_counter() - start))

main()
'''


def peak_rss_mb(stderr_text):
    """The largest 'maxrss=<KB>' line /usr/bin/time wrote (one per process)."""
    peaks = [int(l.split("=")[1]) for l in stderr_text.splitlines() if l.startswith("maxrss=")]
    return [p / 1024 for p in peaks]


def timed(cmd, env=None):
    return ["/usr/bin/time", "-f", "maxrss=%M"] + cmd


def hearth(build, samples, nproc, threads):
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
        r = subprocess.run(timed(cmd), capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("hearth failed:\n" + r.stdout + r.stderr)
        info = json.load(open(glob.glob(os.path.join(runs, "*", "*", "run.json"))[0]))
        t = info["timing"][0]
        trained = (samples - samples % nproc)
        wait = t.get("allreduce_wait_seconds", 0.0)
        return trained / t["seconds"], wait / t["seconds"], peak_rss_mb(r.stderr)


def pytorch(samples, nproc, threads, port):
    script = os.path.join(tempfile.gettempdir(), "hearth_bench_ddp.py")
    open(script, "w").write(PYTORCH_DDP)
    procs = []
    for rank in range(nproc):
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        procs.append(subprocess.Popen(timed(["/usr/bin/python3", script, str(samples), str(threads), DATA]), env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate() for p in procs]
    if any(p.returncode != 0 for p in procs):
        sys.exit("pytorch failed:\n" + "\n".join(o[1] for o in outs))
    rss = [m for o in outs for m in peak_rss_mb(o[1])]
    return float(outs[0][0].strip().splitlines()[-1]), rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--samples", type=int, default=12000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    shapes = {"hearth 1x2": [], "hearth 2x1": [], "pytorch 1x2": [], "pytorch ddp 2x1": []}
    waits, rss = [], {k: [] for k in shapes}
    print("CNN on %d Fashion-MNIST samples, global batch 64, 1 epoch; %d rounds" % (a.samples, a.rounds))
    for r in range(a.rounds):
        row = {}
        row["hearth 1x2"], _, m1 = hearth(a.build, a.samples, 1, 2)
        row["hearth 2x1"], w, m2 = hearth(a.build, a.samples, 2, 1)
        row["pytorch 1x2"], m3 = pytorch(a.samples, 1, 2, 29700 + r)
        row["pytorch ddp 2x1"], m4 = pytorch(a.samples, 2, 1, 29710 + r)
        waits.append(w)
        for k, m in zip(shapes, (m1, m2, m3, m4)):
            rss[k].append(m)
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
    print("\npeak RSS of the largest process (MB; /usr/bin/time), last round: " +
          ", ".join("%s %s" % (k, "/".join("%.0f" % x for x in v[-1])) for k, v in rss.items()))


main()
