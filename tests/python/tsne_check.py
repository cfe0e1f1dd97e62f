#!/usr/bin/python3
"""Checks the `latent` diagnostic's t-SNE map with NumPy, from the activations and coordinates it
saved: the KL divergence of the map under affinities NumPy computes itself (its own bisection per
row), and how many of each sample's 10 nearest neighbours among the activations stay among its 10
nearest on the map, for the t-SNE map and for the activations' two principal axes.

  tsne_check.py ACTIVATIONS.npy COORDINATES.npy PERPLEXITY
"""
import json
import sys

import numpy as np


def squared_distances(x):
    norms = (x * x).sum(axis=1)
    return np.maximum(norms[:, None] + norms[None, :] - 2 * x @ x.T, 0)


def affinities(x, perplexity):
    """scikit-learn's _binary_search_perplexity, row by row, then (P + P^T) / 2n."""
    d = squared_distances(x)
    n = len(x)
    p = np.zeros((n, n))
    for i in range(n):
        row = np.delete(d[i], i)
        low, high, beta = 0.0, np.inf, 1.0
        for _ in range(200):
            e = np.exp(-(row - row.min()) * beta)
            s = e.sum()
            h = np.log(s) + beta * ((row - row.min()) * e).sum() / s
            if abs(h - np.log(perplexity)) < 1e-12:
                break
            if h > np.log(perplexity):
                low, beta = beta, beta * 2 if high == np.inf else (beta + high) / 2
            else:
                high, beta = beta, (low + beta) / 2
        p[i, np.arange(n) != i] = e / s
    return np.maximum((p + p.T) / (2 * n), np.finfo(float).eps)


def kl_divergence(p, y):
    kernel = 1 / (1 + squared_distances(y))
    np.fill_diagonal(kernel, 0)
    q = np.maximum(kernel / kernel.sum(), np.finfo(float).eps)
    return float((p * np.log(p / q)).sum())


def kept_neighbours(x, y, k=10):
    def nearest(z):
        d = squared_distances(z)
        np.fill_diagonal(d, np.inf)
        return np.argsort(d, axis=1)[:, :k]
    a, b = nearest(x), nearest(y)
    return float(np.mean([len(set(a[i]) & set(b[i])) / k for i in range(len(x))]))


def main():
    x = np.load(sys.argv[1])
    y = np.load(sys.argv[2])
    perplexity = min(float(sys.argv[3]), (len(x) - 1) / 3)
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    pca = centred @ vt[:2].T
    print(json.dumps({
        "kl": kl_divergence(affinities(x, perplexity), y),
        "kept_tsne": kept_neighbours(x, y),
        "kept_pca": kept_neighbours(x, pca),
    }))


if __name__ == "__main__":
    main()
