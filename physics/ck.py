"""The exact N = infinity dynamics of the spherical (mixed) p-spin: the Cugliandolo-Kurchan
equations for C(t, t') and R(t, t') after a quench from a random start (docs/science.md, sec. 2.7).

Two solvers share `run` (config key `method`): this module's Kim-Latz grid (the default) and the
grid in t'/t of physics/ck_ratio.py (`method = ratio`: the fast relaxation resolved at every t,
~1e-5 accurate; p = 3, T = 0.5 reaches t ~ 4.5e5 on its uniform grid and t = 1e7 with grade 10;
docs/performance.md, sec. 3).

Method (after Kim & Latz, EPL 53, 660 (2001); written from the equations, not from their code):

* The unknowns are C(t, t') and the integrated response chi(t, t') = int_{t'}^t R(t, s) ds, whose
  equation follows from the one for R:
      d chi(t,t')/dt = 1 - mu(t) chi(t,t') + int_{t'}^t ds f''(C(t,s)) R(t,s) chi(s,t').
  Every memory integral is a sum over cells [t_{l-1}, t_l] of (the exact cell integral of R,
  a difference of chi) x (the mean of f^(k)(C) over the cell, taken in C-space) x (the cell mean
  of the other factor). The cell means are kept exactly through grid changes, so the fast
  relaxation near the diagonal, much shorter than the step at late times, is not lost.
* The grid is uniform with n + 1 points; when it is full, every other point is dropped and the
  step doubles (cell means of the merged cells are the means of their halves). The cost is
  O(n^3) per doubling, so reaching t costs O(n^3 log t) instead of O(t^3).
* Rows are advanced by an implicit second-order backward difference (BDF2), iterated to a fixed
  point (`tol`); the `n_copy` entries nearest the diagonal (the "strip") are the previous row's
  (time-translation invariance at lags <= n_copy * h) plus a drift along the diagonal: the drift
  over one row of the solved value at lag 2 (n_copy + 1) h, in proportion to the lag (aging:
  at lags tau << t, C(t, t - tau) drifts as a function of tau / t; measured at t ~ 1e3, the
  drift at fixed lag grows about linearly with the lag), kept monotone in the lag. The same
  drift moves the strip's cell means. Plain copies (`drift=False`, the solver before
  2026-11-29) freeze each strip value from when its lag was last solved, up to 8x earlier in t:
  the strip goes stale and the run diverges (below). The config key `strip` chooses: 'auto'
  (the default) drifts below T_d only; at and above T_d the dynamics becomes stationary, where
  copies are exact by time-translation invariance, while the drift extrapolates from a lag the
  coarse late grid resolves badly (T = 0.65, n = 512: tau_e at t_w = 3e3 and 1e4 read 96 and 100
  with the drift, 76 and 79 with copies, the lag being 2-3 grid steps there).
* Waiting times t_w are snapped (by at most 4/n relative) to points that stay on the grid until
  the lag is large; there the column C(t, t_w), chi(t, t_w), R(t, t_w) leaves the grid and is
  carried on by itself ("probe"), so C(t_w, t) stays exact for t_w much smaller than the step.

Accuracy and cost (plain copies, 2026-11-23; p = 3, T = 0.5, 2 cores, benchmarks/ck.py): n = 512 reaches
t = 1e4 in ~20 s and t = 1e5 in ~35 s. At t = 1024, n = 512 and n = 1024 differ by <= 4.5e-4 in
C(t, t_w) (t_w = 10.24, 40.96, 163.84) and 2e-5 in e; convergence is about first order in 1/n
(n = 256 vs 512: 3.5e-3). At t = 51.2 the n = 512 solution is within 2e-3 of a fixed-grid Euler
solution extrapolated to h -> 0.

Long times (docs/performance.md sec. 3 has the table, `benchmarks/ck.py --long`): with the drifting
strip n = 256, 512, 1024 reach t = 1e7 unstopped (1024: ~5 min), e - e_inf = 6.3e-4, 4.2e-4, 3.0e-4
there (order ~n^-0.75; at t <= 1e4, where copies converge, the drift leaves +1.2e-4 at 1024); plain
copies turn e(t) up from t ~ 2e4, 4e4, 1e5 (n = 256, 512, 1024) and blow up later. A run stops
where a physical bound breaks (physics/ck_guard.py).

run(config, sink) records energy, C, msd = 2 (1 - C), chi on the shared Schedule grid (one
sample), plus ck/mu, ck/R = R(t, t_w) and the final raw grid ck/grid_t, ck/grid_C, ck/grid_R.
A run the guard stops also records ck/diverged_at (the time of the first bad row), ck/valid_until
(the last good grid time: nothing later is recorded) and ck/diverged (the bound it broke); the
findings, `show` and the quick look say so, and `ck` exits with code 1.
Two-time values at lags t - t_w shorter than two grid steps (sub-grid: only where a measurement
time falls just after a waiting time) are left NaN.
"""
from __future__ import annotations

