"""Contact distance, energy, forces and torques of soft ellipses (docs/science.md, section 3.5).

Contact function: Perram-Wertheim, exact (Perram & Wertheim, J. Comput. Phys. 58, 409, 1985).
Ellipse k has semi-axes a_k (along u_k = (cos theta_k, sin theta_k)) and b_k, shape matrix
A_k = b_k^2 1 + (a_k^2 - b_k^2) u_k u_k^T. For the separation r = r_i - r_j

    F(lambda) = lambda (1 - lambda) r^T C(lambda)^-1 r,   C = (1 - lambda) A_i + lambda A_j,

is concave on [0, 1]; its maximum F* is mu^2, with mu the factor by which both ellipses must be
scaled (about their centres) to touch. The contact distance along r_hat is sigma_ij = r / mu and
the pair energy is the harmonic overlap

    V = (eps / 2) (1 - r / sigma_ij)^2 = (eps / 2) (1 - mu)^2   for mu < 1, else 0   (eps = 1).

In 2D, F(lambda) = lambda (1 - lambda) n(lambda) / det C(lambda) with n linear and det C quadratic
in lambda: its maximiser is the root in (0, 1) of q = g' h - g h' (g the numerator, h = det C),
found by Newton's method safeguarded by bisection (q(0) > 0 > q(1)) to machine precision. By the
envelope theorem dF*/dx = dF/dx at lambda*:

    dF/dr = 2 lambda (1 - lambda) w,   w = C^-1 r,
    dF/dtheta_i = -2 lambda (1 - lambda)^2 (a_i^2 - b_i^2) (u_i . w) (u_i' . w),
    dF/dtheta_j = -2 lambda^2 (1 - lambda) (a_j^2 - b_j^2) (u_j . w) (u_j' . w),

u' = (-sin theta, cos theta), and dV = -(1 - mu) dF / (2 mu). For circles (a = b = R) F* = r^2 /
(R_i + R_j)^2: sigma_ij = R_i + R_j and V is the soft spheres' harmonic energy exactly.

Coordinates: q[i] = (x_i, y_i, ell_i theta_i), the angle scaled by the particle's mean semi-axis
ell_i = (a_i + b_i) / 2 so that all three have units of length; the generalised force on the
third is the torque / ell_i. geom[i] = (a_i, b_i, ell_i). The general exponent p of the
overlap energy (1/p)(1 - mu)^p is kept for symmetry with the spheres (the model uses p = 2).
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from physics.spheres.cells import NeighborList, min_image
from physics.spheres.forces import _pow, particle_forces, wrap

NEWTON_MAX = 100
NEWTON_TOL = 1e-13
"""Newton on lambda stops at a step below this (the next step then lands at rounding level: F is
stationary there, so mu is exact to rounding and the forces to ~1e-13 relative)."""


@njit(cache=True)
def pw_contact(dx, dy, ci, si, ai2, bi2, cj, sj, aj2, bj2):
    """Perram-Wertheim contact of two ellipses at separation (dx, dy) = r_i - r_j with
    orientations (cos, sin) and squared semi-axes: returns (F*, lambda*, w_x, w_y), F* = mu^2
    the maximum of the contact function and w = C(lambda*)^-1 r."""
    ei = ai2 - bi2
    ej = aj2 - bj2
    p11 = bi2 + ei * ci * ci
    p22 = bi2 + ei * si * si
    p12 = ei * ci * si
    q11 = bj2 + ej * cj * cj - p11
    q22 = bj2 + ej * sj * sj - p22
    q12 = ej * cj * sj - p12
    n0 = p22 * dx * dx - 2.0 * p12 * dx * dy + p11 * dy * dy
    n1 = q22 * dx * dx - 2.0 * q12 * dx * dy + q11 * dy * dy
    d0 = p11 * p22 - p12 * p12
    d1 = p11 * q22 + q11 * p22 - 2.0 * p12 * q12
    d2 = q11 * q22 - q12 * q12
    lo, hi = 0.0, 1.0
    # start at the root for circles: lambda = s_i / (s_i + s_j), s_k^2 = r^T A_k r
    s_i = np.sqrt(p11 * dx * dx + 2.0 * p12 * dx * dy + p22 * dy * dy)
    s_j = np.sqrt((p11 + q11) * dx * dx + 2.0 * (p12 + q12) * dx * dy + (p22 + q22) * dy * dy)
    lam = s_i / (s_i + s_j) if s_i + s_j > 0.0 else 0.5
    for _ in range(NEWTON_MAX):
        g = lam * (1.0 - lam) * (n0 + n1 * lam)
        g1 = n0 + 2.0 * (n1 - n0) * lam - 3.0 * n1 * lam * lam
        g2 = 2.0 * (n1 - n0) - 6.0 * n1 * lam
        h = d0 + d1 * lam + d2 * lam * lam
        h1 = d1 + 2.0 * d2 * lam
        q = g1 * h - g * h1
        dq = g2 * h - g * 2.0 * d2
        if q > 0.0:
            lo = lam
        else:
            hi = lam
        step = q / dq if dq < 0.0 else 1.0
        if abs(step) <= NEWTON_TOL:       # converged: one last Newton step (inside the bracket)
            if lo <= lam - step <= hi:
                lam -= step
            break
        new = lam - step
        if not (lo < new < hi):           # Newton left the bracket: bisect
            new = 0.5 * (lo + hi)
        lam = new
        if hi - lo <= NEWTON_TOL:
            break
    c11 = p11 + lam * q11
    c22 = p22 + lam * q22
    c12 = p12 + lam * q12
    det = c11 * c22 - c12 * c12
    wx = (c22 * dx - c12 * dy) / det
    wy = (-c12 * dx + c11 * dy) / det
    F = lam * (1.0 - lam) * (dx * wx + dy * wy)
    return F, lam, wx, wy


@njit(cache=True)
def pair_terms(dx, dy, ci, si, ai, bi, cj, sj, aj, bj, p, cut=True):
    """Energy and derivatives of one pair: (V, mu, lambda, fx, fy, tau_i, tau_j) with (fx, fy)
    the force on i (minus that on j) and tau the torques -dV/dtheta. Zero beyond contact
    (mu >= 1) if cut, else the harmonic spring of the pair continued (a fixed contact network)."""
    F, lam, wx, wy = pw_contact(dx, dy, ci, si, ai * ai, bi * bi, cj, sj, aj * aj, bj * bj)
    mu = np.sqrt(F)
    if (cut and mu >= 1.0) or mu <= 0.0:
        return 0.0, mu, lam, 0.0, 0.0, 0.0, 0.0
    x = 1.0 - mu
    xp = _pow(x, p - 1.0)
    V = xp * x / p
    c = xp / (2.0 * mu)             # -dV/dF
    k = 2.0 * lam * (1.0 - lam)
    fx = c * k * wx
    fy = c * k * wy
    uwi = ci * wx + si * wy
    vwi = -si * wx + ci * wy
    uwj = cj * wx + sj * wy
    vwj = -sj * wx + cj * wy
    ti = -c * k * (1.0 - lam) * (ai * ai - bi * bi) * uwi * vwi
    tj = -c * k * lam * (aj * aj - bj * bj) * uwj * vwj
    return V, mu, lam, fx, fy, ti, tj


@njit(cache=True)
def _orient(q, geom, cs):
    for i in range(q.shape[0]):
        th = q[i, 2] / geom[i, 2]
        cs[i, 0] = np.cos(th)
        cs[i, 1] = np.sin(th)


@njit(cache=True, nogil=True)
def energy_forces_wrapped(q, geom, L, p, start, idx, frc):
    """Total energy of the listed pairs and the generalised forces into frc (_energy_forces)."""
    return _energy_forces(q, geom, L, p, start, idx, frc, True)


@njit(cache=True, nogil=True)
def network_forces(q, geom, L, p, start, idx, frc):
    """As energy_forces_wrapped, every listed pair held by its spring even beyond contact (the
    energy of a fixed contact network: its finite differences are smooth at mu = 1)."""
    return _energy_forces(q, geom, L, p, start, idx, frc, False)


@njit(cache=True, nogil=True)
def _energy_forces(q, geom, L, p, start, idx, frc, cut):
    """Total energy of the listed pairs; writes the generalised forces (F_x, F_y, tau / ell) into
    frc[N, 3] (minimum image: any positions). If cut, pairs beyond the bounding circles
    (r >= a_i + a_j) are skipped before the contact function."""
    N = q.shape[0]
    cs = np.empty((N, 2))
    _orient(q, geom, cs)
    frc[:] = 0.0
    E = 0.0
    for i in range(N):
        ai, bi = geom[i, 0], geom[i, 1]
        xi, yi = q[i, 0], q[i, 1]
        for k in range(start[i], start[i + 1]):
            j = idx[k]
            aj = geom[j, 0]
            dx = min_image(xi - q[j, 0], L)
            dy = min_image(yi - q[j, 1], L)
            s = ai + aj
            if cut and dx * dx + dy * dy >= s * s:
                continue
            V, mu, lam, fx, fy, ti, tj = pair_terms(dx, dy, cs[i, 0], cs[i, 1], ai, bi, cs[j, 0],
                                                    cs[j, 1], aj, geom[j, 1], p, cut)
            if V > 0.0:
                E += V
                frc[i, 0] += fx
                frc[i, 1] += fy
                frc[j, 0] -= fx
                frc[j, 1] -= fy
                frc[i, 2] += ti / geom[i, 2]
                frc[j, 2] += tj / geom[j, 2]
    return E


@njit(cache=True, nogil=True)
def contacts_kernel(q, geom, L, p, start, idx, mu_max, out_i, out_j, out_mu, out_f):
    """Listed pairs with mu = r / sigma_ij < mu_max (mu < 1: contacts): i, j, mu and the contact
    force magnitude |dV/dr| along r_hat at fixed angles ((1 - mu)^(p-1) / sigma_ij). Returns the
    number found (may exceed the buffers: then call again with larger ones)."""
    N = q.shape[0]
    cs = np.empty((N, 2))
    _orient(q, geom, cs)
    n = 0
    cap = out_i.shape[0]
    for i in range(N):
        for k in range(start[i], start[i + 1]):
            j = idx[k]
            dx = min_image(q[i, 0] - q[j, 0], L)
            dy = min_image(q[i, 1] - q[j, 1], L)
            s = geom[i, 0] + geom[j, 0]
            r2 = dx * dx + dy * dy
            if r2 >= (mu_max * s) ** 2:
                continue
            F, lam, wx, wy = pw_contact(dx, dy, cs[i, 0], cs[i, 1], geom[i, 0] ** 2, geom[i, 1] ** 2,
                                        cs[j, 0], cs[j, 1], geom[j, 0] ** 2, geom[j, 1] ** 2)
            mu = np.sqrt(F)
            if mu < mu_max:
                if n < cap:
                    out_i[n] = i
                    out_j[n] = j
                    out_mu[n] = mu
                    out_f[n] = _pow(1.0 - mu, p - 1.0) * mu / np.sqrt(r2) if mu < 1.0 else 0.0
                n += 1
    return n


@overload(particle_forces, jit_options={"cache": True})
def _particle_forces_ellipses(q, geom, L, p, start, idx, frc):
    """The spheres' generic FIRE and Langevin loops call this for geom[N, 3] (ellipses)."""
    if isinstance(geom, types.Array) and geom.ndim == 2:
        return lambda q, geom, L, p, start, idx, frc: energy_forces_wrapped(q, geom, L, p, start, idx, frc)
    return None


