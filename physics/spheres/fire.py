"""FIRE energy minimisation (Bitzek, Bitzek, Gumbsch, Moseler, Falk, PRL 97, 170201, 2006).

The whole loop is one Numba kernel: velocity-Verlet step (unit masses), FIRE velocity mixing and
time-step control, and the Verlet neighbour list rebuilt from cell lists inside the loop whenever a
particle has moved more than skin/2 since the last build. Python only allocates, calls, and grows
the list buffer if it overflows. The update order is the one of JAX MD's `minimize.fire_descent`
(so step counts compare): x += dt v + dt^2 F/2; F(x); v += dt (F_old + F)/2; then
P = F.v; v <- (1 - a) v + a |v| F/|F|; if P > 0 for more than N_min steps, dt <- min(f_inc dt,
dt_max) and a <- f_alpha a; if P < 0: v <- 0, dt <- f_dec dt, a <- a_start.

Stops when E/N < e_tol (an unjammed packing: no overlaps left) or when the largest force component
is below f_tol (a jammed packing in mechanical equilibrium), or after max_steps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .cells import NeighborList, build_neighbors
from .forces import energy_forces_wrapped, wrap

# standard parameters (docs/science.md, section 3.2): N_min, f_inc, f_dec, alpha_start, f_alpha; dt_max = 10 dt_0
N_MIN, F_INC, F_DEC, ALPHA_START, F_ALPHA = 5, 1.1, 0.5, 0.1, 0.99

CONVERGED_ENERGY, CONVERGED_FORCE, MAX_STEPS, OVERFLOW = 1, 2, 3, 4


@njit(cache=True)
def _max_disp2(pos, ref):
    N, d = pos.shape
    m = 0.0
    for i in range(N):
        s = 0.0
        for a in range(d):
            v = pos[i, a] - ref[i, a]
            s += v * v
        if s > m:
            m = s
    return m


@njit(cache=True, fastmath=True)
def _drift(p, v, f, fo, dt):
    h = 0.5 * dt * dt
    for k in range(p.shape[0]):
        p[k] += dt * v[k] + h * f[k]
        fo[k] = f[k]


@njit(cache=True, fastmath=True)
def _kick(v, f, fo, dt):
    """Second half kick v += dt (F_old + F)/2; returns F.v, F.F, v.v, max |F_k|."""
    h = 0.5 * dt
    fv = 0.0
    ff = 0.0
    vv = 0.0
    fm = 0.0
    for k in range(v.shape[0]):
        vk = v[k] + h * (fo[k] + f[k])
        v[k] = vk
        fk = f[k]
        fv += fk * vk
        ff += fk * fk
        vv += vk * vk
        fm = max(fm, abs(fk))
    return fv, ff, vv, fm


@njit(cache=True, fastmath=True)
def _mix(v, f, a, c):
    for k in range(v.shape[0]):
        v[k] = a * v[k] + c * f[k]


@njit(cache=True)
def fire_kernel(pos, vel, frc, diam, L, alpha, skin, start, idx, ref, scal, iscal,
                dt_max, n_min, f_inc, f_dec, alpha_start, f_alpha, e_tol, f_tol, max_steps,
                f_eps):
    """Run FIRE in place. scal = [dt, a_mix, E] and iscal = [n_pos, steps, n_builds] carry the state
    between calls (the kernel can be resumed). Returns a status code (1 energy, 2 force tolerance,
    3 max_steps, 4 neighbour buffer overflow: grow idx and call again)."""
    N, d = pos.shape
    half2 = 0.25 * skin * skin
    dt, amix = scal[0], scal[1]
    npos = iscal[0]
    steps = iscal[1]
    # fresh list and forces at entry
    wrap(pos, L)
    n = build_neighbors(pos, diam, L, skin, start, idx)
    if n < 0:
        return OVERFLOW
    ref[:] = pos
    iscal[2] += 1
    E = energy_forces_wrapped(pos, diam, L, alpha, start, idx, frc)
    scal[2] = E
    fm = np.abs(frc).max()
    if E < e_tol * N:
        return CONVERGED_ENERGY
    if fm < f_tol:
        return CONVERGED_FORCE
    n_dof = N * d
    p = pos.reshape(n_dof)
    v = vel.reshape(n_dof)
    f = frc.reshape(n_dof)
    fo = np.empty(n_dof)
    status = MAX_STEPS
    while steps < max_steps:
        _drift(p, v, f, fo, dt)
        if _max_disp2(pos, ref) > half2:
            wrap(pos, L)
            n = build_neighbors(pos, diam, L, skin, start, idx)
            if n < 0:
                status = OVERFLOW
                break
            ref[:] = pos
            iscal[2] += 1
        E = energy_forces_wrapped(pos, diam, L, alpha, start, idx, frc)
        steps += 1
        fv, ff, vv, fm = _kick(v, f, fo, dt)
        if E < e_tol * N:
            status = CONVERGED_ENERGY
            break
        if fm < f_tol:
            status = CONVERGED_FORCE
            break
        c = amix * np.sqrt(vv) / np.sqrt(ff + f_eps)
        if fv >= 0.0:
            npos += 1
        else:
            npos = 0
        if fv < 0.0:
            dt = dt * f_dec
            amix = alpha_start
            v[:] = 0.0
        else:
            _mix(v, f, 1.0 - amix, c)
            if fv > 0.0 and npos > n_min:
                dt = min(dt * f_inc, dt_max)
                amix = amix * f_alpha
    scal[0], scal[1], scal[2] = dt, amix, E
    iscal[0], iscal[1] = npos, steps
    return status


@dataclass
class FireResult:
    energy: float        # total energy at the end
    max_force: float     # largest force component
    steps: int
    status: int          # 1 energy tolerance, 2 force tolerance, 3 max_steps
    builds: int          # neighbour list builds

    @property
    def converged(self) -> bool:
        return self.status in (CONVERGED_ENERGY, CONVERGED_FORCE)


def minimize(pos, diam, L, alpha=2.0, dt_start=0.05, dt_max=0.5, e_tol=1e-16, f_tol=1e-13,
             max_steps=2_000_000, skin=None, nl: NeighborList | None = None,
             f_eps=1e-300) -> FireResult:
    """FIRE-minimise pos[N, d] (float64, changed in place) in the periodic box of side L.

    e_tol: stop when E/N < e_tol (use a negative value to disable); f_tol: stop when the largest
    force component is below f_tol. The skin of the neighbour list defaults to 0.3 times the
    mean diameter (capped so that sigma_max + skin < L/2)."""
    N, dim = pos.shape
    if skin is None:
        skin = 0.3 * float(np.mean(diam))
    skin = float(min(skin, 0.5 * L - float(diam.max())))
    if skin <= 0:
        raise ValueError("box too small: the largest diameter must be below L/2")
    if nl is None or nl.skin != skin or len(nl.start) != N + 1:
        nl = NeighborList(N, dim, skin)
    vel = np.zeros_like(pos)
    frc = np.zeros_like(pos)
    scal = np.array([dt_start, ALPHA_START, 0.0])
    iscal = np.zeros(3, np.int64)
    while True:
        status = fire_kernel(pos, vel, frc, diam, float(L), float(alpha), skin, nl.start, nl.idx,
                             nl.ref, scal, iscal, float(dt_max), N_MIN, F_INC, F_DEC, ALPHA_START,
                             F_ALPHA, float(e_tol), float(f_tol), int(max_steps), float(f_eps))
        if status != OVERFLOW:
            break
        nl.grow(2 * len(nl.idx))
    return FireResult(float(scal[2]), float(np.abs(frc).max()), int(iscal[1]), int(status),
                      int(iscal[2]))