import math

import numpy as np

from physics import pspin_theory as theory
from physics.ck_kernels import euler_fixed_grid, solve_probe, solve_row  # noqa: F401
from physics.ck_config import (  # noqa: F401 (the interface: schema, config, validation)
    SCHEMA, SUPPORTED_P, SYSTEM, T_MAX, TIME, default_config, mixture, setting, strip_drifts, validate)
from physics.ck_driver import Driven
from physics.ck_guard import C_TOL, E_TOL, MONO_TOL, R_TOL, Guard  # noqa: F401
from physics.ck_probe import Probe
from physics.observables import Schedule, checkpoint, default_waiting_times, resume_state


# ----------------------------------------------------------------------------- waiting times

def snap_waiting_time(tw: float, n: int, h0: float, dt: float) -> float:
    """The grid point nearest tw (multiple of dt) that stays on the grid until t - tw >> step."""
    m = 0 if tw <= n * h0 else int(math.ceil(math.log2(tw / (n * h0)) - 1e-12))
    hm = h0 * 2.0 ** m
    q = tw / hm
    b = max(0, int(math.floor(math.log2(max(q * 8.0 / n, 1.0)))))
    u = max(hm * 2.0 ** b, dt)
    return max(1, int(round(tw / u))) * u


# ----------------------------------------------------------------------------- the solver

