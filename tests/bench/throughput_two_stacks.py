#!/usr/bin/env python3
"""Training throughput on both Debian stacks in one invocation, alternated.

Runs `bench_train_throughput one WHO MODEL` from the Debian 12 build (LibTorch 1.13, PyTorch
1.13 from python3-torch) and, through scripts/debian13-root.sh, from the Debian 13 build
(LibTorch 2.6, PyTorch 2.6): six contenders per model, the order rotated every round so none
always runs first. Prints medians and the ratios that docs/benchmarks.md records.

Usage (as root, from the checkout, after scripts/setup.sh here and in the Debian 13 root):
    tests/bench/throughput_two_stacks.py [ROUNDS] [--markdown]
"""
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STACKS = {
    "1.13": ["build/bin/bench_train_throughput"],
    "2.6": ["scripts/debian13-root.sh", "build-debian13/bin/bench_train_throughput"],
}
WHO = ["hearth", "libtorch", "pytorch"]
NAMES = {"hearth": "Hearth", "libtorch": "hand-written", "pytorch": "PyTorch"}
# Ratios also taken round by round (both measured minutes apart), which this machine's noise
# disturbs less than a ratio of two medians.
PAIRS = [(("2.6", "hearth"), ("2.6", "pytorch")), (("2.6", "hearth"), ("2.6", "libtorch")),
         (("1.13", "hearth"), ("1.13", "pytorch")), (("1.13", "hearth"), ("1.13", "libtorch"))]
TARGETS = {PAIRS[0]: "≥ 1.0", PAIRS[1]: "≥ 0.97"}


def ratio_name(pair):
    (stack_a, who_a), (stack_b, who_b) = pair
    target = f" ({TARGETS[pair]})" if pair in TARGETS else ""
    return f"{NAMES[who_a]} {stack_a} / {NAMES[who_b]} {stack_b}{target}"


def measure(stack, who, model):
    cmd = STACKS[stack] + ["one", who, model]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args and (not args[0].isdigit() or int(args[0]) < 1):
        sys.exit("usage: tests/bench/throughput_two_stacks.py [ROUNDS >= 1] [--markdown]")
    rounds = int(args[0]) if args else 3
    markdown = "--markdown" in sys.argv
    contenders = [(stack, who) for who in WHO for stack in STACKS]
    results, paired = {}, {}
    for model in ("mlp", "cnn"):
        samples = {c: [] for c in contenders}
        for r in range(rounds):
            order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
            for stack, who in order:
                value = measure(stack, who, model)
                samples[(stack, who)].append(value)
                print(f"  {model} round {r + 1}: {NAMES[who]} ({stack}) {value:,.0f} samples/s", file=sys.stderr, flush=True)
        results[model] = {c: statistics.median(v) for c, v in samples.items()}
        paired[model] = {pair: [a / b for a, b in zip(samples[pair[0]], samples[pair[1]])] for pair in PAIRS}

    print(f"training throughput, Fashion-MNIST, batch 64, Adam, 2 threads, median of {rounds} alternated rounds (samples/s)")
    header = ["model"] + [f"{NAMES[w]} ({s})" for w in WHO for s in STACKS] + [ratio_name(p) for p in PAIRS]
    rows = []
    for model, m in results.items():
        rows.append([model] + [f"{m[(s, w)]:,.0f}" for w in WHO for s in STACKS] +
                    [f"{m[a] / m[b]:.2f}" for a, b in PAIRS])
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in rows:
            print("  " + "   ".join(f"{h}: {v}" for h, v in zip(header, row)))
    print("ratios round by round (median; each round's values):")
    for model, pairs in paired.items():
        for (a, b), ratios in pairs.items():
            each = ", ".join(f"{r:.2f}" for r in ratios)
            print(f"  {model} {ratio_name((a, b))}: {statistics.median(ratios):.2f} ({each})")


if __name__ == "__main__":
    main()
