#!/usr/bin/python3
"""Recomputes the `saliency` diagnostic's input gradients with PyTorch's autograd.grad on the run's
exported TorchScript model and prints the largest difference, relative to the largest gradient.

  saliency_check.py MODEL.torchscript.pt INPUTS.npy GRADIENTS.npy
"""
import json
import sys

import numpy as np
import torch


def main():
    model = torch.jit.load(sys.argv[1]).eval()
    x = torch.from_numpy(np.load(sys.argv[2])).requires_grad_(True)
    expected = np.load(sys.argv[3])
    out = model(x)
    if isinstance(out, (tuple, list)):
        out = out[0]
    scores = out.reshape(x.shape[0], -1)
    picked = scores.gather(1, scores.argmax(1, keepdim=True)).sum()
    (grad,) = torch.autograd.grad(picked, x)
    grad = grad.numpy()
    print(json.dumps({
        "shape": list(grad.shape),
        "relative_difference": float(np.abs(grad - expected).max() / max(np.abs(grad).max(), 1e-30)),
    }))


if __name__ == "__main__":
    main()