class CKSolver:
    """Integrates the CK equations row by row on a grid that doubles its step when full."""

    def __init__(self, mix: dict, T: float, n: int = 512, h0: float = 0.00125, n_copy: int = 4,
                 tol: float = 1e-9, max_iter: int = 200, anderson: int = 5, drift: bool = True):
        self.ps = np.array(sorted(mix), dtype=np.int64)
        self.ws = np.array([float(mix[p]) for p in sorted(mix)])
        self.T, self.n, self.h, self.nc = float(T), int(n), float(h0), int(n_copy)
        self.tol, self.max_iter = float(tol), int(max_iter)
        self.drift = bool(drift)
        n1 = self.n + 1
        self.C, self.X, self.W = np.zeros((n1, n1)), np.zeros((n1, n1)), np.zeros((n1, n1))
        self.Cb, self.Xb, self.Z = np.zeros((n1, n1)), np.zeros((n1, n1)), np.zeros((n1, n1))
        self.mu, self.e = np.zeros(n1), np.zeros(n1)
        self.S2, self.F1, self.P2, self.dF1 = (np.zeros(n1) for _ in range(4))
        self.acc = [np.zeros(n1) for _ in range(3)]
        self.hist_f, self.hist_g = np.zeros((anderson, 2 * n1)), np.zeros((anderson, 2 * n1))
        self.iterations = 0
        self.max_change = 0.0
        self.doublings = 0
        self.probes: list[Probe] = []
        # rows 0..n_copy from the short-time expansion C = 1 - T tau, chi = tau (error O(h0^2))
        h = self.h
        for i in range(self.nc + 1):
            for j in range(i + 1):
                tau = (i - j) * h
                self.C[i, j] = self.C[j, i] = 1.0 - self.T * tau
                self.X[i, j] = tau
            for l in range(1, i + 1):
                self.W[i, l] = self.X[i, l - 1] - self.X[i, l]
                self.Cb[l, i] = 0.5 * (self.C[i, l - 1] + self.C[i, l])
                self.Xb[l, i] = 0.5 * (self.X[i, l - 1] + self.X[i, l])
            for j in range(i):
                self.Cb[i, j] = 0.5 * (self.C[i, j] + self.C[i - 1, j])
                self.Xb[i, j] = 0.5 * (self.X[i, j] + self.X[i - 1, j])
            self.mu[i] = self.T
        self.i = self.nc   # last completed row

    @property
    def t(self) -> float:
        return self.i * self.h

    ARRAYS = ("C", "X", "W", "Cb", "Xb", "Z", "mu", "e", "S2", "F1", "P2", "dF1", "hist_f", "hist_g")
    SCALARS = ("h", "i", "iterations", "max_change", "doublings")

    def state(self) -> dict:
        """The whole grid, the solver's work arrays and its probes (a checkpoint)."""
        st = {name: getattr(self, name).copy() for name in self.ARRAYS}
        st["acc"] = np.stack(self.acc)
        st.update({name: getattr(self, name) for name in self.SCALARS})
        st["probes"] = {str(j): p.state() for j, p in enumerate(self.probes)}
        return st

    def restore(self, st: dict) -> None:
        for name in self.ARRAYS:
            getattr(self, name)[...] = st[name]
        for a, v in zip(self.acc, st["acc"]):
            a[:] = v
        self.h, self.i = float(st["h"]), int(st["i"])
        self.iterations, self.max_change = int(st["iterations"]), float(st["max_change"])
        self.doublings = int(st["doublings"])
        probes = st.get("probes") or {}
        self.probes = [Probe.from_state(probes[j]) for j in sorted(probes, key=int)]

    def add_probe(self, tw: float) -> None:
        """Follow C(t, tw), chi(t, tw), R(t, tw) from now on; tw must be the current row's time."""
        jw = self.i
        assert abs(jw * self.h - tw) <= 1e-9 * max(tw, 1.0), (tw, jw * self.h)
        self.probes.append(Probe(tw, jw))

    def _decimate(self) -> None:
        m = self.n // 2
        for p in self.probes:
            if p.attached and p.jw % 2 == 1:
                p.detach(self)
        for A in (self.C, self.X):
            A[: m + 1, : m + 1] = A[0: 2 * m + 1: 2, 0: 2 * m + 1: 2].copy()
        for A in (self.Cb, self.Xb):
            A[1: m + 1, : m + 1] = 0.5 * (A[1: 2 * m: 2, 0: 2 * m + 1: 2] + A[2: 2 * m + 1: 2, 0: 2 * m + 1: 2])
        W = self.W
        W[: m + 1, 1: m + 1] = (W[0: 2 * m + 1: 2, 1: 2 * m: 2] + W[0: 2 * m + 1: 2, 2: 2 * m + 1: 2]).copy()
        Z = self.Z
        Z[: m + 1, 1: m + 1] = np.tril(self.Xb[1: m + 1, : m + 1].T - self.X[: m + 1, 1: m + 1]
                                       - 0.5 * W[: m + 1, 1: m + 1])
        self.mu[: m + 1] = self.mu[0: 2 * m + 1: 2].copy()
        self.e[: m + 1] = self.e[0: 2 * m + 1: 2].copy()
        for p in self.probes:
            if p.attached:
                p.jw //= 2
                p.a = float(p.jw)
            else:
                p.decimate(m)
        self.h *= 2.0
        self.i = m
        self.doublings += 1

    def step(self) -> None:
        """Compute the next row (doubling the step first if the grid is full)."""
        if self.i == self.n:
            self._decimate()
        i = self.i + 1
        a1, a2, a3 = self.acc
        mu, e, it, ch = solve_row(i, self.h, self.T, self.C, self.X, self.W, self.Cb, self.Xb,
                                  self.Z, self.ps, self.ws, self.nc, self.tol, self.max_iter,
                                  self.S2, self.P2, self.F1, self.dF1, a1, a2, a3,
                                  self.hist_f, self.hist_g, self.drift)
        self.mu[i], self.e[i] = mu, e
        self.iterations += it
        self.max_change = max(self.max_change, ch)
        for p in self.probes:
            if not p.attached:
                solve_probe(i, self.h, mu, self.C, self.S2, self.P2, self.F1, self.dF1, p.pc, p.px,
                            p.pr, p.pcb, p.pxb, p.prb, p.pw, p.zp, p.lc, self.ps, self.ws)
        self.i = i

    def rows_to(self, tmax: float) -> int:
        """Rows still to compute to reach tmax."""
        rows, i, h = 0, self.i, self.h
        while i * h < tmax:
            if i == self.n:
                i, h = self.n // 2, 2 * h
            i += 1
            rows += 1
        return rows

    def grid(self, max_points: int = 257):
        """The current grid (subsampled to at most max_points): t, C(t_i, t_j), R(t_i, t_j)."""
        i = self.i
        stride = max(1, int(math.ceil((i + 1) / max_points)))
        idx = np.arange(0, i + 1, stride)
        C = np.tril(self.C[: i + 1, : i + 1])
        C = C + np.tril(C, -1).T
        X = self.X[: i + 1, : i + 1]
        R = np.zeros_like(C)
        h = self.h
        R[:, 1:-1] = (X[:, :-2] - X[:, 2:]) / (2 * h)
        R[:, 0] = (X[:, 0] - X[:, 1]) / h
        R = np.tril(R, -1) + np.eye(i + 1)
        return idx * h, C[np.ix_(idx, idx)], R[np.ix_(idx, idx)]


