#!/usr/bin/python3
"""Recomputes the `latent` diagnostic's PCA with NumPy from the activations it saved and prints
the largest difference from its coordinates, relative to their spread, with the shapes.

  pca_check.py ACTIVATIONS.npy COORDINATES.npy
"""
import json
import sys

import numpy as np


def main():
    activations = np.load(sys.argv[1])
    coordinates = np.load(sys.argv[2])
    centred = activations - activations.mean(axis=0, keepdims=True)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2].copy()
    for row in axes:  # the diagnostic's convention: each axis's largest loading is positive
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    reference = centred @ axes.T
    spread = float(np.abs(reference).max())
    variance = s * s
    print(json.dumps({
        "activations": list(activations.shape),
        "coordinates": list(coordinates.shape),
        "relative_difference": float(np.abs(reference - coordinates).max()) / spread,
        "explained_1": float(variance[0] / variance.sum()),
    }))


if __name__ == "__main__":
    main()
