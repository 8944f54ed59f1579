"""The Hessian of a jammed ellipse packing and its quartic modes (docs/science.md, section 3.5;
Schreck, Mailman, Chakraborty, O'Hern, PRE 85, 061305, 2012).

With mu_c = r_c / sigma_c for each contact c, V = sum_c (1 - mu_c)^2 / 2 and

    H = K - sum_c (1 - mu_c) grad grad mu_c,     K = J^T J,   J[c] = grad mu_c,

in the coordinates q = (x, y, ell theta) of the non-rattlers (3 n of them). K, the stiffness
matrix, is exact here (J from the Perram-Wertheim gradients, contact.pw_contact); the stress term
vanishes with the overlaps at jamming. The zero modes of K other than the d = 2 translations are
the quartic modes: the energy grows as the fourth power of the amplitude along them at jamming.
They number 3 n - 2 - rank(J); with N_c contacts and s = N_c - rank(J) states of self-stress
(one at jamming: the contact forces) that is N_iso - N_c + s - 1, N_iso = d_f n - d + 1 the
isostatic count (the d translations trivial, one self-stress), so quartic modes = the deficit
N_iso - N_c when s = 1 (per particle: d_f - Z/2, half of SCIENCE.md's 2 d_f - Z). rank(J) counts
the singular values above QUARTIC_RTOL times the largest (the gap at the cut is recorded).

The full Hessian H is the central finite difference (step FD_STEP) of the generalised forces of
the contact network among non-rattlers (every contact held by its spring, so that no difference
crosses the kink of V at mu = 1), symmetrised. Its low modes: the eigenvalues, the d
translations left out, below LOW_FRACTION times K's smallest nonzero eigenvalue (at jamming the
quartic modes' eigenvalues in H come from the stress term alone, of the order of the overlaps).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import contact
from .jamming import D_F, EXPONENT

QUARTIC_RTOL = 1e-5
"""A singular value of J below this times the largest counts as zero (K's eigenvalues: its square).
The state of self-stress of a packing minimised to forces f_tol = 1e-13 with overlaps ~1e-6 has a
singular value ~1e-7 (residual force over overlap), the softest real constraints ~1e-2 at N = 64
(~1e-3 at N = 1024): 1e-5 lies in the gap, recorded as `rank_gap` (the two singular values either
side of the cut, their ratio)."""
LOW_FRACTION = 0.1
"""H's eigenvalues below this times K's smallest nonzero one are H's low (quartic) modes."""
FD_STEP = 1e-6
"""Step of the finite differences of the forces (in small minor axes)."""


@njit(cache=True)
def _contact_terms(q, geom, L, ci, cj, out):
    """Per contact: mu, lambda, w_x, w_y, (u_i . w)(u_i' . w), (u_j . w)(u_j' . w)."""
    for k in range(ci.shape[0]):
        i, j = ci[k], cj[k]
        dx = q[i, 0] - q[j, 0]
        dy = q[i, 1] - q[j, 1]
        dx -= L * np.floor(dx / L + 0.5)
        dy -= L * np.floor(dy / L + 0.5)
        ti = q[i, 2] / geom[i, 2]
        tj = q[j, 2] / geom[j, 2]
        c1, s1, c2, s2 = np.cos(ti), np.sin(ti), np.cos(tj), np.sin(tj)
        F, lam, wx, wy = contact.pw_contact(dx, dy, c1, s1, geom[i, 0] ** 2, geom[i, 1] ** 2,
                                            c2, s2, geom[j, 0] ** 2, geom[j, 1] ** 2)
        out[k, 0] = np.sqrt(F)
        out[k, 1] = lam
        out[k, 2] = wx
        out[k, 3] = wy
        out[k, 4] = (c1 * wx + s1 * wy) * (-s1 * wx + c1 * wy)
        out[k, 5] = (c2 * wx + s2 * wy) * (-s2 * wx + c2 * wy)


def compatibility(q, geom, L, pairs, keep) -> np.ndarray:
    """J[N_c, 3 n]: grad mu_c over the coordinates (x, y, ell theta) of the particles in keep."""
    i, j = np.asarray(pairs["i"], np.int64), np.asarray(pairs["j"], np.int64)
    t = np.zeros((len(i), 6))
    _contact_terms(np.asarray(q, float), geom, float(L), i, j, t)
    mu, lam, wx, wy = t[:, 0], t[:, 1], t[:, 2], t[:, 3]
    k = lam * (1.0 - lam) / mu
    ei = geom[i, 0] ** 2 - geom[i, 1] ** 2
    ej = geom[j, 0] ** 2 - geom[j, 1] ** 2
    new = -np.ones(len(q), np.int64)
    new[keep] = np.arange(int(np.sum(keep)))
    a, b = new[i], new[j]
    J = np.zeros((len(i), 3 * int(np.sum(keep))))
    c = np.arange(len(i))
    J[c, 3 * a], J[c, 3 * a + 1] = k * wx, k * wy
    J[c, 3 * b], J[c, 3 * b + 1] = -k * wx, -k * wy
    J[c, 3 * a + 2] = -k * (1.0 - lam) * ei * t[:, 4] / geom[i, 2]
    J[c, 3 * b + 2] = -k * lam * ej * t[:, 5] / geom[j, 2]
    return J


def hessian_fd(q, geom, L, pairs, keep, h=FD_STEP) -> np.ndarray:
    """H[3 n, 3 n] of the non-rattlers' contacts (the pairs given), by central differences of
    the generalised forces; symmetrised."""
    i, j = np.asarray(pairs["i"], np.int64), np.asarray(pairs["j"], np.int64)
    N = len(q)
    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    start = np.searchsorted(i, np.arange(N + 1)).astype(np.int64)
    q = np.array(q, float)
    q[:, :2] -= L * np.floor(q[:, :2] / L)
    g = np.ascontiguousarray(geom, float)
    sel = np.flatnonzero(keep)
    cols = (3 * sel[:, None] + np.arange(3)[None]).ravel()
    H = np.zeros((len(cols), len(cols)))
    frc = np.zeros_like(q)
    flat = q.reshape(-1)
    for n, col in enumerate(cols):
        keep_v = flat[col]
        flat[col] = keep_v + h
        contact.network_forces(q, g, float(L), EXPONENT, start, j, frc)
        fp = frc.reshape(-1)[cols].copy()
        flat[col] = keep_v - h
        contact.network_forces(q, g, float(L), EXPONENT, start, j, frc)
        fm = frc.reshape(-1)[cols]
        flat[col] = keep_v
        H[:, n] = -(fp - fm) / (2.0 * h)
    return 0.5 * (H + H.T)


def quartic_modes(q, geom, L, structure) -> dict:
    """The stiffness matrix's zero modes at a jammed packing (its Structure): quartic modes,
    states of self-stress, the deficit N_iso - N_c, the eigenvalues of K and of H."""
    keep = structure.nonrattler
    n, Nc = int(keep.sum()), structure.contacts
    J = compatibility(q, geom, L, structure.pairs, keep)
    sv = np.linalg.svd(J, compute_uv=False) if J.size else np.zeros(0)
    rank = int(np.sum(sv > QUARTIC_RTOL * sv.max())) if sv.size else 0
    H = hessian_fd(q, geom, L, structure.pairs, keep)
    ev = np.linalg.eigvalsh(H)
    kev = np.sort(np.concatenate([sv ** 2, np.zeros(D_F * n - sv.size)]))
    k_min = kev[D_F * n - rank] if rank else np.inf
    cut = sv[rank - 1] / sv[rank] if 0 < rank < sv.size else np.inf
    return {"quartic_modes": D_F * n - 2 - rank, "self_stresses": Nc - rank, "rank_gap": cut,
            "deficit": structure.isostatic_contacts - Nc, "rank": rank,
            "hessian_low_modes": int(np.sum(ev[2:] < LOW_FRACTION * k_min)),
            "stiffness_eigenvalues": kev, "hessian_eigenvalues": ev}
