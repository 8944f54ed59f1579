"""Kernels of the CK solver on the grid in t'/t (physics/ck_ratio.py has the method and notation):
the grid, interpolation along a row and across rows (at fixed lag), and the right-hand side of
the equations at fixed theta. Storage: rows a = 0..M-1 at times Ht[a], Hc[a, k] = C(t_a, theta_k t_a),
Hr[a, k] = R(t_a, theta_k t_a), Hmu[a] = mu(t_a)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from physics.ck_kernels import f1, f2

_opts = dict(cache=True, fastmath=False, error_model="numpy")

FIXED_LAG_BELOW = 0.5
"""Across rows, C(s, t') is read at fixed lag s - t' when the lag is below this fraction of s (next
to the diagonal, where it is a function of the lag), else at fixed t' (where, at fixed lag, t'
itself would move by the row spacing between rows)."""

LINEAR_BELOW = 0.0101
"""Rows closer in time than this fraction of t are interpolated linearly in time (else cubic)."""


# ----------------------------------------------------------------------------- the theta grid

def ratio_grid(L: int, A: float, grade: float = 1.0):
    """The L nodes theta_k = 1 / (1 + e^-y_k) on y in [-A, A]: theta, 1 - theta (kept apart for
    precision next to 1), the trapezoid weights of int_0^1 dtheta, and the map's parameters g (for
    `_u`). grade = 1: y uniform, step dy. grade > 1: y = alpha sinh(beta (k - c)), c = (L - 1) / 2,
    whose step grows from alpha beta at y = 0 to `grade` times that at the ends: the nodes gather in
    the middle of the row (the aging part, whose resolution sets how far a run gets: ck_ratio.py).
    The map is analytic, so the trapezoid rule in k keeps its accuracy."""
    k = np.arange(L, dtype=np.float64)
    c = 0.5 * (L - 1)
    if grade == 1.0:
        y = np.linspace(-A, A, L)
        dy = float(y[1] - y[0])
        dydk = np.full(L, dy)
        g = np.array([A, 0.0, 0.0, c, dy])
    else:
        bc = math.acosh(grade)
        alpha, beta = A / math.sinh(bc), bc / c
        y = alpha * np.sinh(beta * (k - c))
        y[0], y[-1] = -A, A
        dydk = alpha * beta * np.cosh(beta * (k - c))
        g = np.array([A, alpha, beta, c, 0.0])
    th = 1.0 / (1.0 + np.exp(-y))
    om = 1.0 / (1.0 + np.exp(y))
    w = dydk * th * om
    w[0] *= 0.5
    w[-1] *= 0.5
    return th, om, w, g


def grid_steps(g) -> tuple[float, float]:
    """The node spacing in logit theta at the middle of the row and at its ends."""
    A, alpha, beta, c, dy = (float(v) for v in g)
    if beta == 0.0:
        return dy, dy
    return alpha * beta, alpha * beta * math.cosh(beta * c)


def grid_range(tmax: float) -> float:
    """A such that the nodes next to the diagonal and to t' = 0 reach lags of 1e-6 at tmax
    (e^-A tmax = 1e-6): the quadrature leaves out [t - t e^-A, t], worth ~1e-6 of e."""
    return max(12.0, math.log(max(tmax, 1.0) / 1e-6))


# ----------------------------------------------------------------------------- interpolation

@njit(inline="always", **_opts)
def _u(th, om, g):
    """Grid coordinate (node index, fractional) of theta; om = 1 - theta passed apart; g: the
    map's parameters (ratio_grid)."""
    A = g[0]
    if th <= 0.0:
        return 0.0
    if om <= 0.0:
        return 2.0 * A / g[4] if g[2] == 0.0 else 2.0 * g[3]
    y = math.log(th / om)
    if y < -A:
        y = -A
    elif y > A:
        y = A
    if g[2] == 0.0:
        return (y + A) / g[4]
    return g[3] + math.asinh(y / g[1]) / g[2]


