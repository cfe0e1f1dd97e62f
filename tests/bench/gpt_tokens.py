#!/usr/bin/python3
"""Training tokens/s of one GPT configuration in Hearth (assets/jobs/gpt-char.toml: 4 layers, 4
heads, 128 wide, block 64, batch 12, AdamW, 2 threads, on the GPL's text) and in PyTorch eager (the
same architecture in nanoGPT's layout, the same data, optimizer, schedule and clipping), alternated
in one invocation; then the valid loss of both after the same steps, and sampling tokens/s of the
trained Hearth run with and without the key-value cache.

  gpt_tokens.py HEARTH_EXE [ROUNDS=3] [STEPS=120] [SAMPLINGS=5]

Tokens/s skip each run's first 10 steps (allocator and thread-pool warm-up on both sides). The
ratio is given two ways: of the two sides' median tokens/s, and the median of the rounds' ratios
(a round's two runs are neighbours in time, so they share the machine's mood). Sampling runs
SAMPLINGS times with the cache and without, alternated, and gives the medians.
"""
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from export_check import Gpt  # noqa: E402  the reference model of the tests

JOB = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "jobs", "gpt-char.toml")
TEXT = "/usr/share/common-licenses/GPL-3"
BLOCK, BATCH, STRIDE, SKIP = 64, 12, 16, 10


def text_data():
    text = open(TEXT, encoding="utf-8").read()
    train_len = len(text) - round(len(text) * 0.1)
    vocab = ["<unk>"] + sorted(set(text[:train_len]))
    ids = {c: i for i, c in enumerate(vocab)}
    stream = torch.tensor([ids.get(c, 0) for c in text], dtype=torch.long)
    return stream[:train_len], stream[train_len:], len(vocab)


def windows(stream, stride):
    starts = torch.arange(0, len(stream) - BLOCK - 1 + 1, stride)
    x = torch.stack([stream[s:s + BLOCK] for s in starts.tolist()])
    y = torch.stack([stream[s + 1:s + BLOCK + 1] for s in starts.tolist()])
    return x, y


def gpt2_init(model, layers):
    """nanoGPT's: N(0, 0.02) weights, zero biases, residual projections N(0, 0.02 / sqrt(2 layers))."""
    for name, p in model.named_parameters():
        if name.endswith("c_proj.weight"):
            torch.nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * layers))
        elif name.endswith(".weight") and p.dim() == 2:
            torch.nn.init.normal_(p, 0.0, 0.02)
        elif name.endswith(".bias"):
            torch.nn.init.zeros_(p)


def lr_at(step):
    """Hearth's cosine with 50 steps of warmup, t_max 610, from 0.002 to 0.0001, stepped per batch."""
    if step < 50:
        return 0.002 * (step + 1) / 51
    t = min(step - 50, 610)
    return 0.0001 + (0.002 - 0.0001) * (1 + math.cos(math.pi * t / 610)) / 2


