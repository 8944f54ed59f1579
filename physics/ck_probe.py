"""A waiting-time column of the Kim-Latz CK grid (physics/ck.py): C(t, tw), chi(t, tw), R(t, tw)
on the grid while the grid keeps the column tw, then carried on by itself ("detached"), so that
C(t, tw) stays exact for tw much smaller than the step (physics/ck_kernels.solve_probe)."""
from __future__ import annotations

import math

import numpy as np


class Probe:
    """A waiting-time column: on the grid (column jw) until the grid drops it, then carried on."""

    def __init__(self, tw: float, jw: int):
        self.tw = tw
        self.jw = jw
        self.attached = True
        self.a = float(jw)       # tw / h
        self.lc = 0

    def detach(self, s: "CKSolver") -> None:
        n1, jw, h = s.n + 1, self.jw, s.h
        X, W = s.X, s.W
        self.pc = s.C[:, jw].copy()          # C symmetric: below tw this is C(tw, t_l)
        self.px = X[:, jw].copy()            # chi(t_l, tw), 0 below tw
        self.pr = np.zeros(n1)
        for r in range(jw + 2, n1):
            self.pr[r] = (X[r, jw - 1] - X[r, jw + 1]) / (2 * h)
        self.pcb = s.Cb[:, jw].copy()
        self.pxb = s.Xb[:, jw].copy()
        self.pxv = self.pxb.copy()           # means of chi(tw, u) along the row at tw
        self.pxb[: jw + 1] = 0.0
        self.pxrow = X[jw, :].copy()
        self.prb = np.zeros(n1)
        for l in range(jw + 1, n1):  # cell means of R(u, tw) over u
            self.prb[l] = W[l, jw + 1] / h if l <= jw + 2 else 0.5 * (self.pr[l - 1] + self.pr[l])
        self.pw = W[jw, :].copy()
        self.pw[jw + 1:] = 0.0
        self.pw[0] = 0.0
        self.zp = np.zeros(n1)
        self.attached = False

    def decimate(self, m: int) -> None:
        for name in ("pc", "px", "pr", "pxrow"):
            v = getattr(self, name)
            v[: m + 1] = v[0: 2 * m + 1: 2].copy()
        for name in ("pcb", "pxb", "prb", "pxv"):
            v = getattr(self, name)
            v[1: m + 1] = 0.5 * (v[1: 2 * m: 2] + v[2: 2 * m + 1: 2])
        pw = self.pw
        pw[1: m + 1] = pw[1: 2 * m: 2] + pw[2: 2 * m + 1: 2]
        pw[m + 1:] = 0.0
        self.a /= 2.0
        self.lc = int(math.ceil(self.a))
        l = np.arange(1, self.lc)
        self.zp[:] = 0.0
        self.zp[l] = self.pxv[l] - self.pxrow[l] - 0.5 * self.pw[l]

    def state(self) -> dict:
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_state(cls, st: dict) -> "Probe":
        p = cls.__new__(cls)
        for k, v in st.items():
            p.__dict__[k] = np.array(v, dtype=np.float64) if isinstance(v, np.ndarray) else v
        return p

    def values(self, s: "CKSolver", r: int):
        """(C, chi, R) at (t_r, tw), r a row on the current grid with t_r > tw."""
        if self.attached:
            jw = self.jw
            R = (s.X[r, jw - 1] - (s.X[r, jw + 1] if r > jw else 0.0)) / (2 * s.h)
            return s.C[r, jw], s.X[r, jw], R
        return self.pc[r], self.px[r], self.pr[r]
