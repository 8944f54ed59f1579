"""The Cugliandolo-Kurchan equations on a grid in the ratio theta = t'/t: the second CK solver
(`method = ratio`), after the idea of Lang, Sachdev & Diehl, "Numerical renormalization of glassy
dynamics", PRL 135, 247101 (2025) (their code DYNAMITE; written here from the equations and the
paper's idea, not from their code).

Why. The Kim-Latz grid (physics/ck.py) has a uniform step h that doubles, so at late times h is
far longer than the fast relaxation next to the diagonal, and the entries there are copied from
the previous row: its error shrinks only as n^-0.75 (docs/performance.md, sec. 3). Here every
row t keeps the same L nodes theta_k = t'/t on y = logit(theta) in [-A, A]: dense (in log lag)
next to the diagonal, where the lags reach t e^-A, and (in log t') next to t' = 0. So the fast
relaxation stays resolved at every t, and the cost of a row is O(L^2) whatever t. The nodes are
uniform in y (grade 1) or gather in the middle of the row (grade > 1, ratio_grid): the aging part
C(t, theta t), theta ~ 0.01-0.99, whose resolution sets how far a run gets (MONO_TOL below).

Equations (t > t'; f(q) = sum_p w_p q^p / 2; the adjoint ones, in the second time, follow from the
same Dyson equations, and the C one carries the noise term 2 T R(t, t') for t' > t):
    d_t  C(t,t') = -mu(t) C + int_0^t f''(C(t,s)) R(t,s) C(s,t') + int_0^t' f'(C(t,s)) R(t',s)
    d_t' C(t,t') = -mu(t') C + int_0^t' f''(C(t',s)) R(t',s) C(s,t) + int_0^t f'(C(t',s)) R(t,s)
                   + 2 T R(t,t')
    d_t  R(t,t') = -mu(t) R + int_t'^t f''(C(t,s)) R(t,s) R(s,t')
    d_t' R(t,t') =  mu(t') R - int_t'^t R(t,s) f''(C(s,t')) R(s,t')
    mu(t) = T + int_0^t [f''(C) C + f'(C)](t,s) R(t,s),   e(t) = -int_0^t f'(C(t,s)) R(t,s)
A node at fixed theta moves as d/dt = d_t + theta d_t'. The integrals over [0, t'] and [t', t] use
the same logit nodes mapped onto each interval (trapezoid in y: exponentially accurate for
integrands smooth in y, which the ones here are: smooth in log lag next to an end). Values
off the current row come from the stored rows: 6-point Lagrange in y along a row, and across
rows linear in time where they are < 1 % of t apart, cubic elsewhere (kernels.two_time: at fixed
lag next to the diagonal, at fixed t' beyond).

Time stepping: classical RK4 with a fixed small step up to `t_rk` (the fast transient), then
variable-step BDF2 with steps eps * t, solved by Newton: past t_rk the step is far beyond the
explicit stability limit (~0.3), which the implicit step does not feel. The Jacobian (with respect
to the new row) is exact and costs about two right-hand sides (physics/ck_ratio_jacobian.py), so
each row gets a fresh one and Newton converges in ~2 iterations. The reads of the rows before the
new one are the same for every Newton iterate: memory_table makes them once per row.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as sla

from physics.ck_driver import Driven
from physics.ck_ratio_jacobian import jacobian
from physics.ck_ratio_kernels import (  # noqa: F401 (re-exported: the grid and the kernels)
    LINEAR_BELOW, _stencil, two_time, grid_range, grid_steps, memory_table, ratio_grid, rhs,
    row_coords, row_mu_e)


# ----------------------------------------------------------------------------- the solver

class RatioSolver:
    """Integrates the CK equations row by row on the fixed theta grid (module docstring).

    mix, T: the model and temperature; L: nodes per row; A: the grid's range in logit theta
    (grid_range(tmax) for a run to tmax); eps: BDF2 step / t; t_rk, dt_rk: the RK4 start;
    tol: Newton tolerance on the row (max norm)."""

    def __init__(self, mix: dict, T: float, L: int = 160, A: float = 20.0, eps: float = 0.005,
                 t_rk: float = 10.0, dt_rk: float = 0.05, t0: float = 1e-3, tol: float = 1e-9,
                 max_newton: int = 12, grade: float = 1.0):
        self.ps = np.array(sorted(mix), dtype=np.int64)
        self.ws = np.array([float(mix[p]) for p in sorted(mix)])
        self.T, self.L, self.A = float(T), int(L), float(A)
        self.eps, self.t_rk, self.dt_rk = float(eps), float(t_rk), float(dt_rk)
        self.tol, self.max_newton = float(tol), int(max_newton)
        self.grade = float(grade)
        self.th, self.om, self.w, self.g = ratio_grid(self.L, self.A, self.grade)
        self.uA, self.uB = row_coords(self.th, self.om, self.g)
        cap = 1024
        self.Ht, self.Hmu, self.He = np.zeros(cap), np.zeros(cap), np.zeros(cap)
        self.Hc, self.Hr = np.zeros((cap, self.L)), np.zeros((cap, self.L))
        lag = t0 * self.om                   # the short-time solution C = 1 - T lag, R = e^(-T lag)
        self.Ht[0] = t0
        self.Hc[0] = 1.0 - self.T * lag
        self.Hr[0] = np.exp(-self.T * lag)
        self.M = 1
        self._set_mu(0)
        self.newton = 0
        self.jacobians = 0
        self._dc, self._dr = np.zeros(self.L), np.zeros(self.L)
        self._B = [np.zeros((self.L, self.L)) for _ in range(4)]
        self._B_for = None                   # (M, t) of the memory table (kernels.memory_table)

    # -- storage
    def _room(self, n: int) -> None:
        if n < self.Ht.shape[0]:
            return
        cap = 2 * self.Ht.shape[0]
        while cap <= n:
            cap *= 2
        for name in ("Ht", "Hmu", "He"):
            a = np.zeros(cap)
            a[: self.M] = getattr(self, name)[: self.M]
            setattr(self, name, a)
        for name in ("Hc", "Hr"):
            a = np.zeros((cap, self.L))
            a[: self.M] = getattr(self, name)[: self.M]
            setattr(self, name, a)

    def _set_mu(self, m: int) -> None:
        self.Hmu[m], self.He[m] = row_mu_e(self.Hc[m], self.Hr[m], self.Ht[m], self.T, self.w,
                                           self.ps, self.ws)

    def _put(self, n: int, t: float, c, r) -> None:
        """Row n (the last) at time t."""
        self._room(n)
        self.Ht[n] = t
        self.Hc[n] = c
        self.Hr[n] = r
        self.M = n + 1
        self._set_mu(n)

    def _f(self, n: int, t: float, x: np.ndarray) -> np.ndarray:
        """The right-hand side with row n = x (C then R) at time t."""
        L = self.L
        self._put(n, t, x[:L], x[L:])
        if self._B_for != (self.M, t):       # the rows before n are fixed: their reads are too
            memory_table(self.Ht, self.Hc, self.Hr, self.M, self.T, self.th, self.om, self.g, *self._B)
            self._B_for = (self.M, t)
        rhs(self.Ht, self.Hc, self.Hr, self.Hmu, self.M, self.T, self.th, self.om, self.w,
            self.uA, self.uB, *self._B, self.ps, self.ws, self._dc, self._dr)
        return np.concatenate([self._dc, self._dr])

    # -- state
    @property
    def t(self) -> float:
        return float(self.Ht[self.M - 1])

    @property
    def e(self) -> float:
        return float(self.He[self.M - 1])

    @property
    def mu(self) -> float:
        return float(self.Hmu[self.M - 1])

    def state(self) -> dict:
        st = {name: getattr(self, name)[: self.M].copy() for name in ("Ht", "Hc", "Hr", "Hmu", "He")}
        st.update(M=self.M, newton=self.newton, jacobians=self.jacobians)
        return st

    def restore(self, st: dict) -> None:
        M = int(st["M"])
        self.M = 1
        self._room(M)
        for name in ("Ht", "Hc", "Hr", "Hmu", "He"):
            getattr(self, name)[:M] = st[name]
        self.M = M
        self._B_for = None
        self.newton, self.jacobians = int(st["newton"]), int(st["jacobians"])

    # -- stepping
    def step(self) -> None:
        """One row: RK4 with dt_rk up to t_rk, then BDF2 with step eps t."""
        if self.t < self.t_rk * (1 - 1e-12) or self.M < 2:
            self._step_rk4(min(self.dt_rk, 0.05 * self.t, max(self.t_rk - self.t, 1e-12)))
        else:
            self._step_bdf2(self.eps * self.t)

    def _step_rk4(self, h: float) -> None:
        m = self.M - 1
        n = m + 1
        t = self.t
        x0 = np.concatenate([self.Hc[m], self.Hr[m]])
        k1 = self._f(m, t, x0)
        k2 = self._f(n, t + 0.5 * h, x0 + 0.5 * h * k1)
        k3 = self._f(n, t + 0.5 * h, x0 + 0.5 * h * k2)
        k4 = self._f(n, t + h, x0 + h * k3)
        x = x0 + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        self._put(n, t + h, x[: self.L], x[self.L:])

    def _jacobian(self) -> np.ndarray:
        """The Jacobian of the rhs with respect to the row last evaluated (`_f`): one pass over the
        node pairs (physics/ck_ratio_jacobian.py), about two right-hand sides' work."""
        J = np.empty((2 * self.L, 2 * self.L))
        jacobian(self.Ht, self.Hc, self.Hr, self.Hmu, self.M, self.T, self.th, self.om, self.w,
                 self.uA, self.uB, *self._B, self.ps, self.ws, J)
        self.jacobians += 1
        return J

    def _step_bdf2(self, h: float) -> None:
        """Variable-step BDF2 with step h, or h/2, h/4, ... where Newton does not converge (the last
        iterate is kept if none does: the guard then judges the row)."""
        for _ in range(8):
            if self._bdf2(h):
                return
            h *= 0.5

    def _bdf2(self, h: float) -> bool:
        """x - a x_m + b x_(m-1) = beta h f(x) for the row after m, by Newton with the exact
        Jacobian at the predictor. Returns whether it converged; the row is stored either way."""
        m = self.M - 1
        if self.Ht[m] != self.Ht[m]:
            return False
        n = m + 1
        tm, tl = self.Ht[m], self.Ht[m - 1]
        w = h / (tm - tl)
        a = (1 + w) ** 2 / (1 + 2 * w)
        b = w * w / (1 + 2 * w)
        beta = (1 + w) / (1 + 2 * w)
        xm = np.concatenate([self.Hc[m], self.Hr[m]])
        xl = np.concatenate([self.Hc[m - 1], self.Hr[m - 1]])
        tn = tm + h
        if m >= 2:                           # predictor: quadratic extrapolation in t
            tk = self.Ht[m - 2]
            xk = np.concatenate([self.Hc[m - 2], self.Hr[m - 2]])
            x = (xm * (tn - tl) * (tn - tk) / ((tm - tl) * (tm - tk))
                 + xl * (tn - tm) * (tn - tk) / ((tl - tm) * (tl - tk))
                 + xk * (tn - tm) * (tn - tl) / ((tk - tm) * (tk - tl)))
        else:
            x = xm + w * (xm - xl)
        f = self._f(n, tn, x)
        lu = sla.lu_factor(np.eye(x.size) - beta * h * self._jacobian())
        last = np.inf
        for it in range(self.max_newton):
            res = x - a * xm + b * xl - beta * h * f
            if not np.all(np.isfinite(res)):
                break
            dx = sla.lu_solve(lu, -res)
            x = x + dx
            f = self._f(n, tn, x)
            self.newton += 1
            size = float(np.max(np.abs(dx)))
            if size < self.tol:
                return True
            if it >= 3 and size > last and size > 1e3 * self.tol:   # diverging: a shorter step
                break
            last = size
        self._put(n, tm, xm[: self.L], xm[self.L:])
        self.M = n                           # drop the failed row
        return False

    def rows_to(self, tmax: float) -> int:
        """Rows still to compute to reach tmax (an estimate for progress)."""
        t = self.t
        rows = 0
        if t < self.t_rk:
            rows += int(math.ceil((min(tmax, self.t_rk) - t) / self.dt_rk))
            t = self.t_rk
        if tmax > t:
            rows += int(math.ceil(math.log(tmax / t) / math.log1p(self.eps)))
        return rows

    # -- values anywhere in the past
    def values(self, s: float, tw: float):
        """C(s, tw), R(s, tw) and chi(s, tw) = int_tw^s R(s, u) du, for tw <= s <= t."""
        c, r, _ = two_time(self.Ht, self.Hc, self.Hr, self.M, s, tw, self.T, self.g, self.M - 2)
        chi = 0.0
        for k in range(self.L):
            u = tw + self.th[k] * (s - tw)
            _, ru, _ = two_time(self.Ht, self.Hc, self.Hr, self.M, s, u, self.T, self.g, self.M - 2)
            chi += self.w[k] * (s - tw) * ru
        return c, r, chi

    def energy_at(self, s: float) -> tuple[float, float]:
        """e(s), mu(s) for s within the stored rows (cubic in time, the rows' own stencil)."""
        M = self.M
        if M == 1:
            return float(self.He[0]), float(self.Hmu[0])
        m = min(max(int(np.searchsorted(self.Ht[:M], s, side="right")) - 1, 0), M - 2)
        lo, hi, *lw = _stencil(self.Ht, M, m, s)
        rows = slice(lo, hi + 1)
        w = np.array(lw[: hi - lo + 1])
        return float(w @ self.He[rows]), float(w @ self.Hmu[rows])


