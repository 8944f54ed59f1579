"""The divergence guard of the CK solver (physics/ck.py): the physical bounds every new row of a
solution obeys. `run` checks each row and stops at the first that breaks one, keeping what came
before (docs/performance.md, section 3: why a long run needs it)."""
from __future__ import annotations

import math

import numpy as np

from physics import pspin_theory as theory

E_TOL = 1e-3
"""e(t) may not fall below e_inf by more than this (energy units, J = 1)."""
MONO_TOL = 1e-3
"""Below T_d, e(t) may not rise above its running minimum by more than this (energy units)."""
C_TOL = 1e-3
"""|C(t, t')| may not exceed 1 by more than this."""
R_TOL = 1e-3
"""The integral of R(t, u) over a grid cell may not be below -R_TOL x the largest in its row."""


class Guard:
    """The physical bounds every new row of a CK solution obeys; `check` names the first one a row
    breaks (the run then stops there, `run`):

    * every value of the row (C, chi, mu, e; the probes' C, chi, R) is finite;
    * |C(t, t')| <= 1 + C_TOL (C is a normalised overlap, C(t, t) = 1);
    * R(t, u) >= 0: each cell integral W of R in a row is >= -R_TOL x the largest (the response
      of the spherical p-spin is positive; p = 4, T = 0.45, n = 256 has none below 0 up to
      t = 5e3, then -1e-3 of the largest at t = 9.9e3, and C = 1.10 at t = 1.0e4);
    * e(t) >= e_inf - E_TOL: after a quench from a random start the energy decreases towards its
      asymptote e_inf (physics.pspin_theory.asymptotic_energy: the threshold energy below T_d,
      -f(1)/T above) and never goes below it; e_inf lies above the ground state, so this bound
      is the tighter one;
    * below T_d (and at T = 0): e(t) <= min_{s <= t} e(s) + MONO_TOL (e(t) decreases; the grid's
      step doublings leave bumps of <= 6e-5 in a sound solution, tests/test_ck.py; with the
      drifting strip the largest rise up to t = 1e7 is 1.5e-4 at n = 512, 2.3e-4 at n = 256).

    The guard only reads the solver: a run it does not stop is the same, bit for bit."""

    def __init__(self, T: float, mix: dict, e_tol: float = E_TOL, mono_tol: float = MONO_TOL,
                 c_tol: float = C_TOL, r_tol: float = R_TOL):
        th = theory.summary(float(T), mix)
        self.e_inf = float(th["e_inf"])
        self.e_floor = self.e_inf - e_tol
        self.monotone = float(T) < th["T_d"]
        self.mono_tol, self.c_tol, self.r_tol = float(mono_tol), float(c_tol), float(r_tol)
        self.e_min = math.inf

    def check(self, s) -> str | None:
        """None if the last row of the solver `s` (physics.ck.CKSolver, row s.i) obeys every
        bound, else what it breaks."""
        i = s.i
        C, X, W = s.C[i, : i + 1], s.X[i, : i + 1], s.W[i, 1: i + 1]
        e, mu = float(s.e[i]), float(s.mu[i])
        if not (np.isfinite(C).all() and np.isfinite(X).all() and np.isfinite(W).all()
                and math.isfinite(e) and math.isfinite(mu)):
            return "a non-finite value (NaN or inf) in C, chi, mu or e"
        c = float(np.abs(C).max())
        if c > 1.0 + self.c_tol:
            return f"|C(t, t')| = {c:.6g} > 1"
        w = float(W.min()) if W.size else 0.0
        if w < -self.r_tol * float(W.max()):
            return f"R(t, t') < 0 (a grid cell's integral of R is {w:.3g}, the largest {W.max():.3g})"
        for p in s.probes:
            if not p.attached:
                v = (p.pc[i], p.px[i], p.pr[i])
                if not all(math.isfinite(x) for x in v):
                    return f"a non-finite value in C, chi or R at t_w = {p.tw:g}"
                if abs(v[0]) > 1.0 + self.c_tol:
                    return f"|C(t, t_w = {p.tw:g})| = {abs(v[0]):.6g} > 1"
        return self._energy(e)

    def check_row(self, C: np.ndarray, R: np.ndarray, e: float, mu: float) -> str | None:
        """The same bounds for a row given by its values C(t, t'), R(t, t') at nodes t' (the theta
        grid of physics/ck_ratio.py): R >= -R_TOL x its largest value in the row."""
        if not (np.isfinite(C).all() and np.isfinite(R).all() and math.isfinite(e) and math.isfinite(mu)):
            return "a non-finite value (NaN or inf) in C, R, mu or e"
        c = float(np.abs(C).max())
        if c > 1.0 + self.c_tol:
            return f"|C(t, t')| = {c:.6g} > 1"
        if float(R.min()) < -self.r_tol * float(R.max()):
            return f"R(t, t') < 0 (its lowest value in the row is {R.min():.3g}, the largest {R.max():.3g})"
        return self._energy(e)

    def _energy(self, e: float) -> str | None:
        """The bounds on e(t): above e_inf - E_TOL; below T_d, not above its running minimum by more
        than MONO_TOL. Keeps the running minimum."""
        if e < self.e_floor:
            return (f"e = {e:.6g} below the asymptote e_inf = {self.e_inf:.6g} by more than "
                    f"{self.e_inf - self.e_floor:.0e}")
        if self.monotone and e > self.e_min + self.mono_tol:
            return (f"e(t) = {e:.6g} rose above its minimum {self.e_min:.6g} by more than "
                    f"{self.mono_tol:.0e} (below T_d it decreases)")
        self.e_min = min(self.e_min, e)
        return None
