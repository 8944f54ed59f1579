"""Numba kernels of the Cugliandolo-Kurchan integrator (physics/ck.py has the method and notation).

Storage on a uniform grid t_i = i h (i = 0..n), lower triangle i >= j:
    C[i, j]  = C(t_i, t_j)
    X[i, j]  = chi(t_i, t_j) = int_{t_j}^{t_i} R(t_i, s) ds          (integrated response)
    W[i, l]  = X[i, l-1] - X[i, l] = int_{cell l} R(t_i, u) du          (cell l = [t_{l-1}, t_l])
    Cb[l, j] = mean of C(u, t_j) over u in cell l (l <= j: along row j; l > j: along column j)
    Xb[l, j] = mean of chi(u, t_j) over u in cell l for l > j (chi(u, t_j) = 0 for u < t_j);
               for l <= j it holds the mean of chi(t_j, u) along row j (locates the weight)
    Z[i, l]  = first moment of R(t_i, u) in cell l about the cell centre, / h
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
def f3(c, ps, ws):
    s = 0.0
    for k in range(ps.shape[0]):
        if ps[k] >= 3:
            s += ws[k] * ps[k] * (ps[k] - 1) * (ps[k] - 2) * c ** (ps[k] - 3)
    return 0.5 * s


@njit(cache=True)
def avg3(a, b, ps, ws):
    """Mean of the third derivative f3(c) for c between a and b."""
    d = a - b
    if abs(d) > 1e-7:
        return (f2(a, ps, ws) - f2(b, ps, ws)) / d
    return f3(0.5 * (a + b), ps, ws)


@njit(cache=True)
def g0(c, ps, ws):
    return c * f2(c, ps, ws) + f1(c, ps, ws)


@njit(cache=True)
def avgdg(a, b, ps, ws):
    """Mean of g'(c) = c f3(c) + 2 f2(c) for c between a and b."""
    d = a - b
    if abs(d) > 1e-7:
        return (g0(a, ps, ws) - g0(b, ps, ws)) / d
    m = 0.5 * (a + b)
    return m * f3(m, ps, ws) + 2.0 * f2(m, ps, ws)


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
def _row_terms(i, T, nc, C, X, W, Cb, Xb, Z, S2, P2, F1, dF1, ps, ws, dc, dx, lr):
    """Cell weights of row i; returns (mu_i, e_i).

    Z[i, l] = int_cell (u - u_mid) R(t_i, u) du / h locates the response weight inside the cell
    (Z = W/2: all at the right end, 0: centred); it comes from the mean of chi along the row,
    stored as Xb[l, i] (l <= i). The mean of A(C) against R over a cell is its mean in C-space
    (exact when R is proportional to dC/du, as in the FDT and aging regimes) plus a correction
    from the distance between the centroids of R and of dC/du (the means of chi and of C along
    the row, Xb[l, i] and Cb[l, i]). S2 = int f'' R, P2 = <f''> Z: the other factor of a memory
    integral is taken at the centroid of the weight."""
    mu = T
    e = 0.0
    for l in range(1, i + 1):
        w = X[i, l - 1] - X[i, l]
        W[i, l] = w
        a = C[i, l - 1]
        b = C[i, l]
        if l >= i - nc and l >= 2:
            Xb[l, i] = Xb[l - 1, i - 1] + dx * (i - l + 0.5) / lr     # copied, plus the drift
            Cb[l, i] = Cb[l - 1, i - 1] + dc * (i - l + 0.5) / lr
        else:
            Xb[l, i] = (5.0 * X[i, l - 1] + 8.0 * X[i, l] - X[i, l + 1]) / 12.0
            Cb[l, i] = (5.0 * a + 8.0 * b - C[i, l + 1]) / 12.0
        z = Xb[l, i] - X[i, l] - 0.5 * w
        Z[i, l] = z
        y = w * (Cb[l, i] - 0.5 * (a + b))     # W x (centroid offset of dC/du), in C units
        if l >= i - nc:                        # near the diagonal: C-space mean alone
            z = 0.0
            y = 0.0
        a2 = avg2(a, b, ps, ws)
        a1 = avg1(a, b, ps, ws)
        S2[l] = a2 * w + z * (f2(b, ps, ws) - f2(a, ps, ws)) + y * avg3(a, b, ps, ws)
        P2[l] = a2 * z
        F1[l] = a1
        dF1[l] = f1(b, ps, ws) - f1(a, ps, ws)
        mu += avgg(a, b, ps, ws) * w + z * (g0(b, ps, ws) - g0(a, ps, ws)) + y * avgdg(a, b, ps, ws)
        e -= a1 * w + z * dF1[l] + y * a2
    return mu, e


