"""Overdamped Langevin dynamics of soft spheres at temperature T and fixed phi (SCIENCE.md, s. 1):

    x <- x + dt F(x) + sqrt(2 T dt) xi,    xi ~ Normal(0, 1)  (Euler-Maruyama, unit friction).

One Numba kernel advances n steps with the neighbour list rebuilt inside (wrapped positions for the
forces); the periodic images crossed are counted so that the unwrapped positions x + L img (what
the recorder sees) are exact. The noise comes from Numba's own generator, seeded per sample.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .cells import NeighborList, build_neighbors
from .fire import _max_disp2
from .forces import energy_forces_wrapped


@njit(cache=True)
def seed_noise(seed):
    np.random.seed(seed)


@njit(cache=True)
def _wrap_count(pos, img, L):
    N, d = pos.shape
    for i in range(N):
        for a in range(d):
            k = np.floor(pos[i, a] / L)
            if k != 0.0:
                pos[i, a] -= k * L
                img[i, a] += k


@njit(cache=True)
def _refresh(pos, img, frc, diam, L, alpha, skin, start, idx, ref, force_build):
    if force_build or _max_disp2(pos, ref) > 0.25 * skin * skin:
        _wrap_count(pos, img, L)
        n = build_neighbors(pos, diam, L, skin, start, idx)
        if n < 0:
            return -1.0
        ref[:] = pos
    return energy_forces_wrapped(pos, diam, L, alpha, start, idx, frc)


@njit(cache=True)
def langevin_kernel(pos, img, frc, diam, L, alpha, skin, start, idx, ref, T, dt, n_steps):
    """Advance n_steps. On entry frc holds F(pos); on exit too. Returns (steps done, energy);
    steps done < n_steps means the neighbour buffer overflowed (grow it and call again)."""
    N, d = pos.shape
    amp = np.sqrt(2.0 * T * dt)
    E = 0.0
    for s in range(n_steps):
        for i in range(N):
            for a in range(d):
                pos[i, a] += dt * frc[i, a] + amp * np.random.standard_normal()
        E = _refresh(pos, img, frc, diam, L, alpha, skin, start, idx, ref, False)
        if E < 0.0:
            return s + 1, E
    return n_steps, E


class LangevinState:
    """Positions (wrapped), image counts, forces and neighbour list of one packing under Langevin."""

    def __init__(self, pos, diam, L, alpha, T, dt, seed, skin=None):
        N, dim = pos.shape
        self.diam, self.L, self.alpha, self.T, self.dt = diam, float(L), float(alpha), float(T), float(dt)
        skin = 0.3 * float(np.mean(diam)) if skin is None else skin
        self.skin = float(min(skin, 0.5 * L - float(diam.max())))
        self.pos = np.array(pos, float)
        self.img = np.zeros_like(self.pos)
        self.frc = np.zeros_like(self.pos)
        self.nl = NeighborList(N, dim, self.skin)
        seed_noise(int(seed))
        self.energy = self._refresh(True)

    def _refresh(self, force_build):
        while True:
            E = _refresh(self.pos, self.img, self.frc, self.diam, self.L, self.alpha, self.skin,
                         self.nl.start, self.nl.idx, self.nl.ref, force_build)
            if E >= 0.0:
                return E
            self.nl.grow(2 * len(self.nl.idx))
            force_build = True

    def advance(self, n: int) -> None:
        while n > 0:
            done, E = langevin_kernel(self.pos, self.img, self.frc, self.diam, self.L, self.alpha,
                                      self.skin, self.nl.start, self.nl.idx, self.nl.ref, self.T,
                                      self.dt, int(n))
            n -= done
            if E < 0.0:  # the neighbour buffer overflowed: grow it, rebuild, go on
                self.nl.grow(2 * len(self.nl.idx))
                E = self._refresh(True)
            self.energy = E

    def unwrapped(self) -> np.ndarray:
        return self.pos + self.L * self.img
