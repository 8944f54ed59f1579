"""The Jacobian of the theta-grid right-hand side (physics/ck_ratio_kernels.rhs) with respect to
the last row, in one pass over the node pairs: the derivative of each integrand with respect to
the values it reads from that row (through the 6-point stencils along it, the nodes themselves,
and mu(t)), where differencing would take 2 L right-hand sides. Newton needs it only to converge:
a wrong entry slows it, it cannot change the row it converges to (the residual uses `rhs`);
tests/test_ck_ratio.py checks it against finite differences."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from physics.ck_kernels import f1, f2, f3
from physics.ck_ratio_kernels import _lagrange6, at_node, rows_at

_opts = dict(cache=True, fastmath=False, error_model="numpy")


@njit(inline="always", **_opts)
def _read(H, a, i, w0, w1, w2, w3, w4, w5):
    return (w0 * H[a, i] + w1 * H[a, i + 1] + w2 * H[a, i + 2] + w3 * H[a, i + 3]
            + w4 * H[a, i + 4] + w5 * H[a, i + 5])


@njit(inline="always", **_opts)
def _spread(J, row, col, d, w0, w1, w2, w3, w4, w5):
    """J[row, col + q] += d w_q: a derivative with respect to a value read through a stencil."""
    J[row, col] += d * w0
    J[row, col + 1] += d * w1
    J[row, col + 2] += d * w2
    J[row, col + 3] += d * w3
    J[row, col + 4] += d * w4
    J[row, col + 5] += d * w5


@njit(parallel=True, **_opts)
def jacobian(Ht, Hc, Hr, Hmu, M, T, th, om, w, uA, uB, Bc, Br, Bl, Bu, ps, ws, J):
    """J (2L x 2L) = d (dc, dr) / d (c, r) of the last row (M - 1), the arguments as `rhs` takes
    them: J[:L, :L] = d dc/d c, J[:L, L:] = d dc/d r, J[L:, :L] = d dr/d c, J[L:, L:] = d dr/d r."""
    L = th.shape[0]
    t = Ht[M - 1]
    a_cur = M - 1
    mu_t = Hmu[a_cur]
    dmu = np.empty(2 * L)                   # d mu(t) / d (c, r): mu = T + sum W (c f'' + f') r
    for k in range(L):
        W0 = w[k] * t
        c, r = Hc[a_cur, k], Hr[a_cur, k]
        dmu[k] = W0 * (2.0 * f2(c, ps, ws) + c * f3(c, ps, ws)) * r
        dmu[L + k] = W0 * (c * f2(c, ps, ws) + f1(c, ps, ws))
    for j in prange(L):
        for q in range(2 * L):
            J[j, q] = 0.0
            J[L + j, q] = 0.0
        thj, omj = th[j], om[j]
        tp = thj * t
        cj, rj = Hc[a_cur, j], Hr[a_cur, j]
        lw = np.zeros(4)
        lo, hi, early, mu_p = rows_at(Ht, Hmu, M, tp, lw)
        lmu = lw[hi - lo] if hi == a_cur else 0.0        # weight of the last row in mu(t')
        lcur = 0.0 if early else lmu                    # ... and in C(t', s), R(t', s) of part A
        for k in range(L):
            # part A: a, b = C, R(t, theta_k t') read along the last row; p, q = C, R(t', theta_k t')
            W = w[k] * tp
            i, w0, w1, w2, w3, w4, w5 = _lagrange6(uA[j, k], L)
            a = _read(Hc, a_cur, i, w0, w1, w2, w3, w4, w5)
            b = _read(Hr, a_cur, i, w0, w1, w2, w3, w4, w5)
            p, q = at_node(Hc, Hr, lo, hi, lw, early, tp * om[k], T, k)
            f1a, f2a, f3a = f1(a, ps, ws), f2(a, ps, ws), f3(a, ps, ws)
            f1p, f2p, f3p = f1(p, ps, ws), f2(p, ps, ws), f3(p, ps, ws)
            # dc = Ia + Ib + theta_j (Ic + Id): W [f''(a) b p + f'(a) q + theta_j (f''(p) q a + f'(p) b)]
            _spread(J, j, i, W * (f3a * b * p + f2a * q + thj * f2p * q), w0, w1, w2, w3, w4, w5)
            _spread(J, j, L + i, W * (f2a * p + thj * f1p), w0, w1, w2, w3, w4, w5)
            if lcur != 0.0:
                J[j, k] += lcur * W * (f2a * b + thj * (f3p * q * a + f2p * b))
                J[j, L + k] += lcur * W * (f1a + thj * f2p * a)
            # part B: a, b = C, R(t, s) read along the last row; p, q = C, R(s, t') (the memory
            # table, plus the last row's share Bl read at Bu)
            W = w[k] * omj * t
            i, w0, w1, w2, w3, w4, w5 = _lagrange6(uB[j, k], L)
            a = _read(Hc, a_cur, i, w0, w1, w2, w3, w4, w5)
            b = _read(Hr, a_cur, i, w0, w1, w2, w3, w4, w5)
            p, q, l = Bc[j, k], Br[j, k], Bl[j, k]
            iu, v0, v1, v2, v3, v4, v5 = 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
            if l != 0.0:
                iu, v0, v1, v2, v3, v4, v5 = _lagrange6(Bu[j, k], L)
                p += l * _read(Hc, a_cur, iu, v0, v1, v2, v3, v4, v5)
                q += l * _read(Hr, a_cur, iu, v0, v1, v2, v3, v4, v5)
            f2a, f3a = f2(a, ps, ws), f3(a, ps, ws)
            f1p, f2p, f3p = f1(p, ps, ws), f2(p, ps, ws), f3(p, ps, ws)
            # dc = Ia + theta_j Id = W [f''(a) b p + theta_j f'(p) b];
            # dr = Ie - theta_j If = W [f''(a) b q - theta_j b f''(p) q]
            _spread(J, j, i, W * f3a * b * p, w0, w1, w2, w3, w4, w5)
            _spread(J, j, L + i, W * (f2a * p + thj * f1p), w0, w1, w2, w3, w4, w5)
            _spread(J, L + j, i, W * f3a * b * q, w0, w1, w2, w3, w4, w5)
            _spread(J, L + j, L + i, W * (f2a * q - thj * f2p * q), w0, w1, w2, w3, w4, w5)
            if l != 0.0:
                _spread(J, j, iu, l * W * (f2a * b + thj * f2p * b), v0, v1, v2, v3, v4, v5)
                _spread(J, L + j, iu, -l * thj * W * b * f3p * q, v0, v1, v2, v3, v4, v5)
                _spread(J, L + j, L + iu, l * W * (f2a * b - thj * b * f2p), v0, v1, v2, v3, v4, v5)
        # the terms outside the integrals: -mu(t) C + theta_j (-mu(t') C + 2 T R), and for R
        # -mu(t) R + theta_j mu(t') R
        J[j, j] += -mu_t - thj * mu_p
        J[j, L + j] += 2.0 * T * thj
        J[L + j, L + j] += -mu_t + thj * mu_p
        gc = -cj - thj * cj * lmu
        gr = -rj + thj * rj * lmu
        for q in range(2 * L):
            J[j, q] += gc * dmu[q]
            J[L + j, q] += gr * dmu[q]
