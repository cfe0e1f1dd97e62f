#!/usr/bin/python3
"""Data at scale (issue 27): memory and speed of Hearth's memory-mapped datasets.

1. Memory as the data grows 10x: the peak anonymous memory (RssAnon, polled every 5 ms) of
   `hearth run` training one epoch of a linear model on an `npy` dataset of N and of 10 N rows of
   784 float32 features; and of the loader alone (build/bin/bench_data_loader) over `tokens`
   files of T and 10 T uint16 tokens.
2. Tokens: windows per second of the `tokens` dataset through Hearth's loader against NumPy's
   memmap loop doing the same (nanoGPT's get_batch: random offsets, astype(int64),
   torch.from_numpy, torch.stack), alternated, medians over rounds.
3. --huge GB: one epoch of `hearth run` on an npy dataset of GB gigabytes (generated on disk,
   removed after; in file order, batch 1024), to show that data larger than this machine's RAM
   trains in bounded memory.

Files are written under --dir (default: a temporary folder) and removed at the end.
Usage: tests/bench/data_scale.py [--rows N] [--tokens T] [--rounds R] [--huge GB] [--dir D]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEARTH = os.path.join(ROOT, "build", "bin", "hearth")
LOADER = os.path.join(ROOT, "build", "bin", "bench_data_loader")


def rss_anon_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_with_peak(cmd, env=None):
    """Runs cmd; returns (seconds, peak RssAnon in kB, stdout)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    peak = [0]

    def poll():
        while p.poll() is None:
            peak[0] = max(peak[0], rss_anon_kb(p.pid))
            time.sleep(0.005)

    t = threading.Thread(target=poll)
    t.start()
    out = p.stdout.read()
    p.wait()
    t.join()
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out}")
    return time.monotonic() - t0, peak[0], out


def write_npy_rows(folder, rows, chunk=200_000):
    """x.npy (float32 [rows, 784]) and y.npy (int64 [rows]), written chunk by chunk."""
    x = np.lib.format.open_memmap(os.path.join(folder, "x.npy"), mode="w+", dtype=np.float32, shape=(rows, 784))
    rng = np.random.default_rng(0)
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        x[start:start + n] = rng.random((n, 784), dtype=np.float32)
    x.flush()
    del x
    np.save(os.path.join(folder, "y.npy"), rng.integers(0, 10, rows, dtype=np.int64))


def npy_job(folder, batch=64, shuffle=True):
    job = os.path.join(folder, "job.toml")
    with open(job, "w") as f:
        f.write(f"""[job]
name = "npy-scale"
seed = 1
device = "cpu"
threads = 2

[dataset]
plugin = "npy"
file = "{folder}/x.npy"
targets = "{folder}/y.npy"
batch_size = {batch}
shuffle = {"true" if shuffle else "false"}

[model]
plugin = "mlp"
in_features = 784
hidden = []
out_features = 10

[[losses]]
plugin = "cross_entropy"

[optimizer]
plugin = "sgd"
lr = 0.01

[train]
epochs = 1
monitor = "train.loss"
""")
    return job


def hearth_npy_epoch(folder, rows, batch=64, shuffle=True):
    write_npy_rows(folder, rows)
    seconds, peak, _ = run_with_peak([HEARTH, "run", npy_job(folder, batch, shuffle), "--runs-dir", os.path.join(folder, "runs")])
    size = os.path.getsize(os.path.join(folder, "x.npy"))
    shutil.rmtree(os.path.join(folder, "runs"))
    return {"rows": rows, "file_mb": size / 1e6, "seconds": seconds, "samples_per_s": rows / seconds, "peak_rss_anon_mb": peak / 1024}


def write_tokens(path, count, chunk=50_000_000):
    rng = np.random.default_rng(0)
    with open(path, "wb") as f:
        for start in range(0, count, chunk):
            f.write(rng.integers(0, 50257, min(chunk, count - start), dtype=np.uint16).tobytes())


def hearth_tokens(path, block, batch, batches):
    table = f"file = '{path}'\nblock_size = {block}\nstride = 1"
    _, peak, out = run_with_peak([LOADER, "tokens", table, str(batch), str(batches)])
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_anon_mb"] = peak / 1024
    return result


