"""Cell lists and Verlet neighbour lists (O(N) per build).

The box [0, L)^d is cut into cells of side >= max diameter + skin; every pair closer than
sigma_ij + skin lies in the same or in adjacent cells. The neighbour list is a half list in CSR
form: the neighbours j > i of particle i are idx[start[i]:start[i+1]]. With fewer than 3 cells
along a side (small boxes) the build falls back to all pairs (O(N^2), only for small N).
Positions may be unwrapped: distances use the minimum image, cells the wrapped coordinates.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .background import maybe_in_thread


def min_image_array(dx, L):
    """dx (any shape, NumPy) brought to its nearest periodic image, in [-L/2, L/2): the one
    minimum-image formula of the project."""
    return dx - L * np.floor(dx / L + 0.5)


min_image = njit(cache=True)(min_image_array)
"""The same formula compiled by Numba, for the kernels (scalars)."""


@njit(cache=True)
def near(pos, diam, L, skin, i, j):
    """Whether particles i and j are closer than sigma_ij + skin (minimum image)."""
    r2 = 0.0
    for a in range(pos.shape[1]):
        dx = min_image(pos[i, a] - pos[j, a], L)
        r2 += dx * dx
    c = 0.5 * (diam[i] + diam[j]) + skin
    return r2 < c * c


@njit(cache=True, nogil=True)
def build_neighbors(pos, diam, L, skin, start, idx):
    """Fill the half neighbour list (pairs with r < sigma_ij + skin). Returns the number of pairs,
    or minus the number needed when `idx` is too small (then nothing is valid: grow and call again)."""
    N, d = pos.shape
    rc = diam.max() + skin
    nc = int(np.floor(L / rc))
    cap = idx.shape[0]
    n = 0
    if nc < 3:  # small box: all pairs
        for i in range(N):
            start[i] = n
            for j in range(i + 1, N):
                if near(pos, diam, L, skin, i, j):
                    if n < cap:
                        idx[n] = j
                    n += 1
        start[N] = n
        return n if n <= cap else -n
    ncz = nc if d == 3 else 1
    ncell = nc * nc * ncz
    head = -np.ones(ncell, np.int64)
    nxt = np.empty(N, np.int64)
    cell = np.empty((N, 3), np.int64)
    for i in range(N):
        c3 = 0
        for a in range(d):
            w = pos[i, a] - L * np.floor(pos[i, a] / L)
            ca = int(w / L * nc)
            if ca >= nc:
                ca = nc - 1
            if ca < 0:
                ca = 0
            cell[i, a] = ca
        if d == 2:
            cell[i, 2] = 0
        c3 = (cell[i, 2] * nc + cell[i, 1]) * nc + cell[i, 0]
        nxt[i] = head[c3]
        head[c3] = i
    zr = 1 if d == 3 else 0
    for i in range(N):
        start[i] = n
        cx, cy, cz = cell[i, 0], cell[i, 1], cell[i, 2]
        for oz in range(-zr, zr + 1):
            z = (cz + oz) % ncz
            for oy in range(-1, 2):
                y = (cy + oy) % nc
                for ox in range(-1, 2):
                    x = (cx + ox) % nc
                    j = head[(z * nc + y) * nc + x]
                    while j >= 0:
                        if j > i:
                            if near(pos, diam, L, skin, i, j):
                                if n < cap:
                                    idx[n] = j
                                n += 1
                        j = nxt[j]
    start[N] = n
    return n if n <= cap else -n


class NeighborList:
    """Owns the CSR arrays of the half neighbour list and grows them when they overflow."""

    def __init__(self, N: int, dim: int, skin: float):
        self.skin = float(skin)
        self.start = np.zeros(N + 1, np.int64)
        self.idx = np.zeros(max(16, 8 * N if dim == 2 else 20 * N), np.int64)
        self.ref = np.zeros((N, dim))  # positions at the last build

    def grow(self, needed: int) -> None:
        self.idx = np.zeros(int(1.5 * needed) + 16, np.int64)

    def build(self, pos, diam, L) -> int:
        while True:         # in a thread for big packings: Ctrl-C is seen at once
            n = maybe_in_thread(build_neighbors, (pos, diam, L, self.skin, self.start, self.idx),
                                len(pos))
            if n >= 0:
                self.ref[:] = pos
                return n
            self.grow(-n)

    def pairs(self):
        """(i, j) arrays of the listed pairs."""
        counts = np.diff(self.start)
        i = np.repeat(np.arange(len(counts)), counts)
        return i, self.idx[: self.start[-1]].copy()


def all_pairs_within(pos, diam, L, skin):
    """Reference: every pair (i < j) with minimum-image r < sigma_ij + skin, by brute force (NumPy)."""
    N = len(pos)
    i, j = np.triu_indices(N, 1)
    dx = min_image_array(pos[i] - pos[j], L)
    r = np.sqrt((dx * dx).sum(1))
    keep = r < 0.5 * (diam[i] + diam[j]) + skin
    return i[keep], j[keep]