@njit(inline="always", **_opts)
def _lagrange6(u, L):
    """The 6-point Lagrange stencil in the grid coordinate u: its first node i and weights (error
    ~ dy^6; the stencil is clamped at the ends of the row)."""
    i = int(math.floor(u))
    if i < 2:
        i = 2
    elif i > L - 4:
        i = L - 4
    x = u - i
    xm2, xm1, x0, x1, x2, x3 = x + 2.0, x + 1.0, x, x - 1.0, x - 2.0, x - 3.0
    p01 = xm2 * xm1
    p23 = x0 * x1
    p45 = x2 * x3
    w0 = -xm1 * p23 * p45 / 120.0
    w1 = xm2 * p23 * p45 / 24.0
    w2 = -p01 * x1 * p45 / 12.0
    w3 = p01 * x0 * p45 / 12.0
    w4 = -p01 * p23 * x3 / 24.0
    w5 = p01 * p23 * x2 / 120.0
    return i - 2, w0, w1, w2, w3, w4, w5


@njit(inline="always", **_opts)
def _along(Hc, Hr, a, u):
    """C and R of row a at grid coordinate u (_lagrange6)."""
    i, w0, w1, w2, w3, w4, w5 = _lagrange6(u, Hc.shape[1])
    c = (w0 * Hc[a, i] + w1 * Hc[a, i + 1] + w2 * Hc[a, i + 2] + w3 * Hc[a, i + 3]
         + w4 * Hc[a, i + 4] + w5 * Hc[a, i + 5])
    r = (w0 * Hr[a, i] + w1 * Hr[a, i + 1] + w2 * Hr[a, i + 2] + w3 * Hr[a, i + 3]
         + w4 * Hr[a, i + 4] + w5 * Hr[a, i + 5])
    return c, r


@njit(inline="always", **_opts)
def _bracket(Ht, M, s, m):
    """Row index m with Ht[m] <= s < Ht[m + 1] (0 <= m <= M - 2), walking from the guess m."""
    if m < 0:
        m = 0
    if m > M - 2:
        m = M - 2
    while m > 0 and Ht[m] > s:
        m -= 1
    while m < M - 2 and Ht[m + 1] <= s:
        m += 1
    return m


@njit(inline="always", **_opts)
def _stencil(Ht, M, m, s):
    """Rows lo..hi (up to 4 around m) and their cubic Lagrange weights in time at s."""
    lo = m - 1 if m >= 1 else 0
    hi = m + 2 if m + 2 <= M - 1 else M - 1
    l0 = l1 = l2 = l3 = 0.0
    for a in range(lo, hi + 1):
        la = 1.0
        for b in range(lo, hi + 1):
            if b != a:
                la *= (s - Ht[b]) / (Ht[a] - Ht[b])
        k = a - lo
        if k == 0:
            l0 = la
        elif k == 1:
            l1 = la
        elif k == 2:
            l2 = la
        else:
            l3 = la
    return lo, hi, l0, l1, l2, l3


@njit(**_opts)
def two_time(Ht, Hc, Hr, M, s, tp, T, g, m):
    """C(s, t'), R(s, t') for t' <= s <= Ht[M - 1] from the stored rows around s: each row read at
    the same lag s - t' next to the diagonal (lag < FIXED_LAG_BELOW s), else at the same t'; the
    rows combined linearly in time where they are closer than LINEAR_BELOW t, else cubically.
    m: a guess of the row bracketing s. Returns (C, R, m)."""
    c, r, m, _, _ = _two_time(Ht, Hc, Hr, M, s, tp, T, g, m, False)
    return c, r, m


