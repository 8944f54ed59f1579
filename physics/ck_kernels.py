"""Numba kernels of the Cugliandolo-Kurchan integrator (physics/ck.py has the method and notation).

Storage on a uniform grid t_i = i h (i = 0..n), lower triangle i >= j:
    C[i, j]  = C(t_i, t_j)
    X[i, j]  = chi(t_i, t_j) = int_{t_j}^{t_i} R(t_i, s) ds          (integrated response)
    W[i, l]  = X[i, l-1] - X[i, l] = int_{cell l} R(t_i, u) du          (cell l = [t_{l-1}, t_l])
    Cb[l, j] = mean of C(u, t_j) over u in cell l (l <= j: along row j; l > j: along column j)
    Xb[l, j] = mean of chi(u, t_j) over u in cell l (0 for l <= j)
The memory integrals are sums over cells of (cell integral of f^(k)(C(t,u)) R(t,u)) times the cell
mean of the other factor; f^(k)(C) is averaged over the cell in C-space, exact when R is
proportional to dC/du inside the cell (FDT and the aging regime alike).
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def f0(c, ps, ws):
    s = 0.0
    for k in range(ps.shape[0]):
        s += ws[k] * c ** ps[k]
    return 0.5 * s


@njit(cache=True)
def f1(c, ps, ws):
    s = 0.0
    for k in range(ps.shape[0]):
        s += ws[k] * ps[k] * c ** (ps[k] - 1)
    return 0.5 * s


@njit(cache=True)
def f2(c, ps, ws):
    s = 0.0
    for k in range(ps.shape[0]):
        if ps[k] >= 2:
            s += ws[k] * ps[k] * (ps[k] - 1) * c ** (ps[k] - 2)
    return 0.5 * s


@njit(cache=True)
def avg1(a, b, ps, ws):
    """Mean of f'(c) for c between a and b."""
    d = a - b
    if abs(d) > 1e-7:
        return (f0(a, ps, ws) - f0(b, ps, ws)) / d
    return f1(0.5 * (a + b), ps, ws)


@njit(cache=True)
def avg2(a, b, ps, ws):
    """Mean of f''(c) for c between a and b."""
    d = a - b
    if abs(d) > 1e-7:
        return (f1(a, ps, ws) - f1(b, ps, ws)) / d
    return f2(0.5 * (a + b), ps, ws)


@njit(cache=True)
def avgg(a, b, ps, ws):
    """Mean of g(c) = c f''(c) + f'(c) = (c f'(c))' for c between a and b."""
    d = a - b
    if abs(d) > 1e-7:
        return (a * f1(a, ps, ws) - b * f1(b, ps, ws)) / d
    m = 0.5 * (a + b)
    return m * f2(m, ps, ws) + f1(m, ps, ws)


@njit(cache=True)
def _row_terms(i, T, C, X, W, S2, F1, ps, ws):
    """Cell weights of row i; returns (mu_i, e_i)."""
    mu = T
    e = 0.0
    for l in range(1, i + 1):
        w = X[i, l - 1] - X[i, l]
        W[i, l] = w
        a = C[i, l - 1]
        b = C[i, l]
        S2[l] = avg2(a, b, ps, ws) * w
        F1[l] = avg1(a, b, ps, ws)
        mu += avgg(a, b, ps, ws) * w
        e -= F1[l] * w
    return mu, e


@njit(cache=True)
def _horizontal_cells(i, jh, C, X, Cb, Xb):
    """Means over cell i (rows i-1..i) of C(u, t_j), chi(u, t_j) for j < jh (3-point rule)."""
    for j in range(jh):
        Cb[i, j] = (5.0 * C[i, j] + 8.0 * C[i - 1, j] - C[i - 2, j]) / 12.0
        Xb[i, j] = (5.0 * X[i, j] + 8.0 * X[i - 1, j] - X[i - 2, j]) / 12.0


@njit(cache=True)
def solve_row(i, h, T, C, X, W, Cb, Xb, ps, ws, nc, tol, max_iter, S2, F1, acc1, acc2, acc3):
    """Compute row i (time t_i = i h) from rows 0..i-1: implicit BDF2 in t, fixed-point
    iteration on the memory integrals. The nc entries nearest the diagonal are taken from the
    previous row (time-translation invariance at lags <= nc h, as in Kim & Latz).
    Returns (mu_i, e_i, iterations, last change)."""
    C[i, i] = 1.0
    X[i, i] = 0.0
    for j in range(i - nc, i):
        C[i, j] = C[i - 1, j - 1]
        X[i, j] = X[i - 1, j - 1]
    js = i - nc - 1                 # solved columns 0..js
    jh = max(1, js)                 # horizontal cells j < jh by quadrature, the rest copied
    for j in range(jh, i):
        Cb[i, j] = Cb[i - 1, j - 1]
        Xb[i, j] = Xb[i - 1, j - 1]
    for j in range(js + 1):         # predictor: linear extrapolation in t
        C[i, j] = 2.0 * C[i - 1, j] - C[i - 2, j]
        X[i, j] = 2.0 * X[i - 1, j] - X[i - 2, j]
    it = 0
    change = 0.0
    mu = T
    e = 0.0
    for it in range(1, max_iter + 1):
        mu, e = _row_terms(i, T, C, X, W, S2, F1, ps, ws)
        _horizontal_cells(i, jh, C, X, Cb, Xb)
        for j in range(js + 1):
            acc1[j] = 0.0
            acc3[j] = 0.0
        for l in range(1, i + 1):
            s = S2[l]
            for j in range(js + 1):
                acc1[j] += s * Cb[l, j]
            for j in range(min(js + 1, l)):
                acc3[j] += s * Xb[l, j]
        for j in range(js + 1):
            a2 = 0.0
            for l in range(1, j + 1):
                a2 += F1[l] * W[j, l]
            acc2[j] = a2
        den = 3.0 + 2.0 * h * mu
        change = 0.0
        for j in range(js + 1):
            cn = (4.0 * C[i - 1, j] - C[i - 2, j] + 2.0 * h * (acc1[j] + acc2[j])) / den
            xn = (4.0 * X[i - 1, j] - X[i - 2, j] + 2.0 * h * (1.0 + acc3[j])) / den
            d = max(abs(cn - C[i, j]), abs(xn - X[i, j]))
            if d > change:
                change = d
            C[i, j] = cn
            X[i, j] = xn
        if change < tol:
            break
    mu, e = _row_terms(i, T, C, X, W, S2, F1, ps, ws)
    _horizontal_cells(i, jh, C, X, Cb, Xb)
    # cells along row i (means of C(t_i, u)), used by later rows
    for l in range(1, i + 1):
        if l >= i - nc and l >= 2:
            Cb[l, i] = Cb[l - 1, i - 1]
        else:
            Cb[l, i] = (5.0 * C[i, l - 1] + 8.0 * C[i, l] - C[i, l + 1]) / 12.0
        Xb[l, i] = 0.0
    return mu, e, it, change