# ----------------------------------------------------------------------------- as `ck` runs it

MONO_TOL = 1e-6
"""The guard's bound on a rise of e(t) for this solver (physics.ck_guard.Guard, `mono_tol`). Its
e(t) is smooth (no step doublings), so a rise above 1e-6 is the first sign of the instability
that ends its reach: the scaling (aging) part of the row, C(t, theta t) at theta ~ 0.2-0.95,
starts to oscillate and grow (by 0.15 in C while e moves by 3e-4). Our reading: the aging
regime's near-zero mode (its equations are invariant under reparametrisations of time, and only
corrections that fade as t grows select h(t) = t) turns unstable once those corrections fall
below the grid's error there. What moves the onset is the node spacing in the middle of the row,
about as (spacing)^-2 (p = 3, T = 0.5): uniform 0.6, 0.4, 0.3 stop at 1.6e5, 3.5e5, 4.5e5; graded
with 0.3, 0.2, 0.1 in the middle (0.6, 0.6, 0.8 at the ends) at 5.1e5, 1.1e6, 8.7e6; 0.06 (grade
10) passes 2e7. 8-point interpolation, half the step and cubic time interpolation did not move
it (docs/performance.md, sec. 3)."""

LOGIT_STEP = 0.3
"""The default spacing of the nodes in logit(theta): e(t) moves by ~2e-5 from 0.3 to 0.2 (p = 3,
T = 0.5, t <= 1e4; docs/performance.md, sec. 3)."""


