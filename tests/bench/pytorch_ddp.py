"""The PyTorch side of distributed_two_shapes.py: the CNN on Fashion-MNIST in one process, or as
one rank of DistributedDataParallel over gloo (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). Rank 0
prints samples per second on its last line.

    python3 pytorch_ddp.py SAMPLES THREADS DATA_FOLDER"""
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

from pytorch_loop import cnn, read_idx


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
    model = cnn()
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

if __name__ == "__main__":
    main()
