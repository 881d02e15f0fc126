"""Peaks of a critic's value surface on the [−3, 3]² grid (numpy only, usable by the report)."""

from __future__ import annotations

import numpy as np

GRID_N, GRID_LIM = 128, 3.0


def local_max_mask(values: np.ndarray) -> np.ndarray:
    """Grid points at least as high as their 8 neighbours and above one of them (edges padded
    repeated): a peak between two grid points still counts, a flat plateau does not."""
    padded = np.pad(values, 1, mode="edge")
    neighbours = [padded[1 + dy:1 + dy + values.shape[0], 1 + dx:1 + dx + values.shape[1]]
                  for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
    return np.all([values >= nb for nb in neighbours], axis=0) & np.any([values > nb for nb in neighbours], axis=0)


def count_peaks(values: np.ndarray, centres: np.ndarray, radius: float = 0.1) -> int:
    axis = np.linspace(-GRID_LIM, GRID_LIM, GRID_N)
    gx, gy = np.meshgrid(axis, axis)
    maxima = np.stack([gx[local_max_mask(values)], gy[local_max_mask(values)]], axis=1)
    if not len(maxima):
        return 0
    d = np.linalg.norm(centres[:, None, :] - maxima[None, :, :], axis=-1)
    return int(np.sum(d.min(axis=1) <= radius))
