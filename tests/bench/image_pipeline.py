#!/usr/bin/python3
"""The image pipeline against torchvision (issue 27): samples per second of one training epoch
over a folder of JPEGs, decoded and augmented on 2 worker threads (Hearth's image_folder and
shards with [[transforms]]) or 2 worker processes (torchvision's ImageFolder + DataLoader), with
the same transforms, batch 64 and a model too small to matter (one linear layer), 2 cores for
both, alternated in one invocation; medians over rounds. Also the share of the step time the
trainer waited for data when the model is the built-in CNN.

The images are made here (smooth colour fields with edges and noise, encoded by libjpeg-turbo
through torchvision.io at quality 90), since no photo collection ships in Debian.

Usage: tests/bench/image_pipeline.py [--images N] [--sizes 96,224] [--rounds R]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torchvision
from torchvision import transforms as T

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEARTH = os.path.join(ROOT, "build", "bin", "hearth")
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def make_images(folder, count, size, classes=10):
    g = torch.Generator().manual_seed(size)
    for c in range(classes):
        os.makedirs(os.path.join(folder, f"class{c}"), exist_ok=True)
    # Photos are rarely square: a 4:3 frame whose shorter side is `size`.
    h, w = size, size * 4 // 3
    y = torch.linspace(0, 1, h).view(1, h, 1)
    x = torch.linspace(0, 1, w).view(1, 1, w)
    for i in range(count):
        f = torch.rand(3, 1, 1, generator=g) * 6 + 1
        phase = torch.rand(3, 1, 1, generator=g) * 6
        img = 128 + 80 * torch.sin(f * x * 3 + phase) * torch.cos(f * y * 2 - phase)
        img = img + 40 * ((x * f * 4 + y * 3).floor() % 2) + torch.randn(3, h, w, generator=g) * 12
        data = torchvision.io.encode_jpeg(img.clamp(0, 255).to(torch.uint8), quality=90)
        with open(os.path.join(folder, f"class{i % classes}", f"{i:06d}.jpg"), "wb") as out:
            out.write(data.numpy().tobytes())


def make_shards(folder, shards_dir):
    """The same JPEGs as WebDataset shards (KEY.jpg + KEY.cls), written with Python's tarfile."""
    import io
    import tarfile
    os.makedirs(shards_dir)
    classes = sorted(os.listdir(folder))
    items = [(c, f) for ci, c in enumerate(classes) for f in sorted(os.listdir(os.path.join(folder, c)))]
    per_shard = 1000
    for s in range(0, len(items), per_shard):
        with tarfile.open(os.path.join(shards_dir, f"train-{s // per_shard:06d}.tar"), "w") as tar:
            for c, f in items[s:s + per_shard]:
                key = f"{c}-{f[:-4]}"
                for ext, data in (("jpg", open(os.path.join(folder, c, f), "rb").read()), ("cls", str(classes.index(c)).encode())):
                    info = tarfile.TarInfo(f"{key}.{ext}")
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
    return (len(items) + per_shard - 1) // per_shard


def transforms_toml(kind, size):
    if kind == "rrc":
        steps = [("random_resized_crop", f"size = {size}"), ("horizontal_flip", "")]
    else:
        steps = [("center_crop", f"size = {size}"), ("horizontal_flip", ""), ("random_crop", "padding = 4")]
    steps.append(("normalize", f"mean = {MEAN}\nstd = {STD}"))
    return "".join(f"\n[[transforms]]\nop = \"{op}\"\n{keys}\n" for op, keys in steps)


def torchvision_transforms(kind, size):
    if kind == "rrc":
        steps = [T.RandomResizedCrop(size), T.RandomHorizontalFlip()]
    else:
        steps = [T.CenterCrop(size), T.RandomHorizontalFlip(), T.RandomCrop(size, padding=4)]
    return T.Compose(steps + [T.ToTensor(), T.Normalize(MEAN, STD)])