def bounding_diameters(geom: np.ndarray) -> np.ndarray:
    """Diameters of the circles bounding the ellipses (2 a): what the cell lists see."""
    return 2.0 * np.asarray(geom)[:, 0]


def neighbor_list(q, geom, L, skin) -> NeighborList:
    """A half neighbour list of the ellipses' bounding circles (positions wrapped in place)."""
    N = len(q)
    wrap(q[:, :2], L)
    nl = NeighborList(N, 2, skin)
    nl.build(q[:, :2], bounding_diameters(geom), L)
    return nl


def energy_and_forces(q, geom, L, p=2.0, skin=0.1):
    """(E, F[N, 3]) of the configuration q (wrapped in place), generalised forces
    (F_x, F_y, tau / ell): the reference entry point of the tests."""
    nl = neighbor_list(q, geom, L, skin)
    frc = np.zeros_like(q)
    E = energy_forces_wrapped(q, geom, float(L), float(p), nl.start, nl.idx, frc)
    return E, frc


def contact_table(q, geom, L, p=2.0, mu_max=1.0) -> dict:
    """Every pair with mu = r / sigma_ij < mu_max: dict of arrays i, j, mu, f."""
    nl = neighbor_list(q, geom, L, skin=max(mu_max - 1.0, 0.0) * 2.0 * float(geom[:, 0].max()) + 1e-9)
    cap = int(nl.start[-1]) + 1
    oi, oj = np.zeros(cap, np.int64), np.zeros(cap, np.int64)
    om, of = np.zeros(cap), np.zeros(cap)
    n = contacts_kernel(q, geom, float(L), float(p), nl.start, nl.idx, float(mu_max), oi, oj, om, of)
    return {"i": oi[:n], "j": oj[:n], "mu": om[:n], "f": of[:n]}


def contact_distance(r_hat, theta_i, theta_j, ai, bi, aj, bj) -> float:
    """sigma_ij along the unit vector r_hat (Perram-Wertheim, exact)."""
    r_hat = np.asarray(r_hat, float) / np.linalg.norm(r_hat)
    F = pw_contact(r_hat[0], r_hat[1], np.cos(theta_i), np.sin(theta_i), ai * ai, bi * bi,
                   np.cos(theta_j), np.sin(theta_j), aj * aj, bj * bj)[0]
    return float(1.0 / np.sqrt(F))
