"""The PyTorch side of bench_train_throughput: the same model, batches, optimizer and threads as
the Hearth run and the hand-written LibTorch loop. Prints samples per second on the last line."""
import gzip
import sys
import time

import numpy as np
import torch


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def cnn():
    """The benchmarks' CNN, as Hearth's `cnn` plugin builds it with channels [16, 32], hidden 48."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 48), torch.nn.ReLU(), torch.nn.Dropout(0.25),
        torch.nn.Linear(48, 10))


def main():
    model_name, samples, threads, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    images = torch.from_numpy(read_idx(folder + "/train-images-idx3-ubyte.gz")[:samples].copy()).float().div(255)
    images = ((images - 0.2860) / 0.3530).unsqueeze(1)
    labels = torch.from_numpy(read_idx(folder + "/train-labels-idx1-ubyte.gz")[:samples].astype(np.int64))
    if model_name == "mlp":
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    else:
        model = cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    model.train()
    order = torch.randperm(samples)
    start = time.perf_counter()
    for i in range(0, samples, 64):
        idx = order[i:i + 64]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images[idx]), labels[idx])
        loss.backward()
        optimizer.step()
    print(samples / (time.perf_counter() - start))


if __name__ == "__main__":
    main()
