"""Pair energy, forces, pressure and contacts of soft spheres (docs/science.md, section 3).

    V(r) = (eps/alpha) (1 - r/sigma_ij)^alpha   for r < sigma_ij, else 0,   eps = 1
    alpha = 2 (harmonic) or 5/2 (Hertz),  sigma_ij = (sigma_i + sigma_j)/2.

The contact force magnitude is f = -V'(r) = (1/sigma_ij) (1 - r/sigma_ij)^(alpha - 1) and the
pressure the virial P = (1 / (d L^d)) sum_contacts r f (units eps / sigma^d, sigma = small diameter).
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from .background import maybe_in_thread
from .cells import min_image


@njit(cache=True, inline="always")
def _pow(x, p):
    if p == 1.0:
        return x
    if p == 1.5:
        return x * np.sqrt(x)
    if p == 2.0:
        return x * x
    if p == 2.5:
        return x * x * np.sqrt(x)
    return x ** p


@njit(cache=True, fastmath=True)
def _ef2(pos, diam, L, alpha, start, idx, frc):
    """2D kernel; positions wrapped into the box (|x_i - x_j| < 1.5 L). Harmonic pairs (alpha = 2)
    take one division and no branch on the overlap (d = max(sigma_ij - r, 0); f/r = d / (sigma_ij^2
    r), V = d^2 / (2 sigma_ij^2)): 1.1-1.35x faster than the general branch (FIRE of 1024 and 4096
    disks, docs/performance.md section 4), equal to it to rounding."""
    N = pos.shape[0]
    hL = 0.5 * L
    E = 0.0
    inv_a = 1.0 / alpha
    am1 = alpha - 1.0
    harmonic = alpha == 2.0
    for i in range(N):
        frc[i, 0] = 0.0
        frc[i, 1] = 0.0
    for i in range(N):
        si = diam[i]
        xi = pos[i, 0]
        yi = pos[i, 1]
        fxi = 0.0
        fyi = 0.0
        for k in range(start[i], start[i + 1]):
            j = idx[k]
            sij = 0.5 * (si + diam[j])
            dx = xi - pos[j, 0]
            if dx > hL:
                dx -= L
            elif dx < -hL:
                dx += L
            dy = yi - pos[j, 1]
            if dy > hL:
                dy -= L
            elif dy < -hL:
                dy += L
            r2 = dx * dx + dy * dy
            if harmonic:
                r = np.sqrt(r2)
                q = 1.0 / (sij * sij * r)
                d = max(sij - r, 0.0)
                E += 0.5 * d * d * r * q
                f = d * q
            elif r2 < sij * sij:
                r = np.sqrt(r2)
                x = 1.0 - r / sij
                xa1 = _pow(x, am1)
                E += inv_a * xa1 * x
                f = xa1 / (sij * r)
            else:
                continue
            fxi += f * dx
            fyi += f * dy
            frc[j, 0] -= f * dx
            frc[j, 1] -= f * dy
        frc[i, 0] += fxi
        frc[i, 1] += fyi
    return E


@njit(cache=True)
def _ef3(pos, diam, L, alpha, start, idx, frc):
    """3D kernel; positions wrapped into the box (|x_i - x_j| < 1.5 L)."""
    N = pos.shape[0]
    hL = 0.5 * L
    E = 0.0
    inv_a = 1.0 / alpha
    am1 = alpha - 1.0
    frc[:] = 0.0
    for i in range(N):
        si = diam[i]
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        fxi = 0.0
        fyi = 0.0
        fzi = 0.0
        for k in range(start[i], start[i + 1]):
            j = idx[k]
            sij = 0.5 * (si + diam[j])
            dx = xi - pos[j, 0]
            if dx > hL:
                dx -= L
            elif dx < -hL:
                dx += L
            dy = yi - pos[j, 1]
            if dy > hL:
                dy -= L
            elif dy < -hL:
                dy += L
            dz = zi - pos[j, 2]
            if dz > hL:
                dz -= L
            elif dz < -hL:
                dz += L
            r2 = dx * dx + dy * dy + dz * dz
            if r2 < sij * sij:
                r = np.sqrt(r2)
                x = 1.0 - r / sij
                xa1 = _pow(x, am1)
                E += inv_a * xa1 * x
                f = xa1 / (sij * r)
                fxi += f * dx
                fyi += f * dy
                fzi += f * dz
                frc[j, 0] -= f * dx
                frc[j, 1] -= f * dy
                frc[j, 2] -= f * dz
        frc[i, 0] += fxi
        frc[i, 1] += fyi
        frc[i, 2] += fzi
    return E


@njit(cache=True)
def energy_forces_wrapped(pos, diam, L, alpha, start, idx, frc):
    """Energy and forces (into frc) for positions wrapped into [0, L): the fast path."""
    if pos.shape[1] == 2:
        return _ef2(pos, diam, L, alpha, start, idx, frc)
    return _ef3(pos, diam, L, alpha, start, idx, frc)


@njit(cache=True)
def wrap(pos, L):
    """Wrap positions into [0, L) in place."""
    N, d = pos.shape
    for i in range(N):
        for a in range(d):
            pos[i, a] -= L * np.floor(pos[i, a] / L)


@njit(cache=True)
def energy_forces(pos, diam, L, alpha, start, idx, frc):
    """Total energy; writes the forces into frc[N, d] (zeroed here). Pairs from the half list.
    Any positions (unwrapped too): the general minimum image."""
    N, d = pos.shape
    frc[:] = 0.0
    E = 0.0
    dx = np.empty(d)
    inv_a = 1.0 / alpha
    for i in range(N):
        si = diam[i]
        for k in range(start[i], start[i + 1]):
            j = idx[k]
            sij = 0.5 * (si + diam[j])
            r2 = 0.0
            for a in range(d):
                v = min_image(pos[i, a] - pos[j, a], L)
                dx[a] = v
                r2 += v * v
            if r2 < sij * sij:
                r = np.sqrt(r2)
                x = 1.0 - r / sij
                xa1 = _pow(x, alpha - 1.0)
                E += inv_a * xa1 * x
                f = xa1 / (sij * r)  # force magnitude / r
                for a in range(d):
                    fa = f * dx[a]
                    frc[i, a] += fa
                    frc[j, a] -= fa
    return E


@njit(cache=True, nogil=True)
def contacts_kernel(pos, diam, L, alpha, start, idx, out_i, out_j, out_h, out_f, gap_max):
    """Pairs with h = r/sigma_ij - 1 < gap_max (h < 0: contacts): i, j, h, force magnitude.
    Returns the number of pairs found (may exceed the buffers: then call again with larger ones)."""
    N, d = pos.shape
    n = 0
    cap = out_i.shape[0]
    for i in range(N):
        for k in range(start[i], start[i + 1]):
            j = idx[k]
            sij = 0.5 * (diam[i] + diam[j])
            r2 = 0.0
            for a in range(d):
                v = min_image(pos[i, a] - pos[j, a], L)
                r2 += v * v
            r = np.sqrt(r2)
            h = r / sij - 1.0
            if h < gap_max:
                if n < cap:
                    out_i[n] = i
                    out_j[n] = j
                    out_h[n] = h
                    out_f[n] = _pow(-h, alpha - 1.0) / sij if h < 0.0 else 0.0
                n += 1
    return n


def energy_and_forces(pos, diam, L, alpha, nl):
    """(E, F[N, d]) with the neighbour list `nl` (cells.NeighborList), rebuilt here."""
    nl.build(pos, diam, L)
    frc = np.zeros_like(pos)
    E = energy_forces(pos, diam, L, float(alpha), nl.start, nl.idx, frc)
    return E, frc


def pair_table(pos, diam, L, alpha, gap_max=0.0):
    """All pairs with h = r/sigma_ij - 1 < gap_max: dict of arrays i, j, h, f (f = contact force)."""
    from .cells import NeighborList
    N, dim = pos.shape
    # skin large enough to list every pair with h < gap_max
    nl = NeighborList(N, dim, skin=max(gap_max * float(diam.max()), 0.0) + 1e-9)
    nl.build(pos, diam, L)
    cap = nl.start[-1] + 1
    oi, oj = np.zeros(cap, np.int64), np.zeros(cap, np.int64)
    oh, of = np.zeros(cap), np.zeros(cap)
    n = maybe_in_thread(contacts_kernel, (pos, diam, L, float(alpha), nl.start, nl.idx, oi, oj, oh,
                                          of, float(gap_max)), N)
    return {"i": oi[:n], "j": oj[:n], "h": oh[:n], "f": of[:n]}


def pressure(pos, diam, L, alpha):
    """Virial pressure P = sum_contacts r f / (d L^d)."""
    N, dim = pos.shape
    c = pair_table(pos, diam, L, alpha, 0.0)
    sij = 0.5 * (diam[c["i"]] + diam[c["j"]])
    r = (1.0 + c["h"]) * sij
    return float(np.sum(r * c["f"]) / (dim * L ** dim))


def particle_forces(pos, geom, L, alpha, start, idx, frc):
    """The energy and (generalised) forces of the listed pairs, chosen at compile time by the
    particles' shape array `geom`: the spheres' diameters geom[N] (energy_forces_wrapped here),
    other particles' geom[N, k] by their own overload (physics/ellipses/contact.py). The generic
    Numba loops (fire.fire_loop, langevin.langevin_kernel) call this: one compiled and cached
    loop per kind of particle, no function passed as an argument (Numba caches no function
    that takes one)."""
    raise NotImplementedError("particle_forces is called from Numba code only")


@overload(particle_forces, jit_options={"cache": True})
def _particle_forces_spheres(pos, geom, L, alpha, start, idx, frc):
    if isinstance(geom, types.Array) and geom.ndim == 1:
        return lambda pos, geom, L, alpha, start, idx, frc: energy_forces_wrapped(
            pos, geom, L, alpha, start, idx, frc)
    return None