def pytorch_run(steps, seed, threads=2):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    train, valid, vocab = text_data()
    x, y = windows(train, STRIDE)
    model = Gpt({"vocab_size": vocab, "block_size": BLOCK, "layers": 4, "heads": 4, "width": 128, "norm_noise": 0})
    gpt2_init(model, 4)
    # nanoGPT's groups, as the job's decay = "matrices": matrices decay, biases and norms do not.
    decayed = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.1}, {"params": others, "weight_decay": 0.0}], lr=0.002,
                            betas=(0.9, 0.99))
    order = torch.randperm(len(x))
    model.train()
    start = None
    for step in range(steps):
        if step == SKIP:
            start = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        idx = order[(step * BATCH) % len(x):][:BATCH]
        loss = F.cross_entropy(model(x[idx]).flatten(0, 1), y[idx].flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    tokens_per_s = (steps - SKIP) * BATCH * BLOCK / (time.perf_counter() - start)
    model.eval()
    vx, vy = windows(valid, STRIDE)  # as the job cuts its valid split
    with torch.no_grad():
        valid_loss = F.cross_entropy(model(vx).flatten(0, 1), vy.flatten()).item()
    return tokens_per_s, valid_loss


def hearth_run(exe, steps, seed, runs):
    out = subprocess.run([exe, "run", JOB, "--runs-dir", runs, "--set", f"train.max_steps={steps}", "--set", "train.epochs=100",
                          "--set", 'job.device="cpu"', "--set", f"job.seed={seed}"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stdout + out.stderr)
    run = re.search(r"run finished: (\S+)", out.stdout + out.stderr).group(1)
    lines = open(os.path.join(run, "batches.csv")).read().split("\n")
    head, rows = lines[0].split(","), [line.split(",") for line in lines[1:] if line]
    epoch, step, seconds = head.index("epoch"), head.index("step"), head.index("seconds")
    # `seconds` counts from each epoch's start: the time of steps SKIP+1.. is the sum over epochs.
    ends = {}
    for r in rows:
        ends[r[epoch]] = float(r[seconds])
    skipped = next(float(r[seconds]) for r in rows if int(r[step]) == SKIP)
    tokens_per_s = (int(rows[-1][step]) - SKIP) * BATCH * BLOCK / (sum(ends.values()) - skipped)
    metrics = [line for line in open(os.path.join(run, "metrics.csv")).read().split("\n") if line]
    names, values = metrics[0].split(","), metrics[-1].split(",")
    return tokens_per_s, float(values[names.index("valid.loss")]), run


def sampling(exe, run, cache):
    args = [exe, "sample", run, "--tokens", "400", "--seed", "1", "--prompt", "This License"] + ([] if cache else ["--no-cache"])
    out = subprocess.run(args, capture_output=True, text=True)
    return float(re.search(r"([0-9.]+) tokens/s", out.stderr).group(1))


def main():
    exe = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    samplings = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, 2 threads each; {steps} steps of batch {BATCH} x block {BLOCK}")
    h_rates, p_rates, h_losses, p_losses = [], [], [], []
    with tempfile.TemporaryDirectory() as runs:
        for r in range(rounds):
            h, h_loss, run = hearth_run(exe, steps, r + 1, runs)
            p, p_loss = pytorch_run(steps, r + 1)
            h_rates.append(h)
            p_rates.append(p)
            h_losses.append(h_loss)
            p_losses.append(p_loss)
            print(f"round {r + 1}: Hearth {h:8.0f} tokens/s (valid loss {h_loss:.4f}) | PyTorch {p:8.0f} tokens/s "
                  f"(valid loss {p_loss:.4f}) | ratio {h / p:.2f}")
        # median_high: an even number of rounds gives a measured figure, not a mean of two.
        h_median, p_median = statistics.median_high(h_rates), statistics.median_high(p_rates)
        ratio_median = statistics.median_high([h / p for h, p in zip(h_rates, p_rates)])
        print(f"median: Hearth {h_median:.0f} tokens/s, PyTorch {p_median:.0f} tokens/s, ratio {h_median / p_median:.2f}; "
              f"median of the rounds' ratios {ratio_median:.2f}")
        print(f"valid loss after {steps} steps, seeds 1..{rounds}: Hearth {min(h_losses):.3f}..{max(h_losses):.3f}, "
              f"PyTorch {min(p_losses):.3f}..{max(p_losses):.3f}")
        cached, whole = [], []
        for _ in range(samplings):
            cached.append(sampling(exe, run, True))
            whole.append(sampling(exe, run, False))
        c, w = statistics.median_high(cached), statistics.median_high(whole)
        print(f"sampling 400 tokens, medians of {samplings}: {c:.0f} tokens/s with the key-value cache "
              f"({min(cached):.0f}..{max(cached):.0f}), {w:.0f} without ({min(whole):.0f}..{max(whole):.0f}); {c / w:.2f}x")


if __name__ == "__main__":
    main()