NUMPY_LOOP = r"""
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
path, block, batch, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
data = np.memmap(path, dtype=np.uint16, mode="r")
rng = np.random.default_rng(1)
t0 = time.monotonic()
for _ in range(batches):
    ix = rng.integers(0, len(data) - block, batch)
    x = torch.stack([torch.from_numpy(data[i:i + block].astype(np.int64)) for i in ix])
    y = torch.stack([torch.from_numpy(data[i + 1:i + 1 + block].astype(np.int64)) for i in ix])
seconds = time.monotonic() - t0
print(json.dumps({"samples": batch * batches, "seconds": seconds, "samples_per_s": batch * batches / seconds}))
"""


def numpy_tokens(path, block, batch, batches):
    _, peak, out = run_with_peak([sys.executable, "-c", NUMPY_LOOP, path, str(block), str(batch), str(batches)])
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_anon_mb"] = peak / 1024
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=20_000, help="npy rows of the small dataset (10x for the large)")
    ap.add_argument("--tokens", type=int, default=20_000_000, help="tokens of the small file (10x for the large)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--huge", type=float, default=0, help="also train one epoch on an npy of this many GB")
    ap.add_argument("--dir", default=None, help="where to write the data (default: a temporary folder)")
    a = ap.parse_args()
    for exe in (HEARTH, LOADER):
        if not os.path.exists(exe):
            sys.exit(f"{exe} is missing: build first (cmake --build build)")
    base = tempfile.mkdtemp(prefix="hearth-data-scale-", dir=a.dir)
    try:
        print(f"# data in {base}; {os.cpu_count()} cores; {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM")
        print("## npy: one epoch of `hearth run` (linear model, batch 64), peak RssAnon")
        small = hearth_npy_epoch(base, a.rows)
        large = hearth_npy_epoch(base, a.rows * 10)
        for r in (small, large):
            print(f"  {r['rows']:>9} rows ({r['file_mb']:8.1f} MB): {r['samples_per_s']:9.0f} samples/s, peak RssAnon {r['peak_rss_anon_mb']:7.1f} MB")
        print(f"  10x the data: {large['peak_rss_anon_mb'] / small['peak_rss_anon_mb']:.3f}x the anonymous memory")
        for name in ("x.npy", "y.npy"):
            os.remove(os.path.join(base, name))

        print("## tokens: windows of 256 (+1), batch 64, random offsets (stride 1)")
        path = os.path.join(base, "train.bin")
        block, batch, batches = 256, 64, 400
        mem = {}
        for count in (a.tokens, a.tokens * 10):
            write_tokens(path, count)
            mem[count] = hearth_tokens(path, block, batch, batches)
            print(f"  {count:>11} tokens ({count * 2 / 1e6:8.1f} MB): loader peak RssAnon {mem[count]['peak_rss_anon_mb']:7.1f} MB")
        print(f"  10x the data: {mem[a.tokens * 10]['peak_rss_anon_mb'] / mem[a.tokens]['peak_rss_anon_mb']:.3f}x the anonymous memory")
        hearth_rates, numpy_rates = [], []
        for _ in range(a.rounds):
            hearth_rates.append(hearth_tokens(path, block, batch, batches)["samples_per_s"])
            numpy_rates.append(numpy_tokens(path, block, batch, batches)["samples_per_s"])
        h, n = statistics.median(hearth_rates), statistics.median(numpy_rates)
        print(f"  Hearth tokens: {h:10.0f} windows/s (median of {a.rounds}: {', '.join(f'{v:.0f}' for v in hearth_rates)})")
        print(f"  NumPy memmap : {n:10.0f} windows/s (median of {a.rounds}: {', '.join(f'{v:.0f}' for v in numpy_rates)})")
        print(f"  ratio: {h / n:.2f}x (target >= 2x)")
        os.remove(path)

        if a.huge > 0:
            rows = int(a.huge * 1e9 / (784 * 4))
            free = shutil.disk_usage(base).free
            if free < rows * 784 * 4 * 1.1:
                print(f"## huge: skipped, {free / 1e9:.1f} GB free for {a.huge} GB")
            else:
                # In file order: shuffled 3 kB reads from a file larger than the page cache are
                # bound by the disk's random reads, which this measures nothing of Hearth about.
                print(f"## huge: one epoch of `hearth run` on {rows} rows ({a.huge} GB), batch 1024, in file order")
                r = hearth_npy_epoch(base, rows, batch=1024, shuffle=False)
                print(f"  {r['file_mb'] / 1e3:.1f} GB: {r['seconds']:.0f} s, {r['samples_per_s']:.0f} samples/s, peak RssAnon {r['peak_rss_anon_mb']:.1f} MB")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