@njit(inline="always", **_opts)
def _two_time(Ht, Hc, Hr, M, s, tp, T, g, m, split):
    """two_time; with `split`, the last row (M - 1) left out of C and R and returned as its weight
    and grid coordinate instead: (C, R, m, l, u), C + l C(row M - 1 at u) being the whole (l = 0:
    that row is not read)."""
    tau = s - tp
    if tau <= 0.0:
        return 1.0, 1.0, m, 0.0, 0.0
    if s <= Ht[0] or M == 1:                 # before the first row: the short-time form
        return 1.0 - T * tau, math.exp(-T * tau), m, 0.0, 0.0
    if s > Ht[M - 1]:
        s = Ht[M - 1]
    m = _bracket(Ht, M, s, m)
    if Ht[m + 1] - Ht[m] <= LINEAR_BELOW * Ht[m]:
        # rows closer than 1 % of t: linear in time is good to ~(0.01 t)^2 d2C/dt2 / 8 < 1e-6
        lo, hi = m, m + 1
        l0 = (Ht[m + 1] - s) / (Ht[m + 1] - Ht[m])
        l1 = 1.0 - l0
        l2 = l3 = 0.0
    else:
        lo, hi, l0, l1, l2, l3 = _stencil(Ht, M, m, s)
    fixlag = tau <= FIXED_LAG_BELOW * s and tau <= Ht[lo]
    c = 0.0
    r = 0.0
    l_last = 0.0
    u_last = 0.0
    for a in range(lo, hi + 1):
        ta = Ht[a]
        if fixlag:
            u = _u(1.0 - tau / ta, tau / ta, g)
        else:
            x = min(tp / ta, 1.0)
            u = _u(x, 1.0 - x, g)
        k = a - lo
        la = l0 if k == 0 else (l1 if k == 1 else (l2 if k == 2 else l3))
        if split and a == M - 1:             # the last row is the last in the loop
            l_last = la
            u_last = u
        else:
            ca, ra = _along(Hc, Hr, a, u)
            c += la * ca
            r += la * ra
    return c, r, m, l_last, u_last


# ----------------------------------------------------------------------------- right-hand side

@njit(**_opts)
def row_mu_e(c, r, t, T, w, ps, ws):
    """mu(t) and e(t) of the row (c, r) at time t (the nodes are the quadrature points)."""
    mu = T
    e = 0.0
    for k in range(c.shape[0]):
        W = w[k] * t
        fk = f1(c[k], ps, ws)
        mu += W * (c[k] * f2(c[k], ps, ws) + fk) * r[k]
        e -= W * fk * r[k]
    return mu, e


@njit(parallel=True, **_opts)
def row_coords(th, om, g):
    """The grid coordinates at which the right-hand side reads its own row, the same at every t:
    uA[j, k] of s = theta_k t' (part A) and uB[j, k] of s = t' + theta_k (t - t') (part B), with
    t' = theta_j t."""
    L = th.shape[0]
    uA, uB = np.empty((L, L)), np.empty((L, L))
    for j in prange(L):
        for k in range(L):
            uA[j, k] = _u(th[k] * th[j], om[k] + th[k] * om[j], g)
            uB[j, k] = _u(th[j] + th[k] * om[j], om[j] * om[k], g)
    return uA, uB


@njit(parallel=True, **_opts)
def memory_table(Ht, Hc, Hr, M, T, th, om, g, Bc, Br, Bl, Bu):
    """Part B's reads of the rows for the row at t = Ht[M - 1]: C(s, t'), R(s, t') at
    s = t' + theta_k (t - t'), t' = theta_j t, split as _two_time does: Bc[j, k], Br[j, k] from the
    rows before the last, which stay the same for every value of the last row (Newton's iterates,
    the Jacobian), and the last row's weight Bl[j, k] and grid coordinate Bu[j, k]."""
    L = th.shape[0]
    t = Ht[M - 1]
    for j in prange(L):
        tp = th[j] * t
        omj = om[j]
        m = 0
        for k in range(L):
            s = tp + th[k] * omj * t
            Bc[j, k], Br[j, k], m, Bl[j, k], Bu[j, k] = _two_time(Ht, Hc, Hr, M, s, tp, T, g, m, True)