def _interp3(ts, ys, t):
    """Lagrange interpolation through 2 or 3 points."""
    if len(ts) == 2:
        (t0, t1), (y0, y1) = ts, ys
        return y0 + (y1 - y0) * (t - t0) / (t1 - t0)
    (t0, t1, t2), (y0, y1, y2) = ts, ys
    return (y0 * (t - t1) * (t - t2) / ((t0 - t1) * (t0 - t2))
            + y1 * (t - t0) * (t - t2) / ((t1 - t0) * (t1 - t2))
            + y2 * (t - t0) * (t - t1) / ((t2 - t0) * (t2 - t1)))


def schedule_for(config: dict) -> Schedule:
    n, h0 = int(config["n_grid"]), float(config["h0"])
    dt = 8.0 * h0
    tmax = float(config["tmax"])
    tw = default_waiting_times(tmax, dt) if config["tw"] is None else np.asarray(config["tw"], float)
    tw = sorted({snap_waiting_time(float(w), n, h0, dt) for w in tw})
    tw = [w for w in tw if w < tmax]
    return Schedule(dt, tmax, tw=tw, per_decade=int(config["per_decade"]))


class _KimLatz(Driven):
    """The Kim-Latz grid (CKSolver) as `run` drives it: waiting times become probes when the grid
    reaches them; values at a measurement time come from the last three rows."""

    def __init__(self, config: dict, mix: dict, T: float):
        self.s = CKSolver(mix, T, n=int(config["n_grid"]), h0=float(config["h0"]),
                          n_copy=int(config["n_copy"]), tol=float(config["tol"]),
                          max_iter=int(config["max_iter"]), drift=strip_drifts(config))

    mono_tol = MONO_TOL
    t = property(lambda self: self.s.t)
    rows_to = property(lambda self: self.s.rows_to)

    def step(self, guard: Guard, tw_pending: list):
        """The next row; None, or (its time, the last good time, the bound it broke)."""
        s = self.s
        s.step()
        i, h = s.i, s.h
        why = guard.check(s)
        if why is not None:          # stop: keep the rows before this one
            s.i -= 1
            return i * h, (i - 1) * h, why
        while tw_pending and abs(tw_pending[0] - i * h) <= 1e-9 * max(i * h, 1.0):
            s.add_probe(tw_pending.pop(0))
        return None

    def measure(self, t: float, tws) -> tuple:
        """e, mu, and C, chi, R at (t, t_w) for each waiting time (NaN where not resolved)."""
        s = self.s
        i, h = s.i, s.h
        rows = [i - 2, i - 1, i]
        ts = [r * h for r in rows]
        nw = len(tws)
        Cv, Xv, Rv = np.full(nw, np.nan), np.full(nw, np.nan), np.full(nw, np.nan)
        for p in s.probes:
            if t <= p.tw + 2.0 * h:   # lags below two steps are not resolved: left NaN
                continue
            iw = int(np.searchsorted(tws, p.tw - 1e-12 * p.tw))
            rr = [r for r in rows if r * h > p.tw * (1 + 1e-12)]
            if p.attached and rr and rr[0] - 1 >= p.jw and len(rr) < 3:
                rr = [rr[0] - 1] + rr
            if len(rr) < 2:
                rr = [i - 1, i]
            vals = np.array([p.values(s, r) for r in rr])
            tr = [r * h for r in rr]
            Cv[iw] = _interp3(tr, vals[:, 0], t)
            Xv[iw] = _interp3(tr, vals[:, 1], t)
            Rv[iw] = _interp3(tr, vals[:, 2], t)
        return _interp3(ts, s.e[rows], t), _interp3(ts, s.mu[rows], t), Cv, Xv, Rv

    def _mark(self) -> int:
        return self.s.doublings             # ck/R is written after each doubling of the step

    def grid(self):
        return self.s.grid()

    def summary(self, done: int) -> dict:
        return {"e_final": float(self.s.e[self.s.i]), "doublings": self.s.doublings,
                "iterations_per_row": self.s.iterations / max(done, 1)}