def hearth_epoch(work, dataset_toml, kind, size, model="linear", subsample=1.0):
    job = os.path.join(work, "job.toml")
    if model == "linear":
        model_toml = f'plugin = "mlp"\nin_features = {3 * size * size}\nhidden = []\nout_features = 10'
    else:
        model_toml = f'plugin = "cnn"\nin_channels = 3\ninput_size = {size}\nclasses = 10'
    with open(job, "w") as f:
        f.write(f"""[job]
name = "image-pipeline"
seed = 1
device = "cpu"
threads = 2

[dataset]
{dataset_toml}
uint8 = true
subsample = {subsample}
batch_size = 64
workers = 2
{transforms_toml(kind, size)}
[model]
{model_toml}

[[losses]]
plugin = "cross_entropy"

[optimizer]
plugin = "sgd"
lr = 0.01

[train]
epochs = 1
monitor = "train.loss"
""")
    runs = os.path.join(work, "runs")
    out = subprocess.run([HEARTH, "run", job, "--runs-dir", runs], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stdout + out.stderr)
    run_dir = os.path.join(runs, "image-pipeline", os.listdir(os.path.join(runs, "image-pipeline"))[0])
    info = json.load(open(os.path.join(run_dir, "run.json")))
    timing = info["timing"][0]
    shutil.rmtree(runs)
    return timing["train_seconds"], timing["data_wait_seconds"]


def torchvision_epoch(folder, kind, size):
    torch.set_num_threads(2)
    torch.manual_seed(1)
    data = torchvision.datasets.ImageFolder(folder, transform=torchvision_transforms(kind, size))
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True, num_workers=2)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * size * size, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    t0 = time.monotonic()
    for x, y in loader:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=3000)
    ap.add_argument("--sizes", default="96,224")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(HEARTH):
        sys.exit(f"{HEARTH} is missing: build first")
    work = tempfile.mkdtemp(prefix="hearth-image-pipeline-")
    try:
        print(f"# {a.images} JPEGs per size, batch 64, 2 workers, {os.cpu_count()} cores; torch {torch.__version__}, "
              f"torchvision {torchvision.__version__}")
        for size in (int(s) for s in a.sizes.split(",")):
            folder = os.path.join(work, f"jpeg-{size}")
            make_images(folder, a.images, size)
            shards = os.path.join(work, f"shards-{size}")
            count = make_shards(folder, shards)
            folder_toml = f'plugin = "image_folder"\nfolder = "{folder}"'
            shards_toml = f'plugin = "shards"\nfolder = "{shards}"\ntrain = ["train-{{000000..{count - 1:06d}}}.tar"]'
            for kind, label in (("rrc", "random resized crop + flip + normalize"), ("shift", "flip + 4-pixel shift + normalize")):
                rates = {"hearth image_folder": [], "hearth shards": [], "torchvision": []}
                for _ in range(a.rounds):
                    seconds, _ = hearth_epoch(work, folder_toml, kind, size)
                    rates["hearth image_folder"].append(a.images / seconds)
                    seconds, _ = hearth_epoch(work, shards_toml, kind, size)
                    rates["hearth shards"].append(a.images / seconds)
                    rates["torchvision"].append(a.images / torchvision_epoch(folder, kind, size))
                tv = statistics.median(rates["torchvision"])
                print(f"## {size} px, {label}")
                for who, values in rates.items():
                    m = statistics.median(values)
                    print(f"  {who:20s} {m:8.0f} samples/s  {m / tv:5.2f}x torchvision  ({', '.join(f'{v:.0f}' for v in values)})")
            # A fifth of the images: the CNN is what takes the time here, not the data.
            seconds, wait = hearth_epoch(work, folder_toml, "rrc", size, model="cnn", subsample=0.2)
            print(f"## {size} px, the built-in CNN on image_folder: data wait {100 * wait / seconds:.1f}% of the step time "
                  f"({0.2 * a.images / seconds:.0f} samples/s)")
            shutil.rmtree(folder)
            shutil.rmtree(shards)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
