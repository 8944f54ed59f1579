"""Overdamped Langevin dynamics of soft spheres at temperature T and fixed phi (docs/science.md, s. 1):

    x <- x + dt F(x) + sqrt(2 T dt) xi,    xi ~ Normal(0, 1)  (Euler-Maruyama, unit friction).

One Numba kernel advances n steps with the neighbour list rebuilt inside (wrapped positions for the
forces); the periodic images crossed are counted so that the unwrapped positions x + L img (what
the recorder sees) are exact. The noise comes from Numba's own generator, seeded per sample.
"""
from __future__ import annotations

import ctypes

import numpy as np
from numba import njit

from .cells import NeighborList, build_neighbors
from .fire import _max_disp2
from .forces import particle_forces


@njit(cache=True)
def seed_noise(seed):
    np.random.seed(seed)


class _NumbaRandomState(ctypes.Structure):
    """Numba's Mersenne Twister state (rnd_state_t in numba/_random.c), the generator behind
    np.random inside jitted code. Numba's own rnd_get_state/rnd_set_state leave out the cached
    second Gaussian of the polar method, which a bit-for-bit resume needs."""
    _fields_ = [("index", ctypes.c_int), ("mt", ctypes.c_uint * 624), ("has_gauss", ctypes.c_int),
                ("gauss", ctypes.c_double), ("is_initialized", ctypes.c_int)]


def _numba_random_state() -> _NumbaRandomState:
    from numba import _helperlib
    return _NumbaRandomState.from_address(_helperlib.rnd_get_np_state_ptr())


def noise_state() -> dict:
    """The full state of Numba's np.random generator of this thread (JSON-able and an array)."""
    st = _numba_random_state()
    return {"index": int(st.index), "mt": np.array(st.mt, dtype=np.uint32),
            "has_gauss": int(st.has_gauss), "gauss": float(st.gauss)}


def set_noise_state(state: dict) -> None:
    st = _numba_random_state()
    st.index = int(state["index"])
    ctypes.memmove(st.mt, np.ascontiguousarray(state["mt"], dtype=np.uint32).ctypes.data, 624 * 4)
    st.has_gauss = int(state["has_gauss"])
    st.gauss = float(state["gauss"])
    st.is_initialized = 1


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
def _refresh(pos, xpos, img, frc, bdiam, geom, L, alpha, skin, start, idx, ref, force_build):
    """Forces (and energy) at pos, the list rebuilt first if a particle moved more than skin/2.
    Generic as physics.spheres.fire.fire_loop: pos[N, k] every coordinate, xpos its position
    columns, bdiam the bounding diameters, geom the shapes (forces.particle_forces)."""
    if force_build or _max_disp2(xpos, ref) > 0.25 * skin * skin:
        _wrap_count(xpos, img, L)
        n = build_neighbors(xpos, bdiam, L, skin, start, idx)
        if n < 0:
            return -1.0
        ref[:] = xpos
    return particle_forces(pos, geom, L, alpha, start, idx, frc)


@njit(cache=True)
def langevin_kernel(pos, xpos, img, frc, bdiam, geom, L, alpha, skin, start, idx, ref, T, dt,
                    n_steps):
    """Advance n_steps (every coordinate of pos with unit friction). On entry frc holds F(pos);
    on exit too. Returns (steps done, energy); steps done < n_steps means the neighbour buffer
    overflowed (grow it and call again)."""
    N, d = pos.shape
    amp = np.sqrt(2.0 * T * dt)
    E = 0.0
    for s in range(n_steps):
        for i in range(N):
            for a in range(d):
                pos[i, a] += dt * frc[i, a] + amp * np.random.standard_normal()
        E = _refresh(pos, xpos, img, frc, bdiam, geom, L, alpha, skin, start, idx, ref, False)
        if E < 0.0:
            return s + 1, E
    return n_steps, E


class LangevinState:
    """Positions (wrapped), image counts, forces and neighbour list of one packing under Langevin.
    model: as physics.spheres.fire.Minimisation's (None: spheres; ellipses: pos holds every
    coordinate, diam the bounding diameters)."""

    def __init__(self, pos, diam, L, alpha, T, dt, seed, skin=None, model=None):
        N, k = pos.shape
        geom, dim = (diam, k) if model is None else model
        self.diam, self.L, self.alpha, self.T, self.dt = diam, float(L), float(alpha), float(T), float(dt)
        skin = 0.3 * float(np.mean(diam)) if skin is None else skin
        self.skin = float(min(skin, 0.5 * L - float(diam.max())))
        self.pos = np.array(pos, float)
        self.img = np.zeros((N, dim))
        self.frc = np.zeros_like(self.pos)
        self._geom = geom
        self._xpos = self.pos if model is None else self.pos[:, :dim]
        self.nl = NeighborList(N, dim, self.skin)
        seed_noise(int(seed))
        self.energy = self._refresh(True)

    def _refresh(self, force_build):
        while True:
            E = _refresh(self.pos, self._xpos, self.img, self.frc, self.diam,
                         self._geom, self.L, self.alpha, self.skin, self.nl.start, self.nl.idx,
                         self.nl.ref, force_build)
            if E >= 0.0:
                return E
            self.nl.grow(2 * len(self.nl.idx))
            force_build = True

    def advance(self, n: int) -> None:
        while n > 0:
            done, E = langevin_kernel(self.pos, self._xpos, self.img, self.frc,
                                      self.diam, self._geom, self.L, self.alpha, self.skin,
                                      self.nl.start, self.nl.idx, self.nl.ref, self.T, self.dt,
                                      int(n))
            n -= done
            if E < 0.0:  # the neighbour buffer overflowed: grow it, rebuild, go on
                self.nl.grow(2 * len(self.nl.idx))
                E = self._refresh(True)
            self.energy = E

    def state(self) -> dict:
        """Everything the next steps depend on: positions, image counts, forces, energy, the
        neighbour list as it is, and the noise generator."""
        return {"pos": self.pos.copy(), "img": self.img.copy(), "frc": self.frc.copy(),
                "energy": float(self.energy), "nl_start": self.nl.start.copy(),
                "nl_idx": self.nl.idx.copy(), "nl_ref": self.nl.ref.copy(), "noise": noise_state()}

    def restore(self, st: dict) -> None:
        self.pos[:] = st["pos"]
        self.img[:] = st["img"]
        self.frc[:] = st["frc"]
        self.energy = float(st["energy"])
        self.nl.start = np.array(st["nl_start"], dtype=np.int64)
        self.nl.idx = np.array(st["nl_idx"], dtype=np.int64)
        self.nl.ref = np.array(st["nl_ref"], dtype=np.float64)
        set_noise_state(st["noise"])

    def unwrapped(self) -> np.ndarray:
        """The unwrapped positions [N, d] (for ellipses without the angle column)."""
        return self._xpos + self.L * self.img
