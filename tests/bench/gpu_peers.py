"""Hearth against the peers a GPU user would pick, in one invocation, alternated round by round:
Hearth's `cnn` and `resnet` jobs (fp32 and bf16 autocast, batch 256) against a PyTorch eager loop
and PyTorch Lightning's Trainer with the same LightningModule. Same model (as the plugins build
it), data (Fashion-MNIST, 54,000 training images: the jobs' valid_fraction 0.1), batch size,
optimizer (Adam, lr 0.002) and precision. Each contender runs in its own process; samples/s is the
training steps' rate over the epochs after the first (CUDA warm-up and cuDNN's choices).

Contenders:
  hearth       `hearth run` of the job; train_seconds per epoch from run.json
  eager        the loop of PyTorch's tutorials: data in pinned memory, non-blocking copies,
               `running_loss += loss.item()` each step
  eager-async  the same loop without the per-step `.item()` (the loss summed on the GPU)
  lightning    Trainer(max_epochs, precision "32-true" or "bf16-mixed", no logger, checkpoint or
               progress bar) over a DataLoader(TensorDataset, shuffle, 4 workers, pinned memory)
Usage: gpu_peers.py --hearth PATH [--rounds N] [--epochs E] [--only cnn|resnet]
       gpu_peers.py --one CONTENDER MODEL PRECISION EPOCHS   (one measurement, prints JSON)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

DATA = "/usr/share/datasets/fashion-mnist"
BATCH = 256
LR = 0.002
TRAIN = 54000
JOBS = {"cnn": "assets/jobs/fashion-mnist-cnn.toml", "resnet": "assets/jobs/fashion-mnist-resnet.toml"}


def model_of(name):
    import torch
    nn = torch.nn
    if name == "cnn":  # Hearth's cnn plugin with the job's channels [32, 64], hidden 24
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 24), nn.ReLU(), nn.Dropout(0.25), nn.Linear(24, 10))

    class Block(nn.Module):  # Hearth's resnet plugin's basic block
        def __init__(self, i, o, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(o)
            self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(o)
            self.short = None
            if stride != 1 or i != o:
                self.short = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))

        def forward(self, x):
            y = torch.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return torch.relu(y + (self.short(x) if self.short is not None else x))

    blocks, i = [], 16
    for stage in range(3):
        o = 16 << stage
        for b in range(2):
            blocks.append(Block(i, o, 2 if b == 0 and stage > 0 else 1))
            i = o
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), *blocks,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(i, 10))


def data():
    import numpy as np
    import torch
    from pytorch_loop import read_idx  # the CPU benchmarks' IDX reader, beside this file
    images = torch.from_numpy(read_idx(DATA + "/train-images-idx3-ubyte.gz")[:TRAIN].copy()).float().div(255).unsqueeze(1)
    labels = torch.from_numpy(read_idx(DATA + "/train-labels-idx1-ubyte.gz")[:TRAIN].astype(np.int64))
    return images, labels


def eager(model_name, precision, epochs, sync_each_step):
    import torch
    torch.manual_seed(1)
    images, labels = data()
    images, labels = images.pin_memory(), labels.pin_memory()
    model = model_of(model_name).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    rates = []
    for _ in range(epochs):
        model.train()
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(TRAIN)
        running = 0.0 if sync_each_step else torch.zeros((), device="cuda")
        for i in range(0, TRAIN, BATCH):
            idx = order[i:i + BATCH]
            x = images[idx].pin_memory().cuda(non_blocking=True)
            y = labels[idx].pin_memory().cuda(non_blocking=True)
            optimizer.zero_grad()
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=precision == "bf16"):
                loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            running += loss.item() if sync_each_step else loss.detach()
        float(running)
        torch.cuda.synchronize()
        rates.append(TRAIN / (time.perf_counter() - start))
    return rates


def lightning(model_name, precision, epochs):
    import lightning as L
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    torch.manual_seed(1)
    images, labels = data()

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.model = model_of(model_name)

        def training_step(self, batch, _):
            x, y = batch
            return torch.nn.functional.cross_entropy(self.model(x), y)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=LR)

    rates = []

    class Clock(L.Callback):
        def on_train_epoch_start(self, trainer, module):
            torch.cuda.synchronize()
            self.start = time.perf_counter()

        def on_train_epoch_end(self, trainer, module):
            torch.cuda.synchronize()
            rates.append(TRAIN / (time.perf_counter() - self.start))

    loader = DataLoader(TensorDataset(images, labels), batch_size=BATCH, shuffle=True, num_workers=4, pin_memory=True,
                        persistent_workers=True)
    trainer = L.Trainer(accelerator="gpu", devices=1, max_epochs=epochs, precision="bf16-mixed" if precision == "bf16" else "32-true",
                        logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        callbacks=[Clock()])
    trainer.fit(Module(), loader)
    return rates


def hearth(exe, model_name, precision, epochs):
    with tempfile.TemporaryDirectory() as runs:
        sets = ["dataset.batch_size=%d" % BATCH, "train.epochs=%d" % epochs, "optimizer.lr=%g" % LR,
                "dataset.augment_flip=false", "train.precision=\"%s\"" % ("bf16" if precision == "bf16" else "fp32"),
                "job.device=\"cuda\"", "train.validate_every=%d" % epochs]
        cmd = [exe, "run", JOBS[model_name], "--runs-dir", runs] + [a for s in sets for a in ("--set", s)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit("hearth failed:\n" + done.stdout[-3000:] + done.stderr[-3000:])
        (info_path,) = [os.path.join(d, "run.json") for d, _, files in os.walk(runs) if "run.json" in files]
        with open(info_path) as f:
            timing = json.load(f)["timing"]
        rates = [TRAIN / t["train_seconds"] for t in timing]
        waits = [t["data_wait_seconds"] / t["train_seconds"] for t in timing]
        return rates, waits


def one(args):
    contender, model_name, precision, epochs = args.one[0], args.one[1], args.one[2], int(args.one[3])
    waits = None
    if contender == "hearth":
        rates, waits = hearth(args.hearth, model_name, precision, epochs)
    elif contender == "eager":
        rates = eager(model_name, precision, epochs, True)
    elif contender == "eager-async":
        rates = eager(model_name, precision, epochs, False)
    elif contender == "lightning":
        rates = lightning(model_name, precision, epochs)
    else:
        raise SystemExit("unknown contender " + contender)
    print(json.dumps({"rates": rates, "waits": waits}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", default="build/bin/hearth")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--only", choices=["cnn", "resnet"])
    ap.add_argument("--one", nargs=4)
    args = ap.parse_args()
    if args.one:
        return one(args)
    contenders = ["hearth", "eager", "eager-async", "lightning"]
    configs = [(m, p) for m in (["cnn", "resnet"] if not args.only else [args.only]) for p in ("fp32", "bf16")]
    results = {}
    for r in range(args.rounds):
        for m, p in configs:
            order = contenders if r % 2 == 0 else contenders[::-1]
            for c in order:
                done = subprocess.run([sys.executable, __file__, "--hearth", args.hearth, "--one", c, m, p, str(args.epochs)],
                                      capture_output=True, text=True)
                line = done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else ""
                if not line.startswith("{"):
                    print(f"round {r + 1} {m} {p} {c}: FAILED\n{done.stdout[-2000:]}{done.stderr[-2000:]}", flush=True)
                    continue
                got = json.loads(line)
                later = got["rates"][1:] or got["rates"]
                results.setdefault((m, p, c), []).append(statistics.median(later))
                if got["waits"]:
                    results.setdefault((m, p, "wait"), []).append(max(got["waits"][1:] or got["waits"]))
                print(f"round {r + 1} {m} {p} {c}: {statistics.median(later):,.0f} samples/s", flush=True)
    print("\n| model | precision | Hearth | eager | eager-async | Lightning | Hearth/eager | Hearth/eager-async | Hearth/Lightning | data wait |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for m, p in configs:
        med = {c: statistics.median(results[(m, p, c)]) if results.get((m, p, c)) else float("nan") for c in contenders}
        wait = max(results.get((m, p, "wait"), [float("nan")]))
        print(f"| {m} | {p} | {med['hearth']:,.0f} | {med['eager']:,.0f} | {med['eager-async']:,.0f} | {med['lightning']:,.0f} | "
              f"{med['hearth'] / med['eager']:.2f} | {med['hearth'] / med['eager-async']:.2f} | {med['hearth'] / med['lightning']:.2f} | "
              f"{100 * wait:.2f}% |")


if __name__ == "__main__":
    main()