@njit(inline="always", **_opts)
def rows_at(Ht, Hmu, M, tp, lw):
    """The rows around t' (lo..hi, their weights in time into lw), whether t' is before the first
    row (`early`: then the short-time forms), and mu(t'). Part A reads row t' at the nodes
    themselves."""
    if tp <= Ht[0] or M == 1:
        lo, hi = 0, 0
        lw[0] = 1.0
        early = True
    else:
        mp = _bracket(Ht, M, tp, M - 2)
        lo, hi, lw[0], lw[1], lw[2], lw[3] = _stencil(Ht, M, mp, tp)
        early = False
    mu_p = 0.0
    for a in range(lo, hi + 1):
        mu_p += lw[a - lo] * Hmu[a]
    return lo, hi, early, mu_p


@njit(inline="always", **_opts)
def at_node(Hc, Hr, lo, hi, lw, early, lag, T, k):
    """C(t', s), R(t', s) at node k of row t' (rows_at), s = t' - lag (the short-time forms if early)."""
    if early:
        return 1.0 - T * lag, math.exp(-T * lag)
    c = 0.0
    r = 0.0
    for a in range(lo, hi + 1):
        c += lw[a - lo] * Hc[a, k]
        r += lw[a - lo] * Hr[a, k]
    return c, r


@njit(parallel=True, **_opts)
def rhs(Ht, Hc, Hr, Hmu, M, T, th, om, w, uA, uB, Bc, Br, Bl, Bu, ps, ws, dc, dr):
    """d/dt at fixed theta of the last stored row (M - 1, time t = Ht[M - 1]) into dc, dr (uA, uB:
    row_coords; Bc, Br, Bl, Bu: memory_table at this t and these rows before the last)."""
    L = th.shape[0]
    t = Ht[M - 1]
    a_cur = M - 1
    mu_t = Hmu[M - 1]
    for j in prange(L):
        thj, omj = th[j], om[j]
        tp = thj * t
        cj, rj = Hc[a_cur, j], Hr[a_cur, j]
        lw = np.zeros(4)
        lo, hi, early, mu_p = rows_at(Ht, Hmu, M, tp, lw)
        Ia = 0.0
        Ib = 0.0
        Ic = 0.0
        Id = 0.0
        Ie = 0.0
        If = 0.0
        for k in range(L):
            # part A: s = theta_k t' in [0, t']; C(t', s), R(t', s) at fixed theta_k
            W = w[k] * tp
            cts, rts = _along(Hc, Hr, a_cur, uA[j, k])
            cps, rps = at_node(Hc, Hr, lo, hi, lw, early, tp * om[k], T, k)
            f2t = f2(cts, ps, ws)
            Ia += W * f2t * rts * cps
            Ib += W * f1(cts, ps, ws) * rps
            Ic += W * f2(cps, ps, ws) * rps * cts
            Id += W * f1(cps, ps, ws) * rts
            # part B: s = t' + theta_k (t - t') in [t', t]; C(s, t'), R(s, t') from the rows near s
            W = w[k] * omj * t
            cts, rts = _along(Hc, Hr, a_cur, uB[j, k])
            csp, rsp = Bc[j, k], Br[j, k]
            if Bl[j, k] != 0.0:
                cl, rl = _along(Hc, Hr, a_cur, Bu[j, k])
                csp += Bl[j, k] * cl
                rsp += Bl[j, k] * rl
            f2t = f2(cts, ps, ws)
            Ia += W * f2t * rts * csp
            Id += W * f1(csp, ps, ws) * rts
            Ie += W * f2t * rts * rsp
            If += W * rts * f2(csp, ps, ws) * rsp
        d1C = -mu_t * cj + Ia + Ib
        d2C = -mu_p * cj + Ic + Id + 2.0 * T * rj
        d1R = -mu_t * rj + Ie
        d2R = mu_p * rj - If
        dc[j] = d1C + thj * d2C
        dr[j] = d1R + thj * d2R