def _solver(config: dict, mix: dict, T: float, tmax: float):
    if setting(config, "method") == "ratio":
        from physics.ck_ratio import RatioRun
        return RatioRun(config, mix, T, tmax)
    return _KimLatz(config, mix, T)


def run(config: dict, sink, progress=None) -> dict:
    """Integrate the CK equations to tmax and record them on the shared grid (one sample)."""
    validate(config)
    mix = mixture(config)
    sch = schedule_for(config)
    T, tmax = float(config["T"]), float(sch.t[-1])
    solver = _solver(config, mix, T, tmax)
    guard = Guard(T, mix, mono_tol=solver.mono_tol)
    sink.begin(sch.t, sch.tw, samples=1)
    nt, nw = sch.nt, sch.nw
    R_out = np.full((1, nw, nt), np.nan)
    total = solver.rows_to(tmax)
    tw_pending = list(sch.tw)
    k = 0
    done = 0
    resume = resume_state(sink)
    if resume is not None:          # an interrupted run: continue from its checkpoint, bit for bit
        saved = resume[1]
        solver.restore(saved["solver"], int(saved["last_put"]))
        k, done = int(saved["k"]), int(saved["done"])
        tw_pending = [float(w) for w in saved["tw_pending"]]
        R_out[...] = saved["R"]
        guard.e_min = float(saved.get("e_min", guard.e_min))
        total = done + solver.rows_to(tmax)

    def state():
        return {"solver": solver.state(), "k": k, "done": done, "last_put": solver.last_put,
                "tw_pending": list(tw_pending), "R": R_out.copy(), "e_min": guard.e_min,
                "where": f"t = {solver.t:g}"}

    diverged = None
    while k < nt:
        diverged = solver.step(guard, tw_pending)
        done += 1
        if diverged is not None:    # the record keeps the rows before, and says so
            break
        t_i = solver.t
        while k < nt and sch.t[k] <= t_i * (1 + 1e-12):
            e, mu, Cv, Xv, Rv = solver.measure(float(sch.t[k]), sch.tw)
            R_out[0, :, k] = Rv
            sink.add(k, {"energy": [e], "ck/mu": [mu], "C": Cv[None], "msd": 2.0 * (1.0 - Cv[None]),
                         "chi": Xv[None]}, samples=slice(0, 1))
            k += 1
        if progress is not None and (done % 16 == 0 or k >= nt):
            progress(min(done, total), total)
        if solver.put_due():
            sink.put("ck/R", R_out)
        checkpoint(sink, k - 1, state)
    sink.put("ck/R", R_out)
    if diverged is not None:
        sink.put("ck/diverged_at", diverged[0])
        sink.put("ck/valid_until", diverged[1])
        sink.put("ck/diverged", diverged[2])
    gt, gC, gR = solver.grid()
    sink.put("ck/grid_t", gt)
    sink.put("ck/grid_C", gC)
    sink.put("ck/grid_R", gR)
    th = theory.summary(T, mix)
    out = {"t_final": float(solver.t), "e_inf": th["e_inf"], "q_EA": th["q_EA"], "x": th["x"],
           "T_d": th["T_d"], "diverged_at": None if diverged is None else diverged[0],
           "diverged": None if diverged is None else diverged[2]}
    out.update(solver.summary(done))
    return out