@njit(cache=True)
def _horizontal_cells(i, jh, C, X, Cb, Xb):
    """Means over cell i (rows i-1..i) of C(u, t_j), chi(u, t_j) for j < jh (3-point rule)."""
    for j in range(jh):
        Cb[i, j] = (5.0 * C[i, j] + 8.0 * C[i - 1, j] - C[i - 2, j]) / 12.0
        Xb[i, j] = (5.0 * X[i, j] + 8.0 * X[i - 1, j] - X[i - 2, j]) / 12.0


@njit(cache=True)
def _drift_strip(i, nc, jr, jh, C, X, Cb, Xb):
    """The near-diagonal strip of row i (the values at lags 1..nc steps, and the horizontal cell
    means of columns jh..i-1) as the previous row's (time-translation invariance) plus a drift
    along the diagonal: that of the solved value at the reference column jr over one row, in
    proportion to the lag (aging: at a lag tau << t, C(t, t - tau) drifts as a function of
    tau / t), kept monotone in the lag. Returns (drift of C, drift of chi, reference lag in steps)."""
    lr = float(i - jr)
    dc = C[i, jr] - C[i - 1, jr - 1]
    dx = X[i, jr] - X[i - 1, jr - 1]
    for j in range(i - 1, i - nc - 1, -1):      # kept monotone in the lag (C falls, chi grows)
        C[i, j] = min(C[i - 1, j - 1] + dc * (i - j) / lr, C[i, j + 1])
        X[i, j] = max(X[i - 1, j - 1] + dx * (i - j) / lr, X[i, j + 1])
    for j in range(jh, i):
        Cb[i, j] = Cb[i - 1, j - 1] + dc * (i - j - 0.5) / lr
        Xb[i, j] = Xb[i - 1, j - 1] + dx * (i - j - 0.5) / lr
    return dc, dx, lr


@njit(cache=True)
def solve_row(i, h, T, C, X, W, Cb, Xb, Z, ps, ws, nc, tol, max_iter, S2, P2, F1, dF1,
              acc1, acc2, acc3, hist_f, hist_g, drift=0):
    """Compute row i (time t_i = i h) from rows 0..i-1: implicit BDF2 in t, fixed-point
    iteration on the memory integrals. The nc entries nearest the diagonal are taken from the
    previous row (time-translation invariance at lags <= nc h, as in Kim & Latz), with `drift`
    plus the drift along the diagonal of the solved lag 2 (nc + 1) (_drift_strip), updated at
    every iteration. C is kept symmetric. Returns (mu_i, e_i, iterations, last change)."""
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
    if i >= 3:                      # predictor: quadratic extrapolation in t
        for j in range(js + 1):
            jj = min(j, i - 3)
            C[i, j] = 3.0 * C[i - 1, j] - 3.0 * C[i - 2, j] + C[i - 3, jj] if j <= i - 3 else 2.0 * C[i - 1, j] - C[i - 2, j]
            X[i, j] = 3.0 * X[i - 1, j] - 3.0 * X[i - 2, j] + X[i - 3, jj] if j <= i - 3 else 2.0 * X[i - 1, j] - X[i - 2, j]
    else:
        for j in range(js + 1):
            C[i, j] = 2.0 * C[i - 1, j] - C[i - 2, j]
            X[i, j] = 2.0 * X[i - 1, j] - X[i - 2, j]
    L = js + 1
    m = hist_f.shape[0]
    xv = np.empty(2 * L)
    gv = np.empty(2 * L)
    for j in range(L):
        xv[j] = C[i, j]
        xv[L + j] = X[i, j]
    it = 0
    change = 0.0
    mu = T
    e = 0.0
    nh = 0
    dc = 0.0
    dx = 0.0
    jr = js - nc - 1                # drift: the reference column, lag 2 (nc + 1) steps
    shift = drift != 0 and jr >= 1
    lr = 1.0
    for it in range(1, max_iter + 1):
        for j in range(L):
            C[i, j] = xv[j]
            X[i, j] = xv[L + j]
        if shift:
            dc, dx, lr = _drift_strip(i, nc, jr, jh, C, X, Cb, Xb)
        mu, e = _row_terms(i, T, nc, C, X, W, Cb, Xb, Z, S2, P2, F1, dF1, ps, ws, dc, dx, lr)
        _horizontal_cells(i, jh, C, X, Cb, Xb)
        for j in range(L):
            C[j, i] = C[i, j]
            acc1[j] = 0.0
            acc3[j] = 0.0
        for l in range(1, i + 1):
            s = S2[l]
            q = P2[l]
            for j in range(L):
                acc1[j] += s * Cb[l, j] + q * (C[l, j] - C[l - 1, j])
            for j in range(min(L, l)):
                acc3[j] += s * Xb[l, j] + q * (X[l, j] - X[l - 1, j])
        for j in range(L):
            a2 = 0.0
            for l in range(1, j + 1):
                a2 += F1[l] * W[j, l] + Z[j, l] * dF1[l]
            acc2[j] = a2
        den = 3.0 + 2.0 * h * mu
        change = 0.0
        for j in range(L):
            gv[j] = (4.0 * C[i - 1, j] - C[i - 2, j] + 2.0 * h * (acc1[j] + acc2[j])) / den
            gv[L + j] = (4.0 * X[i - 1, j] - X[i - 2, j] + 2.0 * h * (1.0 + acc3[j])) / den
        for k in range(2 * L):
            d = abs(gv[k] - xv[k])
            if d > change:
                change = d
        if change < tol or it == max_iter:
            for j in range(L):
                C[i, j] = gv[j]
                X[i, j] = gv[L + j]
            break
        # Anderson mixing over the last m iterates (plain fixed point when m = 0)
        slot = (it - 1) % m if m > 0 else 0
        if m > 0:
            for k in range(2 * L):
                hist_f[slot, k] = gv[k] - xv[k]
                hist_g[slot, k] = gv[k]
            nh = min(nh + 1, m)
        if nh >= 2:
            na = nh - 1
            # differences relative to the newest entry
            A = np.zeros((na, na))
            bb = np.zeros(na)
            cols = np.empty(na, dtype=np.int64)
            c = 0
            for r in range(nh):
                idx = (slot - r) % m
                if r > 0:
                    cols[c] = idx
                    c += 1
            for r1 in range(na):
                for r2 in range(r1, na):
                    acc = 0.0
                    for k in range(2 * L):
                        acc += ((hist_f[slot, k] - hist_f[cols[r1], k])
                                * (hist_f[slot, k] - hist_f[cols[r2], k]))
                    A[r1, r2] = acc
                    A[r2, r1] = acc
                acc = 0.0
                for k in range(2 * L):
                    acc += (hist_f[slot, k] - hist_f[cols[r1], k]) * hist_f[slot, k]
                bb[r1] = acc
            reg = 1e-12
            for r1 in range(na):
                reg = max(reg, 1e-10 * A[r1, r1])
            for r1 in range(na):
                A[r1, r1] += reg
            gam = np.linalg.solve(A, bb)
            for k in range(2 * L):
                v = gv[k]
                for r1 in range(na):
                    v -= gam[r1] * (hist_g[slot, k] - hist_g[cols[r1], k])
                xv[k] = v
        else:
            for k in range(2 * L):
                xv[k] = gv[k]
    if shift:
        dc, dx, lr = _drift_strip(i, nc, jr, jh, C, X, Cb, Xb)
    mu, e = _row_terms(i, T, nc, C, X, W, Cb, Xb, Z, S2, P2, F1, dF1, ps, ws, dc, dx, lr)
    _horizontal_cells(i, jh, C, X, Cb, Xb)
    for j in range(i):
        C[j, i] = C[i, j]
    return mu, e, it, change