END_STEP = 0.6
"""The spacing in logit(theta) at the ends of a graded row (nodes = 0): e(t) moves by ~1e-5 from
0.3 to 0.6 there (p = 3, T = 0.5, t <= 1e5; docs/performance.md, sec. 3)."""


def nodes_for(A: float, grade: float = 1.0) -> int:
    """Nodes for a grid of range A and `grade` (ratio_grid) at the default spacing: LOGIT_STEP
    everywhere for a uniform grid; END_STEP at the ends and END_STEP / grade in the middle for a
    graded one."""
    if grade == 1.0:
        return int(math.ceil(2.0 * A / LOGIT_STEP)) + 1
    bc = math.acosh(grade)                   # y = alpha sinh(beta (k - c)): y'(c) = centre step
    return 2 * int(math.ceil(bc * A * grade / (math.sinh(bc) * END_STEP))) + 1


class RatioRun(Driven):
    """The theta-grid solver as physics.ck.run drives it (the same surface as its Kim-Latz one)."""

    def __init__(self, config: dict, mix: dict, T: float, tmax: float):
        A = grid_range(tmax)
        grade = float(config.get("grade", 1.0))
        L = int(config.get("nodes", 0)) or nodes_for(A, grade)
        self.s = RatioSolver(mix, T, L=L, A=A, eps=float(config.get("step", 0.005)), grade=grade)

    mono_tol = MONO_TOL

    t = property(lambda self: self.s.t)
    rows_to = property(lambda self: self.s.rows_to)

    def step(self, guard, tw_pending: list):
        """The next row; None, or (its time, the last good time, the bound it broke)."""
        s = self.s
        s.step()
        m = s.M - 1
        why = guard.check_row(s.Hc[m], s.Hr[m], s.e, s.mu)
        if why is not None:          # stop: keep the rows before this one
            t_bad = s.t
            s.M -= 1
            return t_bad, s.t, why
        while tw_pending and tw_pending[0] <= s.t:
            tw_pending.pop(0)        # any waiting time is resolved here: nothing to set up
        return None

    def measure(self, t: float, tws) -> tuple:
        """e, mu, and C, chi, R at (t, t_w) for each waiting time (NaN for t_w >= t)."""
        e, mu = self.s.energy_at(t)
        nw = len(tws)
        Cv, Xv, Rv = np.full(nw, np.nan), np.full(nw, np.nan), np.full(nw, np.nan)
        for iw, tw in enumerate(tws):
            if tw < t:
                Cv[iw], Rv[iw], Xv[iw] = self.s.values(t, float(tw))
        return e, mu, Cv, Xv, Rv

    def _mark(self) -> int:
        return self.s.M // 64               # ck/R is written every 64 rows

    def grid(self, max_points: int = 257):
        """Times (log-spaced rows) and C(t_i, t_j), R(t_i, t_j) between them, as the Kim-Latz grid."""
        s = self.s
        idx = np.unique(np.linspace(0, s.M - 1, min(max_points, s.M)).round().astype(int))
        t = s.Ht[idx].copy()
        n = t.size
        C, R = np.eye(n), np.eye(n)
        for a in range(n):
            for b in range(a):
                c, r, _ = two_time(s.Ht, s.Hc, s.Hr, s.M, t[a], t[b], s.T, s.g, s.M - 2)
                C[a, b] = C[b, a] = c
                R[a, b] = r
        return t, C, R

    def summary(self, done: int) -> dict:
        s = self.s
        return {"e_final": s.e, "nodes": s.L, "logit_steps": grid_steps(s.g), "rows": s.M, "newton_per_row": s.newton / max(done, 1),
                "jacobians": s.jacobians}