@njit(cache=True)
def solve_probe(i, h, mu, C, S2, F1, pc, px, pr, pcb, pxb, prb, pw, lc, ps, ws):
    """Advance a detached waiting-time column (C, chi, R at fixed t_w, between grid points) to
    row i, after row i of the grid is done. lc: the cell holding t_w (partial: [t_{lc-1}, t_w])."""
    b1 = 0.0
    b3 = 0.0
    br = 0.0
    for l in range(1, i):
        b1 += S2[l] * pcb[l]
        b3 += S2[l] * pxb[l]
        br += S2[l] * prb[l]
    i2 = 0.0
    for l in range(1, lc):
        i2 += F1[l] * pw[l]
    s = S2[i]
    den = 3.0 + 2.0 * h * mu - 2.0 * h * s * 5.0 / 12.0
    rc = 4.0 * pc[i - 1] - pc[i - 2] + 2.0 * h * (b1 + s * (8.0 * pc[i - 1] - pc[i - 2]) / 12.0 + i2)
    c = pc[i - 1]
    for _ in range(50):
        cn = (rc + 2.0 * h * avg1(C[i, lc - 1], c, ps, ws) * pw[lc]) / den
        if abs(cn - c) < 1e-15:
            c = cn
            break
        c = cn
    pc[i] = c
    px[i] = (4.0 * px[i - 1] - px[i - 2]
             + 2.0 * h * (1.0 + b3 + s * (8.0 * px[i - 1] - px[i - 2]) / 12.0)) / den
    pr[i] = (4.0 * pr[i - 1] - pr[i - 2] + 2.0 * h * (br + s * (8.0 * pr[i - 1] - pr[i - 2]) / 12.0)) / den
    pcb[i] = (5.0 * pc[i] + 8.0 * pc[i - 1] - pc[i - 2]) / 12.0
    pxb[i] = (5.0 * px[i] + 8.0 * px[i - 1] - px[i - 2]) / 12.0
    prb[i] = (5.0 * pr[i] + 8.0 * pr[i - 1] - pr[i - 2]) / 12.0


@njit(cache=True)
def euler_fixed_grid(n, h, T, ps, ws):
    """The integrator a user writes first: explicit Euler on a uniform n x n grid, trapezoid
    memory integrals of C and R themselves. O(n^3). Returns (C, R, mu, e)."""
    C = np.zeros((n + 1, n + 1))
    R = np.zeros((n + 1, n + 1))
    mu = np.zeros(n + 1)
    e = np.zeros(n + 1)
    C[0, 0] = 1.0
    R[0, 0] = 1.0
    S = np.zeros(n + 1)
    D = np.zeros(n + 1)
    for i in range(n + 1):
        # mu and e at t_i (trapezoid over s in [0, t_i])
        m = T
        en = 0.0
        for l in range(i + 1):
            wt = h * (0.5 if (l == 0 or l == i) else 1.0)
            c = C[i, l]
            m += wt * (c * f2(c, ps, ws) + f1(c, ps, ws)) * R[i, l]
            en -= wt * f1(c, ps, ws) * R[i, l]
        if i == 0:
            m = T
            en = 0.0
        mu[i] = m
        e[i] = en
        if i == n:
            break
        for l in range(i + 1):
            S[l] = f2(C[i, l], ps, ws) * R[i, l]
            D[l] = f1(C[i, l], ps, ws)
        for j in range(i + 1):
            i1 = 0.0
            i3 = 0.0
            for l in range(i + 1):
                wt = h * (0.5 if (l == 0 or l == i) else 1.0)
                cl = C[l, j] if l >= j else C[j, l]
                i1 += wt * S[l] * cl
                if l >= j:
                    wr = h * (0.5 if (l == j or l == i) else 1.0)
                    i3 += wr * S[l] * R[l, j]
            i2 = 0.0
            for l in range(j + 1):
                wt = h * (0.5 if (l == 0 or l == j) else 1.0)
                i2 += wt * D[l] * R[j, l]
            if i == j:
                i3 = 0.0
            C[i + 1, j] = C[i, j] + h * (-m * C[i, j] + i1 + i2)
            R[i + 1, j] = R[i, j] + h * (-m * R[i, j] + i3)
        C[i + 1, i + 1] = 1.0
        R[i + 1, i + 1] = 1.0
        R[i, i] = 1.0
    return C, R, mu, e