@njit(cache=True)
def solve_probe(i, h, mu, C, S2, P2, F1, dF1, pc, px, pr, pcb, pxb, prb, pw, zp, lc, ps, ws):
    """Advance a detached waiting-time column (C, chi, R at fixed t_w, between grid points) to
    row i, after row i of the grid is done. lc: the cell holding t_w (partial: [t_{lc-1}, t_w]);
    pc holds C(tw, t_l) below tw, pw and zp the cell weights of the row at tw."""
    b1 = 0.0
    b3 = 0.0
    br = 0.0
    for l in range(1, i):
        b1 += S2[l] * pcb[l] + P2[l] * (pc[l] - pc[l - 1])
        b3 += S2[l] * pxb[l] + P2[l] * (px[l] - px[l - 1])
        br += S2[l] * prb[l] + P2[l] * (pr[l] - pr[l - 1])
    i2 = 0.0
    for l in range(1, lc):
        i2 += F1[l] * pw[l] + zp[l] * dF1[l]
    s = S2[i]
    q = P2[i]
    den = 3.0 + 2.0 * h * mu - 2.0 * h * (s * 5.0 / 12.0 + q)
    rc = 4.0 * pc[i - 1] - pc[i - 2] + 2.0 * h * (b1 + s * (8.0 * pc[i - 1] - pc[i - 2]) / 12.0
                                                  - q * pc[i - 1] + i2)
    c = pc[i - 1]
    for _ in range(50):
        cn = (rc + 2.0 * h * avg1(C[i, lc - 1], c, ps, ws) * pw[lc]) / den
        if abs(cn - c) < 1e-15:
            c = cn
            break
        c = cn
    pc[i] = c
    px[i] = (4.0 * px[i - 1] - px[i - 2] + 2.0 * h * (
        1.0 + b3 + s * (8.0 * px[i - 1] - px[i - 2]) / 12.0 - q * px[i - 1])) / den
    pr[i] = (4.0 * pr[i - 1] - pr[i - 2] + 2.0 * h * (
        br + s * (8.0 * pr[i - 1] - pr[i - 2]) / 12.0 - q * pr[i - 1])) / den
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
