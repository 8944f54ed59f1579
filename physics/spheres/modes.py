"""Normal modes: the Hessian (dynamical matrix, unit masses) of a packing and its eigenvalues.

For a pair at distance r with unit vector n, V'(r) = -(1/s) x^(alpha-1) and
V''(r) = ((alpha - 1)/s^2) x^(alpha-2), x = 1 - r/s, and the d x d block is
K = V'' n n^T + (V'/r) (1 - n n^T); H_ii = sum_j K_ij, H_ij = -K_ij. Rattlers are left out (they
only add zero modes). The eigenvalues are omega^2; D(omega) is their histogram in omega.
Dense LAPACK (numpy.linalg.eigvalsh) up to `dense_max` degrees of freedom, beyond it the lowest
`n_modes` by scipy.sparse.linalg.eigsh (shift-invert near zero), off the main thread so that
Ctrl-C is seen within background.WAIT_S.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .background import in_child, in_thread
from .cells import min_image_array
from .forces import pair_table


def hessian(pos, diam, L, alpha, keep=None) -> sp.csr_matrix:
    """Sparse Hessian over the particles in `keep` (mask; default all), shape [d n, d n]."""
    N, dim = pos.shape
    keep = np.ones(N, bool) if keep is None else np.asarray(keep, bool)
    c = pair_table(pos, diam, L, alpha, 0.0)
    both = keep[c["i"]] & keep[c["j"]]
    i, j, h = c["i"][both], c["j"][both], c["h"][both]
    new = -np.ones(N, np.int64)
    new[keep] = np.arange(keep.sum())
    i, j = new[i], new[j]
    sel = np.flatnonzero(keep)
    ds, ps = diam[sel], pos[sel]
    s = 0.5 * (ds[i] + ds[j])
    dx = min_image_array(ps[i] - ps[j], L)
    r = np.sqrt((dx * dx).sum(1))
    nvec = dx / r[:, None]
    x = -h
    v1 = -(x ** (alpha - 1.0)) / s
    v2 = (alpha - 1.0) * x ** (alpha - 2.0) / s ** 2
    nn = nvec[:, :, None] * nvec[:, None, :]
    eye = np.eye(dim)[None]
    K = v2[:, None, None] * nn + (v1 / r)[:, None, None] * (eye - nn)
    n = int(keep.sum())
    a, b = np.meshgrid(np.arange(dim), np.arange(dim), indexing="ij")
    rows, cols, vals = [], [], []
    for (p, q, sign) in ((i, j, -1.0), (j, i, -1.0), (i, i, 1.0), (j, j, 1.0)):
        rows.append((dim * p[:, None, None] + a[None]).ravel())
        cols.append((dim * q[:, None, None] + b[None]).ravel())
        vals.append((sign * K).ravel())
    H = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(dim * n, dim * n)).tocsr()
    return H


CHILD_MIN_DOF = 8000
"""eigsh beyond this many degrees of freedom runs in a child process: ARPACK holds the GIL in
stretches that grow as n ncv^2 (about 1 s at 2e4 degrees of freedom and k = 200 on 2 cores, 10 s
at 2e5), in which no thread lets the main thread see Ctrl-C. Below it eigsh runs in the main
thread (its stretches stay below a few tenths of a second). Dense LAPACK releases the GIL: a
thread is enough for it."""


def eigenvalues(H, dense_max=4000, n_modes=200, tick=None) -> np.ndarray:
    """All eigenvalues (dense, n <= dense_max) or the n_modes lowest (sparse), ascending.

    Dense LAPACK runs in a thread, eigsh beyond CHILD_MIN_DOF in a child process; the main thread
    waits in steps of background.WAIT_S, calling tick() after each, so that Ctrl-C stops it within that (an
    abandoned thread finishes in the background, a child is killed). eigsh starts from a fixed
    vector, so that two runs give the same bits."""
    n = H.shape[0]
    if n <= dense_max:
        return in_thread(np.linalg.eigvalsh, (H.toarray(),), tick)
    k = min(n_modes, n - 2)
    if n > CHILD_MIN_DOF:
        return in_child(_lowest, (H, k), tick)
    return _lowest(H, k)


def _lowest(H, k) -> np.ndarray:
    """The k lowest eigenvalues by eigsh in shift-invert mode near zero."""
    from scipy.sparse.linalg import eigsh
    v0 = np.random.default_rng(0).uniform(-1.0, 1.0, H.shape[0])
    vals = eigsh(H.tocsc(), k=k, sigma=-1e-8, which="LM", return_eigenvectors=False, v0=v0)
    return np.sort(vals)


def density_of_states(eigs, bins=60, zero_tol=1e-10):
    """D(omega) (normalised histogram of omega = sqrt(lambda) over the nonzero modes)."""
    lam = np.asarray(eigs, float)
    lam = lam[np.isfinite(lam) & (lam > zero_tol)]
    w = np.sqrt(lam)
    hist, edges = np.histogram(w, bins=bins, density=True)
    return 0.5 * (edges[1:] + edges[:-1]), hist
